// Sync journeys: two browsers on one network through juntas-server, one of them offline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, PHONE, scanQr } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';

const KEY = process.env.JUNTAS_ACCESS_KEY;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A browser that opened the operator's claim link, created the example network and claimed
 * it as its facilitator. */
async function founder() {
  const context = await newContext(browser);
  const page = await context.newPage();
  const net = await new HomePage(page).foundExample('Ignacio Vargas');
  return { context, page, net };
}

/** A second person who opens the invite link on her phone. */
async function invited(link) {
  const context = await newContext(browser, PHONE);
  const page = await context.newPage();
  await page.goto(link);
  const net = await new NetworkPage(page).waitReady();
  return { context, page, net };
}

async function centreNames(net) {
  return net.page.getByTestId('centre-title').allTextContents();
}

test('an invite link brings the network to another device, and edits flow both ways', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const a = await founder();
  // The facilitator's second device (her phone): a personal invite for herself.
  const link = await a.net.inviteLink('Ignacio Vargas');
  assert.match(link, /\/unirse#invitacion=[A-Za-z0-9_-]{43}$/, 'a one-time code travels in the fragment');
  assert.equal(await scanQr(a.page.getByTestId('invite-qr')), link, 'the QR code carries the same link');
  const b = await invited(link);
  assert.equal(await b.net.name(), 'Avanzando Juntas');
  assert.equal(new URL(b.page.url()).hash, '', 'the code leaves the address bar');
  assert.equal(await b.net.whoAmI(), 'Ignacio Vargas', 'the device knows who she is');
  await b.net.centreCards().nth(14).waitFor();

  // Live: an edit on B shows on A without reloading.
  const [first] = await centreNames(b.net);
  const card = await b.net.editCentre(first);
  await b.net.setField(card, 'centre-name', `${first} (B)`);
  await a.net.centre(`${first} (B)`).waitFor({ timeout: 5000 });
  assert.deepEqual(a.page.__errors ?? [], []);
  assert.deepEqual(b.page.__errors ?? [], []);
  await a.context.close();
  await b.context.close();
});

test('a network made on a device registered in another stays on that device, says so, and neither holds back "Sincronizado" in the other nor makes closing ask', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const a = await founder();
  const registered = a.page.url();
  // A network of her own school's, made here: the server has never heard of it.
  const own = await new HomePage(a.page).goto().then((h) => h.createNetwork('Red del jardín', 'SLEP Prueba'));
  await own.addCentre('Jardín Semillas', 'Macul');
  await own.centre('Jardín Semillas').waitFor();
  await own.waitSaved();
  await own.syncState().filter({ hasText: 'Solo en este dispositivo, que no está registrado en esta red' }).waitFor();
  assert.equal(await own.warnsOnClose(), false, 'what stays here is stored: closing loses nothing');
  // Her registered network still reaches "Sincronizado": the other network's changes are not
  // counted as waiting for this server.
  await a.page.goto(registered);
  await a.net.waitReady();
  await a.net.waitSync('synced');
  assert.equal(await a.net.warnsOnClose(), false);
  // An edit there, unsent while offline, still makes closing ask.
  await a.context.setOffline(true);
  await a.net.waitSync('offline');
  const [first] = await centreNames(a.net);
  const card = await a.net.editCentre(first);
  await a.net.setField(card, 'centre-enrolment', '88');
  await a.net.waitSaved();
  await a.page.waitForFunction(() => /[1-9]\d* cambios? por enviar/.test(document.querySelector('[data-testid="sync-state"]')?.textContent ?? ''));
  assert.equal(await a.net.warnsOnClose(), true, 'unsent to the server: closing asks');
  assert.deepEqual(a.page.__errors ?? [], []);
  await a.context.close();
});

test('offline edits on A and live edits on B merge when A reconnects', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const a = await founder();
  const b = await invited(await a.net.inviteLink('Ignacio Vargas'));
  await b.net.centreCards().nth(14).waitFor();
  const names = await centreNames(a.net);
  const [x, y] = [names[1], names[2]];

  await a.context.setOffline(true);
  await a.net.waitSync('offline');
  const cardX = await a.net.editCentre(x);
  await a.net.setField(cardX, 'centre-name', `${x} (editado sin señal)`);
  await a.net.waitSaved();
  await a.page.waitForFunction(() => /Sin conexión · (1 cambio|([2-9]|[1-9]\d+) cambios) por enviar/.test(
    document.querySelector('[data-testid="sync-state"]').textContent));

  const cardY = await b.net.editCentre(y);
  await b.net.setField(cardY, 'centre-name', `${y} (editado en línea)`);
  await b.net.waitSync('synced');

  await a.context.setOffline(false);
  await a.net.waitSync('synced');
  for (const net of [a.net, b.net]) {
    await net.centre(`${x} (editado sin señal)`).waitFor({ timeout: 10000 });
    await net.centre(`${y} (editado en línea)`).waitFor({ timeout: 10000 });
  }
  assert.equal(await a.net.centreCards().count(), 15, 'nothing duplicated or lost');
  assert.equal(await b.net.centreCards().count(), 15);
  await a.context.close();
  await b.context.close();
});

test('a device reopened after others edited takes their edits, and after that has nothing to send', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  // Reopened, a device does not load a document only to learn that nothing changed on either
  // side (it tells the server its heads from a cache); one the server has news for is loaded
  // and merged as before. This is what she sees of both.
  const a = await founder();
  const b = await invited(await a.net.inviteLink('Ignacio Vargas'));
  await b.net.centreCards().nth(14).waitFor();
  await a.net.waitSync('synced');
  const address = a.net.url();

  // Closed and reopened with nothing new anywhere: synced, nothing pending, nothing lost.
  await a.page.close();
  let page = await a.context.newPage();
  await page.goto(address);
  let net = await new NetworkPage(page).waitReady();
  await net.waitSync('synced');
  assert.equal(await net.centreCards().count(), 15);
  assert.doesNotMatch(await net.syncState().textContent(), /por enviar/);

  // Closed while B edits; reopened, B's edit is there and A has nothing to send.
  await page.close();
  const [first] = await centreNames(b.net);
  const card = await b.net.editCentre(first);
  await b.net.setField(card, 'centre-name', `${first} (editado con A cerrada)`);
  await b.net.waitSync('synced');
  page = await a.context.newPage();
  await page.goto(address);
  net = await new NetworkPage(page).waitReady();
  await net.centre(`${first} (editado con A cerrada)`).waitFor({ timeout: 10000 });
  await net.waitSync('synced');
  assert.doesNotMatch(await net.syncState().textContent(), /por enviar/);

  // And what A edits now still reaches B.
  const [, second] = await centreNames(net);
  const mine = await net.editCentre(second);
  await net.setField(mine, 'centre-name', `${second} (A al volver)`);
  await b.net.centre(`${second} (A al volver)`).waitFor({ timeout: 10000 });
  assert.deepEqual(page.__errors ?? [], []);
  assert.deepEqual(b.page.__errors ?? [], []);
  await a.context.close();
  await b.context.close();
});

/** Listens, in `page`, to the channel the app's tabs talk on (frames `[kind, from, to, …]`). */
async function watchTabFrames(page) {
  await page.evaluate(() => {
    window.__frames = [];
    window.__tabs = new BroadcastChannel('juntas-sync');
    window.__tabs.onmessage = (e) => window.__frames.push(e.data);
  });
}

/** The founder's network open in two tabs of one browser, offline (so they sync only with each
 * other), and two of its centres' names; `watch` runs in the first tab before the second opens. */
async function twoTabsOffline(watch = async () => {}) {
  const a = await founder();
  await watch(a.page);
  const second = await a.context.newPage();
  await second.goto(a.page.url());
  const b = await new NetworkPage(second).waitReady();
  await b.centreCards().nth(14).waitFor();
  await a.context.setOffline(true);
  await a.net.waitSync('offline');
  await b.waitSync('offline');
  const [x, y] = (await centreNames(a.net)).slice(3, 5);
  return { a, second, b, x, y };
}

test('two tabs whose session broke (a message one could not read) start it again and keep in step', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const { a, second, b, x, y } = await twoTabsOffline(watchTabFrames);
  const cardX = await a.net.editCentre(x);
  await a.net.setField(cardX, 'centre-name', `${x} (antes)`);
  await b.centre(`${x} (antes)`).waitFor({ timeout: 5000 });

  // The second tab announced itself (`hello`, to all) after the channel was watched; its
  // messages name the first tab. A frame from it that the first tab cannot read ends the
  // first tab's side of their session.
  const ids = await a.page.evaluate(() => {
    const second = window.__frames.find((f) => f[0] === 'hello' && f[2] == null)[1];
    const first = window.__frames.find((f) => f[0] === 'msg' && f[1] === second)[2];
    window.__tabs.postMessage(['msg', second, first, new Uint8Array([0xff, 0x00, 0x13])]);
    return { first, second };
  });
  assert.notEqual(ids.first, ids.second);
  await a.page.waitForFunction(
    ({ first, second }) => window.__frames.some((f) => f[0] === 'reset' && f[1] === first && f[2] === second),
    ids, { timeout: 5000 },
  );

  // Still with no server: an edit in either tab reaches the other.
  const cardY = await b.editCentre(y);
  await b.setField(cardY, 'centre-name', `${y} (después)`);
  await a.net.centre(`${y} (después)`).waitFor({ timeout: 10000 });
  await a.net.setField(cardX, 'centre-name', `${x} (después)`);
  await b.centre(`${x} (después)`).waitFor({ timeout: 10000 });
  assert.deepEqual(second.__errors ?? [], []);
  await a.context.close();
});

test('two tabs of one browser stay in step with no connection to the server', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const { a, second, b, x, y } = await twoTabsOffline();
  const cardX = await a.net.editCentre(x);
  await a.net.setField(cardX, 'centre-name', `${x} (pestaña 1)`);
  await b.centre(`${x} (pestaña 1)`).waitFor({ timeout: 5000 });

  const cardY = await b.editCentre(y);
  await b.setField(cardY, 'centre-name', `${y} (pestaña 2)`);
  await a.net.centre(`${y} (pestaña 2)`).waitFor({ timeout: 5000 });
  assert.equal(await a.net.centreCards().count(), 15, 'nothing duplicated');
  assert.equal(await b.centreCards().count(), 15);

  // Back online, both tabs' edits reach the server and neither tab has anything pending.
  await a.context.setOffline(false);
  await a.net.waitSync('synced');
  await b.waitSync('synced');
  assert.deepEqual(a.page.__errors ?? [], []);
  assert.deepEqual(second.__errors ?? [], []);
  await a.context.close();
});
