// Bundle journeys: a network travels as a file (WhatsApp, email, USB) to a device that has
// never been online with it; bad files are refused whole and change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, forgetReading, PHONE } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { TreePage } from '../pages/tree.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function device(options) {
  const context = await newContext(browser, options);
  const page = await context.newPage();
  return { context, page, home: await new HomePage(page).goto() };
}

async function centreNames(net) {
  return net.page.getByTestId('centre-title').allTextContents();
}

test('a file exported on A brings its network to a fresh device C, and a second file merges', async () => {
  const a = await device();
  const netA = await a.home.createExample();
  const [x, y, z] = (await centreNames(netA)).slice(0, 3);
  const card = await netA.editCentre(x);
  await netA.setField(card, 'centre-name', `${x} (desde A)`);
  await netA.waitSaved();
  // A problem tree travels in the file too.
  const networkUrl = a.page.url();
  const treeA = new TreePage(a.page);
  await treeA.open();
  await treeA.create('Baja asistencia en invierno');
  await treeA.addCard('causas', 'Salas frías');
  await treeA.addCard('efectos', 'Menos juego al aire libre');
  const projectorUrl = `${a.page.url()}/proyector`;
  await a.page.goto(networkUrl);
  await netA.waitReady();
  const file = await netA.downloadBundle();
  assert.match(file.name, /^red-avanzando-juntas-\d{4}-\d{2}-\d{2}\.juntas$/);
  assert.ok(file.bytes.subarray(0, 8).equals(Buffer.from('JUNTAS-B')), 'a Juntas bundle');

  // C is a phone that has never seen the network: import from the start page.
  const c = await device(PHONE);
  const workerSaid = [];
  c.page.on('console', (m) => { if (m.text().includes('document worker')) workerSaid.push(m.text()); });
  const { net: netC, error } = await c.home.importBundle(file.bytes, file.name);
  assert.equal(error, undefined);
  assert.equal(await netC.name(), 'Avanzando Juntas');
  await netC.centre(`${x} (desde A)`).waitFor();
  assert.equal(await netC.centreCards().count(), 15);
  // It is now one of C's networks.
  await c.home.goto();
  assert.deepEqual(await c.home.networkLinks().allTextContents(), ['Avanzando Juntas']);

  // Both edit; C's file imported on A merges C's edit with A's later one, losing neither.
  await c.page.goBack();
  await netC.waitReady();
  const cardC = await netC.editCentre(y);
  await netC.setField(cardC, 'centre-name', `${y} (desde C)`);
  await netC.waitSaved();
  const cardA = await netA.editCentre(z);
  await netA.setField(cardA, 'centre-name', `${z} (desde A, después)`);
  await netA.waitSaved();
  const back = await netC.downloadBundle();
  const result = await netA.importBundle(back.bytes, back.name);
  assert.ok(result.ok, result.text);
  await netA.centre(`${y} (desde C)`).waitFor();
  await netA.centre(`${z} (desde A, después)`).waitFor();
  await netA.centre(`${x} (desde A)`).waitFor();
  assert.equal(await netA.centreCards().count(), 15);
  // The same file again brings nothing new.
  assert.match((await netA.importBundle(back.bytes, back.name)).text, /no traía nada nuevo/);

  // The tree's first open on C, offline: no reading of it is kept there yet, so the tab's
  // document worker (its script and the wasm from the service worker's cache) parses it, off
  // the page's thread, and the projector draws every card from that.
  await c.page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await c.context.setOffline(true);
  await c.page.goto(projectorUrl);
  await c.page.waitForFunction(() => document.querySelectorAll('[data-testid="svg-card"]').length === 3, null, { timeout: 20000 });
  // (An SVG card's lines are separate text spans: compared without spaces.)
  const drawn = (await c.page.getByTestId('svg-card').allTextContents()).map((d) => d.replace(/\s/g, ''));
  for (const text of ['Baja asistencia en invierno', 'Salas frías', 'Menos juego al aire libre']) {
    assert.ok(drawn.includes(text.replace(/\s/g, '')), `${text} drawn: ${drawn.join(' | ')}`);
  }
  assert.ok(c.page.workers().some((w) => w.url().endsWith('/doc-worker.js')), 'the document worker read it');
  assert.deepEqual(workerSaid, [], 'the worker failed no job');
  await c.context.setOffline(false);

  // With nothing to do it stops after 30 s (its memory goes back to the phone), and the next
  // missing reading starts it again.
  const worker = c.page.workers().find((w) => w.url().endsWith('/doc-worker.js'));
  await worker.waitForEvent('close', { timeout: 45000 });
  const treeId = projectorUrl.split('/arbol/')[1].split('/')[0];
  await forgetReading(c.page, treeId, 'tree-v1');
  // In the same page (a reload would start a new one anyway): the list of trees reads it.
  await c.page.evaluate((url) => {
    const a = document.createElement('a');
    a.href = url;
    a.textContent = 'trees';
    document.body.append(a);
    a.click();
  }, projectorUrl.split('/arbol/')[0] + '/arbol');
  await c.page.getByTestId('tree-open').filter({ hasText: 'Baja asistencia en invierno' }).waitFor();
  assert.ok(c.page.workers().some((w) => w.url().endsWith('/doc-worker.js')), 'a new document worker read it');
  assert.deepEqual(workerSaid, [], 'the new worker failed no job');
  assert.deepEqual(a.page.__errors ?? [], []);
  assert.deepEqual(c.page.__errors ?? [], []);
  await a.context.close();
  await c.context.close();
});

test('a damaged, cut-off, foreign or unrelated file is refused and changes nothing', async () => {
  const a = await device();
  const netA = await a.home.createExample();
  const file = await netA.downloadBundle();

  const c = await device(PHONE);
  const netC = await c.home.createNetwork('Red de C', 'SLEP de prueba');
  await netC.addCentre('Jardín de C', 'Coquimbo');
  await netC.waitSaved();
  const before = await centreNames(netC);

  const damaged = Buffer.from(file.bytes);
  damaged[damaged.length - 100] ^= 0xff;
  const cases = [
    [damaged, /No se importó el archivo y no se cambió nada: está dañado/],
    [file.bytes.subarray(0, file.bytes.length - 10), /está incompleto/],
    [file.bytes, /es de otra red/],
    [Buffer.from('%PDF-1.7 acta de la reunión'), /no es un archivo de Juntas/],
  ];
  for (const [bytes, message] of cases) {
    const result = await netC.importBundle(bytes);
    assert.equal(result.ok, false);
    assert.match(result.text, message);
  }
  assert.deepEqual(await centreNames(netC), before, 'C unchanged');
  await c.page.reload();
  await netC.waitReady();
  assert.deepEqual(await centreNames(netC), before, 'C unchanged after a reload');

  // From the start page a damaged file adds no network.
  await c.home.goto();
  const { error } = await c.home.importBundle(damaged);
  assert.match(error, /dañado/);
  assert.deepEqual(await c.home.networkLinks().allTextContents(), ['Red de C']);
  await a.context.close();
  await c.context.close();
});

test('"Compartir…" that the phone refuses downloads the file and says so; a cancelled share does neither', async () => {
  const context = await newContext(browser, PHONE);
  // The share sheet as a phone's browser answers: refused (the tap's permission ran out while
  // the file was made: NotAllowedError) unless the test says she will cancel it.
  await context.addInitScript(() => {
    navigator.canShare = () => true;
    navigator.share = () => Promise.reject(new DOMException('no', window.__shareAnswer || 'NotAllowedError'));
  });
  const page = await context.newPage();
  const net = await (await new HomePage(page).goto()).createExample();

  const refused = await net.shareBundle();
  assert.match(refused.file ?? '', /^red-avanzando-juntas-\d{4}-\d{2}-\d{2}\.juntas$/, 'the file is downloaded instead');
  assert.match(refused.message, /No se pudo abrir el menú para compartir; el archivo se descargó/);

  await page.evaluate(() => { window.__shareAnswer = 'AbortError'; });
  const cancelled = await net.shareBundle(2000);
  assert.equal(cancelled.file, null, 'a cancelled share downloads nothing');
  assert.equal(cancelled.message, '', 'and says nothing');
  await context.close();
});
