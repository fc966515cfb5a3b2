// The inquiry on a phone: a record filled offline survives a reload and closing the browser,
// "Finalizar" says what is missing and takes her there, it becomes "en el servidor" only once the
// server has it, and the facilitator sees it in Resultados and in a CSV Excel can read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, launchProfile, newProfileDir, watchErrors, axeViolations, LAPTOP, PHONE } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';
import { PlanPage } from '../pages/plan.mjs';
import { InquiryPage, parseCsv } from '../pages/inquiry.mjs';

const KEY = process.env.JUNTAS_ACCESS_KEY;
const ANSWER = 'Que cada niño, niña y familia participe; "inclusión" es\nadaptar la sala, no al niño.';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function phone(dir) {
  const context = await launchProfile(dir, PHONE);
  const page = context.pages()[0] ?? await context.newPage();
  watchErrors(page);
  return { context, page, inq: new InquiryPage(page), net: new NetworkPage(page) };
}

/** The facilitator's laptop, with the network founded and the inquiry defined (annex 6
 * pre-filled), synced. */
async function facilitatorWithInquiry() {
  const fContext = await newContext(browser, LAPTOP);
  const fPage = await fContext.newPage();
  const fNet = await new HomePage(fPage).foundExample('Ignacio Vargas');
  const f = new InquiryPage(fPage);
  await f.open();
  await f.createFromAnnex6();
  await fNet.waitSync('synced');
  return { fContext, fPage, fNet, f };
}

test('inquiry: offline on a phone, finalise with a missing field, sent after ack, results and CSV', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const { fContext, fPage, fNet, f } = await facilitatorWithInquiry();
  // The facilitator is not offered a record of her own, and is told why.
  assert.equal(await fPage.getByTestId('record-new').count(), 0);
  assert.match(await fPage.getByTestId('record-new-why').textContent(), /Cada directora llena la pauta de su centro/);
  const link = await fNet.inviteLink('María González');

  // María opens the invite on her phone while she has signal, then loses it.
  const dir = newProfileDir();
  let m = await phone(dir);
  await m.page.goto(link);
  await m.net.waitReady();
  await new PlanPage(m.page).iAm('María González');
  await m.inq.open();
  await m.page.getByTestId('inquiry-card').getByTestId('inquiry-title').waitFor();
  await m.page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await m.page.waitForFunction(async () => (await caches.keys()).some((k) => k.startsWith('juntas-')));
  await m.context.setOffline(true);
  await m.inq.newRecord();
  assert.equal(await m.inq.value('f-principal_name'), 'María González', 'pre-filled with her name');
  assert.equal((await m.page.getByTestId('record-centre').textContent()).trim(), 'Jardín Infantil Los Copihues');
  assert.match(await m.page.getByTestId('f-date').inputValue(), /^\d{4}-\d{2}-\d{2}$/);
  assert.match(await m.page.getByTestId('privacy-note').textContent(), /no guarda nombres/);
  await m.inq.type('f-place', 'Sala de actividades, después de la jornada');
  await m.inq.type('f-guidance', 'Bases Curriculares de la Educación Parvularia');
  await m.inq.type('f-nee_count', '4');
  await m.inq.type('f-situation', 'Tenemos dos salas con niños con TEA y una con');
  const recordUrl = m.page.url();
  await m.net.waitSaved();

  // A reload mid-sentence, offline: nothing lost.
  await m.page.reload();
  await m.page.getByTestId('record-state').waitFor();
  assert.equal(await m.inq.value('f-situation'), 'Tenemos dos salas con niños con TEA y una con');
  // The browser closes and opens again, still without signal.
  await m.context.close();
  m = await phone(dir);
  await m.context.setOffline(true);
  await m.page.goto(recordUrl);
  await m.page.getByTestId('record-state').waitFor();
  assert.equal(await m.inq.value('f-place'), 'Sala de actividades, después de la jornada');
  await m.inq.type('f-situation', ' síndrome de Down.');
  assert.equal(await m.inq.value('f-situation'), 'Tenemos dos salas con niños con TEA y una con síndrome de Down.');

  // "Finalizar" with a field left empty and no participants: the list, and a link to the field.
  const missing = await m.inq.finalise();
  assert.ok(missing.some((t) => t.includes('¿Dónde?')), `missing: ${missing}`);
  assert.ok(missing.some((t) => t.includes('Se necesitan entre 2 y 3 participantes')), `missing: ${missing}`);
  await m.inq.missingItem('¿Dónde?').click();
  assert.equal(await m.page.evaluate(() => document.activeElement?.id), 'f-guidance_where', 'the link takes her to the field');
  await m.page.keyboard.type('Principios pedagógicos, página 30');
  await m.inq.addParticipant('Rosa Pérez', 'Educadora de párvulos', [ANSWER, 'TEA, TEL', 'Con apoyos visuales, rutinas, y paciencia.']);
  await m.inq.addParticipant('Juana Díaz', 'Apoderado/a', ['Poco, la verdad.', 'No sé', 'En casa, con cariño.']);
  await m.inq.type('f-observations', 'Costó coordinar horarios; las familias, muy dispuestas.');
  assert.deepEqual(await m.inq.finalise(), []);
  await m.inq.waitState('finalizada');
  await m.page.waitForTimeout(1500);
  assert.equal(await m.inq.state(), 'finalizada', 'not "en el servidor" while the server does not have it');
  // Said where she tapped (the state line is off-screen on her phone), and what happens next.
  const done = m.page.getByTestId('finalise-done');
  assert.match(await done.textContent(), /Finalizada y guardada en este teléfono\. Se envía al servidor apenas haya señal/);
  assert.ok(await done.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }), 'in view where she tapped');

  // Her history lists what she did (typing grouped per field).
  await m.page.getByTestId('record-history').locator('summary').click();
  // Read when opened (not on every keystroke).
  await m.page.getByTestId('record-history-entry').first().waitFor();
  const history = await m.page.getByTestId('record-history-entry').allTextContents();
  // Signed on her phone though it never had signal since the record began (✓): the record's
  // network is read from its inquiry there; before, it was known only from a sync, and what
  // she did offline went to the server unsigned.
  assert.ok(history.some((h) => /María González ✓ finalizó/.test(h)), `history: ${history}`);
  assert.ok(history.some((h) => /editó: Lugar de aplicación/.test(h)), `history: ${history}`);

  // Signal comes back: "en el servidor" once the server acknowledged.
  await m.context.setOffline(false);
  await m.inq.waitState('en el servidor', 30000);
  assert.match(await done.textContent(), /Finalizada y en el servidor/);
  assert.equal(await m.page.getByTestId('record-delete').count(), 0, 'a finalised pauta is not offered for deletion');

  // A pauta started by mistake: a double tap makes one, and she deletes it after a question.
  await m.page.getByTestId('nav-inquiry').click();
  await m.page.getByTestId('record-line').first().waitFor();
  await m.page.getByTestId('record-new').dblclick();
  await m.page.getByTestId('record-state').waitFor();
  await m.inq.type('f-place', 'Por error');
  await m.net.waitSaved();
  await m.page.getByTestId('record-delete').click();
  assert.match(await m.page.getByTestId('record-delete-question').textContent(), /¿Eliminar esta pauta\? Lo escrito en ella se pierde/);
  assert.equal(await m.page.evaluate(() => document.activeElement?.dataset.testid), 'record-delete-no', 'focus on the safe answer');
  await m.page.getByTestId('record-delete-no').click();
  assert.equal(await m.inq.value('f-place'), 'Por error', '"No" keeps it');
  await m.page.getByTestId('record-delete').click();
  await m.page.getByTestId('record-delete-yes').click();
  assert.match(await m.page.getByTestId('record-deleted').textContent(), /Pauta eliminada/);
  await m.page.getByTestId('nav-inquiry').click();
  await m.page.getByTestId('record-line').first().waitFor();
  assert.deepEqual((await m.page.getByTestId('record-line-state').allTextContents()).map((t) => t.trim()), ['en el servidor'],
    'her list keeps the finalised pauta only: one draft was made, and it is gone');

  // The facilitator sees it in Resultados and downloads the answers.
  await fPage.getByTestId('nav-inquiry').click();
  await f.openResults();
  await fPage.getByTestId('results-count').filter({ hasText: ': 1' }).waitFor({ timeout: 20000 });
  assert.equal(await fPage.getByTestId('nee-total').textContent(), '4');
  // The records and the questions go up a slice per frame after the totals.
  await fPage.locator('[data-testid="results"]:not([aria-busy])').waitFor();
  assert.equal(await fPage.getByTestId('results-question').count(), 3);
  assert.ok((await fPage.getByTestId('not-delivered').locator('li').count()) === 14, '14 centres have not delivered');
  // Her record side by side with the others, and her reflection as material for round 1.
  const card = fPage.getByTestId('results-record');
  assert.equal(await card.count(), 1);
  assert.match(await card.textContent(), /Jardín Infantil Los Copihues[\s\S]*síndrome de Down/);
  assert.match(await fPage.getByTestId('round-1').textContent(), /¿Cómo fue el proceso de indagación\?/);
  assert.match(await fPage.getByTestId('round-1-reflection').textContent(), /Los Copihues.*Costó coordinar horarios/);
  const { name, bytes } = await f.download('results-export');
  assert.equal(name, 'respuestas.csv');
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with BOM');
  // Fields separated by ";", as a spreadsheet in Spanish (Chile) expects: its decimal mark is
  // the comma, and a file separated by commas opened in one column.
  const rows = parseCsv(bytes.subarray(3).toString('utf8'), ';');
  assert.equal(rows[0][0], 'centro');
  const data = rows.slice(1).filter((r) => r.length > 1);
  assert.equal(data.length, 2 * 3, 'one row per participant and question');
  const rosa = data.find((r) => r[5] === 'Rosa Pérez' && r[7] === '¿Qué sabe de inclusión?');
  assert.equal(rosa[8], ANSWER, 'accents, commas, quotes and a line break survive');
  assert.equal(rosa[0], 'Jardín Infantil Los Copihues');
  assert.equal(rosa[11], 'Tenemos dos salas con niños con TEA y una con síndrome de Down.', 'the record\'s own answers travel along');
  assert.equal(rosa[12], 'Costó coordinar horarios; las familias, muy dispuestas.');

  // Another principal may not read María's record: her Resultados say the total leaves it
  // out... until the facilitator shares the results with the network.
  const resultsUrl = fPage.url();
  const cContext = await newContext(browser, PHONE);
  const cPage = await cContext.newPage();
  await cPage.goto(await fNet.inviteLink('Carolina Muñoz'));
  await new NetworkPage(cPage).waitReady();
  await cPage.goto(resultsUrl);
  await cPage.getByTestId('nee-partial').waitFor({ timeout: 20000 });
  assert.equal(await cPage.getByTestId('results-record').count(), 0, 'no record she may not read');
  assert.equal(await cPage.getByTestId('results-share').count(), 0, 'only the facilitator shares');
  await fPage.getByTestId('results-share').click();
  await fPage.getByTestId('results-share-done').waitFor();
  await cPage.getByTestId('results-shared').waitFor({ timeout: 20000 });
  assert.match(await cPage.getByTestId('results-shared').textContent(), /compartidos por la facilitación el \d{2}-\d{2}-\d{4}.*\(1 pauta\)/);
  await cPage.getByTestId('results-record').first().waitFor();
  assert.equal(await cPage.getByTestId('nee-total').textContent(), '4');
  assert.equal(await cPage.getByTestId('nee-partial').count(), 0, 'the total is whole now');
  assert.deepEqual(await axeViolations(cPage, ['moderate', 'serious', 'critical']), [], 'shared Resultados on a phone: no moderate or worse a11y issue');
  assert.deepEqual(cPage.__errors ?? [], []);
  await cContext.close();

  // "Exportar lista": anyone can check who is missing.
  await fPage.getByTestId('nav-inquiry').click();
  // The deleted draft reaches the facilitator as deleted: not in her list (nor as unreadable).
  let list;
  for (let tries = 0; tries < 20; tries++) {
    list = parseCsv((await f.download('records-export')).bytes.subarray(3).toString('utf8'), ';').filter((r) => r.length > 1);
    if (list.length === 2) break;
    await fPage.waitForTimeout(500);
  }
  assert.equal(list.length, 2, `one pauta listed: ${JSON.stringify(list)}`);
  assert.deepEqual(list[0], ['pauta', 'centro', 'directora', 'estado', 'último cambio', 'último acuse del servidor']);
  assert.equal(list[1][1], 'Jardín Infantil Los Copihues');
  assert.equal(list[1][2], 'María González');
  // In English, its header is English and its fields are separated by commas.
  await fPage.getByTestId('lang').selectOption('en');
  await fPage.getByTestId('records-export').filter({ hasText: 'Export list' }).waitFor();
  const english = parseCsv((await f.download('records-export')).bytes.subarray(3).toString('utf8'), ',').filter((r) => r.length > 1);
  assert.deepEqual(english[0], ['record', 'centre', 'principal', 'state', 'last change', 'last acknowledged by the server']);
  assert.equal(english[1][1], 'Jardín Infantil Los Copihues');

  assert.deepEqual(m.page.__errors ?? [], []);
  assert.deepEqual(fPage.__errors ?? [], []);
  await m.context.close();
  await fContext.close();
});

test('what she typed just before putting her phone away is signed then, not on a timer the closed page never runs', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const { fContext, fNet } = await facilitatorWithInquiry();
  const dir = newProfileDir();
  let m = await phone(dir);
  await m.page.goto(await fNet.inviteLink('María González'));
  await m.net.waitReady();
  await m.inq.open();
  await m.page.getByTestId('inquiry-card').getByTestId('inquiry-title').waitFor();
  // The record is signed as it is made; what she types within the next 10 s is signed with
  // the next batch.
  await m.inq.newRecord();
  await m.inq.type('f-place', 'Patio techado');
  await m.net.waitSaved();
  // She puts the phone away (the page is hidden), and the browser drops the page soon after,
  // before those 10 s are up.
  await m.page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    Object.defineProperty(document, 'hidden', { value: true, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  // Signed while hidden: the history shows it (a batched signature would wait for the
  // timer, 10 s after the record's).
  await m.page.getByTestId('record-history').locator('summary').click();
  await m.page.getByTestId('record-history-entry').filter({ hasText: /María González ✓ editó: Lugar de aplicación/ }).waitFor({ timeout: 5000 });
  await m.net.waitSaved();
  const recordUrl = m.page.url();
  assert.deepEqual(m.page.__errors ?? [], []);
  await m.context.close();
  m = await phone(dir);
  await m.page.goto(recordUrl);
  await m.page.getByTestId('record-state').waitFor();
  await m.page.getByTestId('record-history').locator('summary').click();
  await m.page.getByTestId('record-history-entry').first().waitFor();
  const history = await m.page.getByTestId('record-history-entry').allTextContents();
  assert.ok(history.some((h) => /María González ✓ editó: Lugar de aplicación/.test(h)), `signed: ${history}`);
  assert.deepEqual(m.page.__errors ?? [], []);
  await m.context.close();
  await fContext.close();
});
