// The one document pipeline, from outside: nothing this device cannot read vanishes (an
// unreadable record, an unreadable centre plan), one file that changes several documents
// refreshes every page showing them, and two phones typing in one tree card offline keep both
// texts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, corruptDocument, PHONE, LAPTOP } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';
import { PlanPage } from '../pages/plan.mjs';
import { InquiryPage } from '../pages/inquiry.mjs';
import { TreePage } from '../pages/tree.mjs';

const KEY = process.env.JUNTAS_ACCESS_KEY;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The ids of every document this browser stores. */
function storedIds(page) {
  return page.evaluate(async () => {
    const db = await new Promise((ok, err) => { const r = indexedDB.open('automerge'); r.onsuccess = () => ok(r.result); r.onerror = () => err(r.error); });
    const keys = await new Promise((ok) => { const r = db.transaction('documents').objectStore('documents').getAllKeys(); r.onsuccess = () => ok(r.result); });
    db.close();
    return [...new Set(keys.map((k) => k[0]))];
  });
}

test('a record whose stored bytes are corrupt is named in the list and in Resultados, and the NEE total says it is partial', async () => {
  const context = await newContext(browser, PHONE);
  const page = await context.newPage();
  const net = await new HomePage(page).goto().then((h) => h.createExample());
  const plan = new PlanPage(page);
  const inq = new InquiryPage(page);
  await plan.iAm('Ignacio Vargas');
  await inq.open();
  await inq.createFromAnnex6();

  // Two principals start a record each; one of them will be damaged on this device.
  await plan.iAm('María González');
  await inq.newRecord();
  await inq.type('f-nee_count', '4');
  await net.waitSaved();
  const damagedId = page.url().split('/ficha/')[1];
  await page.getByRole('link', { name: /Volver|Back/ }).first().click();
  await page.getByTestId('inquiry-card').waitFor();
  await plan.iAm('Carolina Muñoz');
  await inq.newRecord();
  await inq.type('f-nee_count', '2');
  await net.waitSaved();

  await corruptDocument(page, damagedId);
  await page.goto(`/red/${net.id()}`);
  await net.waitReady();
  await inq.open();
  const line = page.getByTestId('record-unreadable');
  await line.waitFor();
  assert.match(await line.textContent(), /No se pudo leer: Jardín Infantil Los Copihues — .*dañado/);

  await page.getByTestId('results-open').click();
  await page.getByTestId('results').waitFor();
  await page.getByTestId('results-unreadable-record').waitFor();
  assert.match(await page.getByTestId('results-unreadable-record').textContent(), /Jardín Infantil Los Copihues/);
  assert.match(await page.getByTestId('nee-partial').textContent(), /Total parcial: 1 pauta no se pudo leer \(Jardín Infantil Los Copihues\)/);
  assert.equal(await page.getByTestId('nee-total').getAttribute('data-partial'), 'true');
  // Its centre is unreadable, not "missing".
  const missing = await page.getByTestId('not-delivered').textContent();
  assert.ok(!missing.includes('Los Copihues'), `not listed as missing: ${missing}`);
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('an unreadable centre plan says so in the SLEP table, not "sin empezar"', async () => {
  const context = await newContext(browser, LAPTOP);
  const page = await context.newPage();
  const net = await new HomePage(page).goto().then((h) => h.createExample());
  const plan = new PlanPage(page);
  await plan.iAm('Ignacio Vargas');
  await plan.open();
  await plan.create();
  await plan.iAm('María González');
  const before = await storedIds(page);
  await plan.openMyCentrePlan();
  await net.waitSaved();
  const made = (await storedIds(page)).filter((id) => !before.includes(id));
  assert.equal(made.length, 1, `opening "Plan de mi jardín" made her centre's plan: ${made}`);

  await corruptDocument(page, made[0]);
  await page.goto(`/red/${net.id()}`);
  await net.waitReady();
  await plan.iAm('Rodrigo Pérez');
  await plan.open();
  await plan.openReviewTable();
  const state = plan.row('Jardín Infantil Los Copihues').getByTestId('row-state');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="row-state"]')].some((s) => /No se pudo leer/.test(s.textContent)));
  assert.match(await state.textContent(), /No se pudo leer: .*dañado/);
  assert.match(await plan.row('Jardín Infantil Semillita').getByTestId('row-state').textContent(), /sin empezar/);
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('one imported file that changes the network and the plan refreshes both on the open page', async () => {
  const a = await newContext(browser, LAPTOP);
  const aPage = await a.newPage();
  const netA = await new HomePage(aPage).goto().then((h) => h.createExample());
  const planA = new PlanPage(aPage);
  await planA.iAm('Ignacio Vargas');
  await planA.open();
  await planA.create();
  const first = await netA.downloadBundle();

  const c = await newContext(browser, PHONE);
  const cPage = await c.newPage();
  const { net: netC } = await new HomePage(cPage).goto().then((h) => h.importBundle(first.bytes, first.name));
  const planC = new PlanPage(cPage);
  await planC.open();
  await planC.openSection('2');

  // A adds a member and writes in section 2; one file carries both.
  await aPage.goto(`/red/${netA.id()}`);
  await netA.waitReady();
  await netA.openMembers();
  await netA.addMember('Nueva Integrante', 'directora');
  await planA.open();
  await planA.writeSection('2', 'Texto escrito en A.');
  await netA.waitSaved();
  const second = await netA.downloadBundle();

  // C imports it while the section page is open: the section's text (the plan document) and
  // "¿Quién eres?" in the header (the network document) both show what arrived, no reload.
  const result = await netC.importBundle(second.bytes, second.name);
  assert.ok(result.ok, result.text);
  await planC.waitBodyContains('Texto escrito en A.');
  await cPage.waitForFunction(() => [...document.querySelectorAll('[data-testid="whoami"] option')].some((o) => o.textContent === 'Nueva Integrante'));
  assert.equal(await cPage.getByTestId('section-page').count(), 1, 'still on the section page');
  assert.deepEqual(cPage.__errors ?? [], []);
  await a.close();
  await c.close();
});

test('two phones typing in the same tree card offline keep both texts after sync', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const fContext = await newContext(browser, LAPTOP);
  const fPage = await fContext.newPage();
  const net = await new HomePage(fPage).foundExample('Ignacio Vargas');
  const f = new TreePage(fPage);
  await f.open();
  await f.create('Baja colaboración entre los jardines');
  await f.addCard('causas', 'Falta de tiempo');
  await net.waitSync('synced');
  const treeUrl = fPage.url();
  const phones = [];
  for (const who of ['María González', 'Alejandra Contreras']) {
    const link = await net.inviteLink(who);
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await page.goto(link);
    await new NetworkPage(page).waitReady();
    await page.goto(treeUrl);
    const tree = new TreePage(page);
    await tree.waitCards(['Falta de tiempo']);
    phones.push({ context, page, tree });
  }
  for (const p of phones) {
    await p.context.setOffline(true);
    await new NetworkPage(p.page).waitSync('offline');
  }
  // One adds at the start, the other at the end, each key by key.
  const [a, b] = phones;
  const boxA = a.page.getByTestId('card-text').first();
  await boxA.click();
  await a.page.keyboard.press('Home');
  await a.page.keyboard.type('Mucha ', { delay: 5 });
  const boxB = b.page.getByTestId('card-text').first();
  await boxB.click();
  await b.page.keyboard.press('End');
  await b.page.keyboard.type(' para reunirse', { delay: 5 });
  await boxA.blur();
  await boxB.blur();
  for (const p of phones) await p.context.setOffline(false);
  const merged = 'Mucha Falta de tiempo para reunirse';
  for (const p of [...phones, { page: fPage, tree: f }]) await p.tree.waitCards([merged], 30000);
  for (const p of phones) assert.deepEqual(p.page.__errors ?? [], []);
  for (const p of phones) await p.context.close();
  await fContext.close();
});
