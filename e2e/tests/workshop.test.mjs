// Also the network-name vote: proposals from phones, then a ranking with the options locked,
// one ballot cast offline and arriving before the closing, the same winner everywhere.
// A workshop's exit ticket: the facilitator makes it on her laptop and shows its QR; three
// principals answer on their phones, one of them with no signal, whose answer reaches the
// results when it reconnects; the results update live; after "Cerrar el ticket" a change made
// offline arrives late and is shown apart, not counted, the same on the facilitator's screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, axeViolations, LAPTOP, PHONE } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';
import { WorkshopPage } from '../pages/workshop.mjs';

const KEY = process.env.JUNTAS_ACCESS_KEY;
const ALL = ['moderate', 'serious', 'critical'];
const TITLE = 'Taller 2: árbol de problemas';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('exit ticket: three phones answer (one offline), results live, closing counts what arrived', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const fContext = await newContext(browser, LAPTOP);
  const fPage = await fContext.newPage();
  const fNet = await new HomePage(fPage).foundExample('Ignacio Vargas');
  const f = new WorkshopPage(fPage);
  await f.open();
  await f.create(TITLE, 'Liceo de Quilicura');
  assert.ok(await fPage.getByTestId('ticket-qr').locator('svg').count() === 1, 'the QR to show on the projector');
  await fNet.waitSync('synced');

  const phones = [];
  for (const name of ['María González', 'Carolina Muñoz', 'Patricia Rojas']) {
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await page.goto(await fNet.inviteLink(name));
    const net = await new NetworkPage(page).waitReady();
    const w = new WorkshopPage(page);
    await w.open();
    await w.openWorkshop(TITLE);
    phones.push({ context, page, net, w });
  }
  const [maria, carolina, patricia] = phones;
  assert.deepEqual(await axeViolations(maria.page, ALL), [], 'the ticket on a phone: no moderate or worse a11y issue');

  // Patricia's classroom has no signal.
  await patricia.context.setOffline(true);
  await maria.w.answer('Cómo ordenar causas y efectos', 'Cómo medir el avance', 5);
  await carolina.w.answer('Escuchar a las otras directoras', '', 4);
  await patricia.w.answer('El árbol de problemas', '¿Cuándo es el próximo taller?', 3);
  assert.match(await patricia.w.state(), /en este teléfono: llega a la facilitación apenas haya señal/);
  await maria.page.getByTestId('ticket-state').filter({ hasText: 'en el servidor' }).waitFor({ timeout: 20000 });
  // She adds to her doubt and stays in the box (no tap elsewhere): it is saved as she pauses,
  // reaches the facilitator, and is there when she opens the page again.
  await maria.page.getByTestId('ticket-q2').fill('Cómo medir el avance en cada jardín');
  await fPage.getByTestId('ticket-text').filter({ hasText: 'Cómo medir el avance en cada jardín' }).waitFor({ timeout: 20000 });
  await maria.page.reload();
  await maria.page.getByTestId('workshop-heading').waitFor();
  assert.equal(await maria.page.getByTestId('ticket-q2').inputValue(), 'Cómo medir el avance en cada jardín');

  // The facilitator's results, live: two first, then three once Patricia has signal.
  await f.waitCount(2);
  assert.deepEqual(await f.scale(), [0, 0, 0, 1, 1]);
  await patricia.context.setOffline(false);
  await f.waitCount(3, 30000);
  assert.deepEqual(await f.scale(), [0, 0, 1, 1, 1]);
  assert.equal(await fPage.getByTestId('ticket-mean').textContent(), 'Promedio: 4,0');
  const bars = await fPage.locator('[data-testid="ticket-scale"] .bar').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
  assert.ok(bars[0] === 0 && bars[4] > 0, `a bar as long as its count: ${bars}`);
  const texts = await f.texts();
  for (const t of ['Cómo ordenar causas y efectos', 'Escuchar a las otras directoras', 'El árbol de problemas', '¿Cuándo es el próximo taller?']) {
    assert.ok(texts.includes(t), `“${t}” in ${texts}`);
  }
  assert.equal(await fPage.getByTestId('ticket-who').count(), 0, 'anonymous: nobody named');

  // Carolina changes her score offline; the facilitator closes before she has signal.
  await carolina.net.waitSync('synced');
  await carolina.context.setOffline(true);
  await carolina.page.getByTestId('ticket-q3-1').check();
  await f.close();
  await carolina.context.setOffline(false);
  await fPage.getByTestId('ticket-late').waitFor({ timeout: 30000 });
  assert.match(await fPage.getByTestId('ticket-late').textContent(), /^1 persona respondió después del cierre: su respuesta se muestra aparte/);
  // Her late answer is shown apart, without her name (the ticket is anonymous).
  const late = fPage.getByTestId('ticket-late-answer');
  assert.equal(await late.count(), 1);
  assert.match(await late.textContent(), /: 1$/m);
  assert.doesNotMatch(await late.textContent(), /Carolina/);
  assert.deepEqual(await f.scale(), [0, 0, 1, 1, 1], 'her late change is not counted');
  // Of the 18 members, the ticket asks the 17 who are not the facilitator.
  assert.equal((await fPage.getByTestId('ticket-count').textContent()).trim(), 'Respondieron: 3 de 17');
  // Carolina is told, where she answered.
  await carolina.page.getByTestId('ticket-state').filter({ hasText: 'llegó después del cierre' }).waitFor({ timeout: 20000 });
  await carolina.page.getByTestId('ticket-closed').waitFor();
  assert.equal(await carolina.page.getByTestId('ticket-q3-2').isDisabled(), true, 'closed: no more answers');
  // Every phone shows the same results.
  for (const p of phones) {
    await p.w.waitCount(3);
    assert.deepEqual(await p.w.scale(), [0, 0, 1, 1, 1]);
  }
  assert.deepEqual(await axeViolations(fPage, ALL), [], 'the results: no moderate or worse a11y issue');
  // In English, the mean has a decimal point.
  await fPage.getByTestId('lang').selectOption('en');
  await fPage.getByTestId('ticket-mean').filter({ hasText: 'Mean: 4.0' }).waitFor();

  for (const p of [...phones.map((x) => x.page), fPage]) assert.deepEqual(p.__errors ?? [], []);
  for (const p of phones) await p.context.close();
  await fContext.close();
});

test('name vote: proposals, then a ranking; one phone offline; closed; the same winner everywhere', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const fContext = await newContext(browser, LAPTOP);
  const fPage = await fContext.newPage();
  const fNet = await new HomePage(fPage).foundExample('Ignacio Vargas');
  const f = new WorkshopPage(fPage);
  await f.open();
  await f.createVote('¿Cómo se llama nuestra red?');
  await fNet.waitSync('synced');
  const phones = [];
  for (const name of ['María González', 'Carolina Muñoz', 'Patricia Rojas']) {
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await page.goto(await fNet.inviteLink(name));
    const net = await new NetworkPage(page).waitReady();
    const w = new WorkshopPage(page);
    await w.open();
    await w.openVote('¿Cómo se llama nuestra red?');
    phones.push({ context, page, net, w });
  }
  const [maria, carolina, patricia] = phones;
  await maria.w.propose('Avanzando Juntas');
  await carolina.w.propose('Red de Jardines del Sur');
  await patricia.w.propose('Semillas que Crecen');
  await fPage.waitForFunction(() => document.querySelectorAll('[data-testid="vote-option"]').length === 3, null, { timeout: 20000 });
  assert.deepEqual(await axeViolations(maria.page, ALL), [], 'proposals on a phone: no moderate or worse a11y issue');
  // Carolina, without signal, proposes one more: it reaches the others after the vote opened.
  await carolina.context.setOffline(true);
  await carolina.w.propose('Caminos Compartidos');
  await fPage.getByTestId('vote-start').click();
  await carolina.context.setOffline(false);
  for (const p of phones) await p.w.waitPhase('Votación abierta', 30000);
  // It is not on the ballot, and every ballot says so while the vote is open.
  for (const p of phones) {
    await p.page.getByTestId('ballot-late-options').filter({ hasText: /^1 propuesta llegó después de abrir la votación/ }).waitFor({ timeout: 30000 });
    assert.equal(await p.page.getByTestId('rank-item').filter({ hasText: 'Caminos Compartidos' }).count(), 0);
  }
  assert.equal(await maria.page.getByTestId('vote-propose').count(), 0, 'options are locked once voting opens');

  await patricia.context.setOffline(true);
  await maria.w.rank(['Avanzando Juntas', 'Semillas que Crecen', 'Red de Jardines del Sur']);
  await maria.w.cast();
  await carolina.w.rank(['Red de Jardines del Sur', 'Avanzando Juntas', 'Semillas que Crecen']);
  await carolina.w.cast();
  // With the keyboard (or a screen reader), her focus follows the option she moves, and its
  // new place is said: up twice to the top, then down twice back to the bottom.
  const labels = async () => (await patricia.page.getByTestId('rank-item').locator('.rank-label').allTextContents()).map((t) => t.trim());
  const before = await labels();
  const focused = () => patricia.page.evaluate(() => {
    const b = document.activeElement;
    return `${b?.closest('[data-testid="rank-item"]')?.querySelector('.rank-label')?.textContent.trim()} ${b?.dataset.testid}`;
  });
  const moved = before[2];
  await patricia.page.getByTestId('rank-item').nth(2).getByTestId('rank-up').focus();
  for (const [place, arrow] of [[2, 'rank-up'], [1, 'rank-down'], [2, 'rank-down'], [3, 'rank-up']]) {
    await patricia.page.keyboard.press('Enter');
    await patricia.page.getByTestId('rank-moved').filter({ hasText: `${moved}: puesto ${place} de 3` }).waitFor();
    assert.equal(await focused(), `${moved} ${arrow}`, `after the move to place ${place}`);
  }
  assert.deepEqual(await labels(), before);
  await patricia.w.rank(['Avanzando Juntas', 'Red de Jardines del Sur', 'Semillas que Crecen']);
  await patricia.w.cast();
  assert.match(await patricia.page.getByTestId('vote-cast-state').textContent(), /en este teléfono/);
  assert.deepEqual(await axeViolations(patricia.page, ALL), [], 'a ranking ballot on a phone: no moderate or worse a11y issue');
  await fPage.getByTestId('vote-received').filter({ hasText: ': 2' }).waitFor({ timeout: 20000 });
  assert.equal(await fPage.getByTestId('vote-row').count(), 0, 'no results before the closing');
  await patricia.context.setOffline(false);
  await fPage.getByTestId('vote-received').filter({ hasText: ': 3' }).waitFor({ timeout: 30000 });
  await fPage.getByTestId('vote-close').click();
  // Borda: Avanzando Juntas 2 + 1 + 2 = 5, Red de Jardines del Sur 0 + 2 + 1 = 3, Semillas 1 + 0 + 0 = 1.
  for (const page of [fPage, ...phones.map((p) => p.page)]) {
    const w = new WorkshopPage(page);
    assert.equal(await w.winner(), 'Ganó: Avanzando Juntas');
    assert.deepEqual((await page.getByTestId('vote-row').allTextContents()).map((t) => t.trim()),
      ['Avanzando Juntas: 5 puntos', 'Red de Jardines del Sur: 3 puntos', 'Semillas que Crecen: 1 punto']);
    assert.equal(await page.getByTestId('vote-voters').count(), 0, 'anonymous: nobody named');
  }
  assert.deepEqual(await axeViolations(fPage, ALL), [], 'the result: no moderate or worse a11y issue');

  // A vote of up to three options says so on the ballot, and once three are ticked the others
  // wait (before, a fourth was taken and the ballot refused only when cast).
  await f.open();
  await f.createVote('¿Qué temas trabajamos este semestre?', 'varias');
  for (const label of ['Lectura', 'Juego', 'Familias', 'Convivencia']) await f.propose(label);
  await fPage.getByTestId('vote-start').click();
  await f.waitPhase('Votación abierta');
  assert.equal((await fPage.getByTestId('ballot-hint').textContent()).trim(), 'Elige hasta 3 opciones.');
  const box = (label) => fPage.getByTestId('ballot-option').filter({ hasText: label }).locator('input');
  for (const label of ['Lectura', 'Juego', 'Familias']) await box(label).check();
  // A fourth waits: still reachable by keyboard, it says so, and ticking it takes nothing.
  assert.equal(await box('Convivencia').getAttribute('aria-disabled'), 'true', 'a fourth waits');
  await box('Convivencia').focus();
  await fPage.keyboard.press('Space');
  assert.equal(await box('Convivencia').isChecked(), false, 'not taken');
  assert.equal((await fPage.getByTestId('ballot-full').textContent()).trim(), 'Ya elegiste 3: quita una para elegir otra.');
  assert.deepEqual(await axeViolations(fPage, ALL), [], 'a full ballot: no moderate or worse a11y issue');
  await box('Familias').uncheck();
  assert.equal(await box('Convivencia').getAttribute('aria-disabled'), null, 'one unticked: the fourth may be chosen');
  assert.equal((await fPage.getByTestId('ballot-full').textContent()).trim(), '', 'nothing to say');
  await box('Convivencia').check();
  await f.cast();
  await fPage.getByTestId('vote-received').filter({ hasText: ': 1' }).waitFor({ timeout: 20000 });
  await fPage.getByTestId('vote-close').click();
  assert.equal(await f.winner(), 'Empate entre Convivencia, Juego, Lectura');
  assert.deepEqual((await fPage.getByTestId('vote-row').allTextContents()).map((t) => t.trim()).slice(0, 1), ['Convivencia: 1 voto']);
  for (const p of [...phones.map((x) => x.page), fPage]) assert.deepEqual(p.__errors ?? [], []);
  for (const p of phones) await p.context.close();
  await fContext.close();
});

test('PDSA cycles: the timeline in order, the worksheet co-written by a laptop and a phone offline, stages with their days', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const fContext = await newContext(browser, LAPTOP);
  const fPage = await fContext.newPage();
  const fNet = await new HomePage(fPage).foundExample('Ignacio Vargas');
  const f = new WorkshopPage(fPage);
  await f.open();
  await f.create(TITLE, 'Liceo de Quilicura');
  await f.open();
  await f.createCycle(1, 'Plan de funcionamiento por comisiones', {
    que: 'Un plan escrito por comisiones', para_quien: 'Los 15 jardines', cuanto: '15 planes entregados', para_cuando: 'Marzo de 2027',
  }, [TITLE]);
  // The workshop it uses, by its name.
  await fPage.getByTestId('cycle-linked').filter({ hasText: TITLE }).waitFor();
  await f.open();
  await f.createCycle(0, 'Diagnóstico');
  await fNet.waitSync('synced');
  await f.open();
  await fPage.waitForFunction(() => document.querySelectorAll('[data-testid="cycle-line"]').length === 2);
  // The timeline reads in the cycles' order, whichever was made first.
  const order = await fPage.getByTestId('cycle-line').evaluateAll((els) => els
    .map((el) => ({ text: el.textContent, top: el.getBoundingClientRect().top }))
    .sort((a, b) => a.top - b.top).map((x) => x.text));
  assert.match(order[0], /^Ciclo 0 · Diagnóstico/);
  assert.match(order[1], /^Ciclo 1 · Plan de funcionamiento por comisiones.*Planificar \d{2}-\d{2}-\d{4}/);

  const context = await newContext(browser, PHONE);
  const page = await context.newPage();
  await page.goto(await fNet.inviteLink('María González'));
  await new NetworkPage(page).waitReady();
  const m = new WorkshopPage(page);
  await m.open();
  await m.openCycle('Plan de funcionamiento por comisiones');
  await f.openCycle('Plan de funcionamiento por comisiones');
  assert.equal(await page.locator('[id="cycle-aim-cuanto"]').inputValue(), '15 planes entregados');
  assert.equal(await page.locator('[id="cycle-aim-cuanto"]').getAttribute('readonly') !== null || await page.locator('[id="cycle-aim-cuanto"]').isDisabled(), true, 'the aim is the facilitator\'s');
  assert.deepEqual(await axeViolations(page, ALL), [], 'a cycle on a phone: no moderate or worse a11y issue');
  // María types in the worksheet; on the facilitator's laptop the link to the workshop is left
  // alone (it was drawn again at every keystroke that arrived, its name blinking out while its
  // document was read again).
  const linked = fPage.getByTestId('cycle-linked').filter({ hasText: TITLE });
  await linked.waitFor();
  await fPage.evaluate(() => {
    window.__linkChanges = 0;
    const list = document.querySelector('[data-testid="cycle-linked"]').closest('ul');
    new MutationObserver((m) => { window.__linkChanges += m.length; }).observe(list, { subtree: true, childList: true, characterData: true });
  });
  await m.typeSheet('tareas', 'Repartir las secciones. ');
  await fPage.waitForFunction(() => document.querySelector('[id="sheet-tareas"]')?.value.includes('Repartir las secciones.'), null, { timeout: 20000 });
  await fPage.waitForTimeout(500);
  assert.equal(await fPage.evaluate(() => window.__linkChanges), 0, 'the link is not drawn again while she types');
  assert.equal(await linked.count(), 1);

  // María writes offline while the facilitator writes in the same field.
  await context.setOffline(true);
  await m.typeSheet('objetivo', 'Que cada comisión redacte su parte. ');
  await f.typeSheet('objetivo', 'Probar la revisión del SLEP. ');
  await context.setOffline(false);
  for (const w of [m, f]) {
    await w.page.waitForFunction(() => {
      const v = document.querySelector('[id="sheet-objetivo"]')?.value ?? '';
      return v.includes('Que cada comisión redacte su parte.') && v.includes('Probar la revisión del SLEP.');
    }, null, { timeout: 30000 });
  }
  // She moves the cycle on to "Hacer": everyone sees the stage and its day.
  await page.getByTestId('cycle-next').click();
  await page.getByTestId('cycle-stage').filter({ hasText: 'Hacer' }).waitFor();
  await fPage.getByTestId('cycle-stage').filter({ hasText: 'Hacer' }).waitFor({ timeout: 20000 });
  assert.match(await fPage.getByTestId('cycle-stages').textContent(), /Planificar \d{2}-\d{2}-\d{4} · Hacer \d{2}-\d{2}-\d{4}/);

  // A measure: the facilitator defines it; María enters twelve days from her phone; the run
  // chart names the shift under it, on her phone and on the facilitator's laptop.
  await f.addMeasure('Asistencia promedio', '%', '85');
  await page.getByTestId('measure').waitFor({ timeout: 20000 });
  const values = ['70', '72', '69', '71', '70', '73', '88', '90', '89', '91', '92', '90,5'];
  for (let d = 0; d < values.length; d++) await m.addPoint(`2026-09-${String(d + 1).padStart(2, '0')}`, values[d]);
  assert.equal(await page.getByTestId('chart-point').count(), 12);
  const signals = await m.signals();
  assert.ok(signals.includes('Desplazamiento: 6 puntos seguidos sobre la mediana (del 07-09-2026 al 12-09-2026).'), `signals: ${signals}`);
  assert.ok(signals.some((t) => t.startsWith('Muy pocas rachas: 2')), `signals: ${signals}`);
  assert.equal(await page.getByTestId('chart-goal').count(), 1, 'the goal line');
  // Its labels are drawn large enough to read on her 360 px phone (about 5 px tall before).
  const heights = await page.getByTestId('run-chart').locator('text').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().height)));
  assert.ok(heights.length >= 4 && Math.min(...heights) >= 10, `label heights on a phone: ${heights}`);
  // Turned sideways, her phone gets the wide chart; turned back, the narrow one again.
  const chartBox = () => page.getByTestId('run-chart').getAttribute('viewBox');
  assert.equal(await chartBox(), '0 0 320 220');
  await page.setViewportSize({ width: 740, height: 360 });
  await page.waitForFunction(() => document.querySelector('[data-testid="run-chart"]')?.getAttribute('viewBox') === '0 0 640 260');
  await page.setViewportSize({ width: PHONE.viewport.width, height: PHONE.viewport.height });
  await page.waitForFunction(() => document.querySelector('[data-testid="run-chart"]')?.getAttribute('viewBox') === '0 0 320 220');
  assert.deepEqual(await axeViolations(page, ALL), [], 'a measure and its run chart on a phone: no moderate or worse a11y issue');
  await fPage.getByTestId('chart-point').nth(11).waitFor({ timeout: 20000 });
  assert.ok((await f.signals()).includes('Desplazamiento: 6 puntos seguidos sobre la mediana (del 07-09-2026 al 12-09-2026).'));
  const csv = await f.download('measure-export-csv');
  assert.match(csv.bytes.toString('utf8'), /fecha;jardín;Asistencia promedio\r?\n2026-09-01;Jardín Infantil Los Copihues;70\r?\n/);
  assert.match(csv.bytes.toString('utf8'), /2026-09-12;Jardín Infantil Los Copihues;90,5\r?\n/);
  const png = await f.download('measure-export-png');
  assert.equal(png.name, 'grafico.png');
  assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG image');
  assert.ok(png.bytes.length > 3000, `a drawn chart (${png.bytes.length} bytes)`);
  assert.equal(await fPage.getByTestId('measure-export-error').textContent(), '');
  // A device that cannot draw the image (a canvas too large for it gives Chromium's empty
  // "data:,") says so, instead of nothing happening.
  await fPage.evaluate(() => { HTMLCanvasElement.prototype.toDataURL = () => 'data:,'; });
  await fPage.getByTestId('measure-export-png').click();
  await fPage.getByTestId('measure-export-error').filter({ hasText: 'No se pudo dibujar la imagen PNG' }).waitFor();
  // The cycle's history says what changed in her words: the worksheet's field, the stage, the
  // measure by its name (not the keys and ids the document uses).
  await fPage.getByTestId('cycle-history').getByTestId('history-open').click();
  const lines = fPage.getByTestId('cycle-history-entry');
  await lines.filter({ hasText: '· Asistencia promedio' }).first().waitFor({ timeout: 20000 });
  const said = (await lines.allTextContents()).join('\n');
  assert.match(said, /· Objetivo de este ciclo/);
  assert.match(said, /· Hacer/);
  assert.doesNotMatch(said, /· (objetivo|hacer|aim\/|title)\b/);
  // In English, the export's header and its decimals are English too.
  await fPage.getByTestId('lang').selectOption('en');
  await fPage.getByTestId('measure-export-csv').filter({ hasText: 'Export data (CSV)' }).waitFor();
  const csvEn = (await f.download('measure-export-csv')).bytes.toString('utf8');
  assert.match(csvEn, /date,centre,Asistencia promedio\r?\n2026-09-01,Jardín Infantil Los Copihues,70/);
  assert.match(csvEn, /2026-09-12,Jardín Infantil Los Copihues,90\.5/);
  // "New cycle" suggests the next number, and follows a cycle made in another tab while the
  // form is open: one more than the highest, not one more than the count (a network that
  // skipped numbers would be offered one it used).
  await f.open();
  const suggested = (n) => fPage.waitForFunction((v) => document.querySelector('[data-testid="cycle-number"]')?.value === v, n, { timeout: 20000 });
  await suggested('2');
  const tab = await fContext.newPage();
  await tab.goto(fPage.url());
  await new WorkshopPage(tab).createCycle(7, 'Seguimiento');
  await suggested('8');
  assert.deepEqual(tab.__errors ?? [], []);
  assert.deepEqual(page.__errors ?? [], []);
  assert.deepEqual(fPage.__errors ?? [], []);
  await context.close();
  await fContext.close();
});

test('on a phone that has not said who she is, a proposal and a 1–5 answer are kept, and taken once she says', async () => {
  const context = await newContext(browser, PHONE);
  const page = await context.newPage();
  await page.goto('/');
  const net = await new HomePage(page).createExample();
  await net.iAm('Ignacio Vargas');
  const w = new WorkshopPage(page);
  await w.open();
  await w.create('Taller 3: medición', 'Escuela Los Aromos');
  await w.open();
  await w.createVote('¿Qué medimos primero?', 'una');
  const refused = page.locator('.form-error[role="alert"]').filter({ hasText: 'Primero elige quién eres en este dispositivo.' });

  // The phone is handed on: nobody chosen. Her proposal is refused, and what she typed stays.
  await page.getByTestId('whoami').selectOption({ value: '' });
  await page.getByTestId('vote-propose-text').fill('Asistencia diaria');
  await page.getByTestId('vote-propose').click();
  await refused.waitFor();
  assert.equal(await page.getByTestId('vote-propose-text').inputValue(), 'Asistencia diaria', 'what she typed stays');
  assert.equal(await page.getByTestId('vote-option').count(), 0);
  await net.iAm('María González');
  await page.getByTestId('vote-propose').click();
  await page.getByTestId('vote-option').filter({ hasText: 'Asistencia diaria' }).waitFor();
  assert.equal(await page.getByTestId('vote-propose-text').inputValue(), '', 'emptied once taken');

  // Her exit ticket: the 4 she ticks before saying who she is is saved once she does.
  await page.getByTestId('whoami').selectOption({ value: '' });
  await w.open();
  await w.openWorkshop('Taller 3: medición');
  await page.getByTestId('ticket-q3-4').check();
  await refused.waitFor();
  assert.equal(await page.getByTestId('ticket-q3-4').isChecked(), true, 'still ticked');
  await net.iAm('María González');
  await page.getByTestId('ticket-state').waitFor();
  await net.iAm('Ignacio Vargas');
  await w.waitCount(1);
  assert.deepEqual(await w.scale(), [0, 0, 0, 1, 0], 'her 4, counted');
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});
