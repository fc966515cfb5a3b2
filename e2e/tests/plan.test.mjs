// The operating plan, whole: a facilitator starts it and assigns a section; two commission
// members co-write it (one offline); a principal adopts, writes her centre's part and
// delivers on her phone; the SLEP reviewer observes, sees what changed, and approves; the
// print view carries the centre and every section.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, PHONE, LAPTOP, axeViolations } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';
import { PlanPage } from '../pages/plan.mjs';

const KEY = process.env.JUNTAS_ACCESS_KEY;
const CENTRE = 'Jardín Infantil Los Copihues';
const HEADINGS = ['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '2', '3', '4', '5', '6', '7'];

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function person(url, device, who) {
  const context = await newContext(browser, device);
  const page = await context.newPage();
  await page.goto(url);
  const net = await new NetworkPage(page).waitReady();
  const plan = new PlanPage(page);
  await plan.iAm(who);
  return { context, page, net, plan };
}

/** The facilitator on her phone, on the example network's plan page. */
async function facilitatorOnPhone() {
  const context = await newContext(browser, PHONE);
  const page = await context.newPage();
  await page.goto(`/#clave=${KEY}`);
  const net = await new HomePage(page).createExample();
  const plan = new PlanPage(page);
  await plan.iAm('Ignacio Vargas');
  await plan.open();
  return { context, page, net, plan };
}

test('plan: co-write offline, adopt, deliver, observe, re-deliver, diff, approve, print', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  // The facilitator creates the network and the year's plan, and gives 1.2 to a commission.
  const cContext = await newContext(browser, LAPTOP);
  const cPage = await cContext.newPage();
  const cNet = await new HomePage(cPage).foundExample('Ignacio Vargas');
  const c = { page: cPage, net: cNet, plan: new PlanPage(cPage) };
  await c.plan.iAm('Ignacio Vargas');
  await c.plan.open();
  await c.plan.create();
  assert.equal(await c.plan.sections().count(), 12, 'the built-in template');
  await c.plan.assign('1.2', 'Protocolo sanitario');
  // The facilitator drafts the other common sections (the network agreed them in a workshop).
  for (const id of ['1.1', '1.3', '1.4', '1.5', '1.6', '2', '4', '5', '6', '7']) {
    await c.plan.writeSection(id, `Acuerdo de la red para la sección ${id}.`);
  }
  // Each person gets her own invite: it registers her device as her.
  const invite = (who) => c.net.inviteLink(who);

  // Two members of that commission: María on her phone, Alejandra on a laptop.
  const a = await person(await invite('María González'), PHONE, 'María González');
  const b = await person(await invite('Alejandra Contreras'), LAPTOP, 'Alejandra Contreras');
  for (const p of [a, b]) {
    await p.plan.open();
    await p.plan.section('1.2').waitFor();
    assert.equal(await p.plan.sections().count(), 1, '"Mis secciones" shows her commission\'s section');
    await p.plan.openSection('1.2');
  }
  // Someone outside the commission (the SLEP reviewer, on her laptop) reads but cannot type.
  const r = await person(await invite('Rodrigo Pérez'), LAPTOP, 'Rodrigo Pérez');
  await r.plan.open();
  await r.plan.openSection('1.2');
  await r.page.getByTestId('read-only-hint').waitFor();
  assert.match(
    await r.page.getByTestId('read-only-hint').textContent(),
    /Solo la comisión «Protocolo sanitario» \(y la facilitación\) edita esta sección/,
    'the read-only line says whose section it is',
  );

  // A principal whose commission has no sections yet sees the whole plan, not an empty page;
  // asking for hers says who assigns them. Delivering before the common parts are written
  // says, for each missing section, who writes it and that she waits for them.
  const f = await person(await invite('Carolina Muñoz'), PHONE, 'Carolina Muñoz');
  await f.plan.open();
  await f.plan.sections().nth(11).waitFor();
  assert.equal(await f.plan.sections().count(), 12, 'the whole plan');
  assert.equal(await f.page.getByTestId('only-mine').isChecked(), false, '"Mis secciones" is not ticked for her');
  await f.page.getByTestId('only-mine').check();
  assert.match(await f.page.getByTestId('no-sections-mine').textContent(), /la facilitación las asigna/);
  await f.plan.openMyCentrePlan();
  await f.plan.adopt();
  const blocked = await f.plan.deliver();
  assert.equal(blocked.ok, false);
  const row = (code) => blocked.rows.find((t) => t.startsWith(`${code} `)) ?? '';
  assert.match(row('1.2'), /la escribe la comisión «Protocolo sanitario»/, `who writes 1.2: ${blocked.rows}`);
  assert.match(row('3'), /la escribe tu jardín/, `who writes 3: ${blocked.rows}`);
  assert.match(blocked.wait ?? '', /Mientras, puedes escribir lo propio de tu jardín/);
  assert.deepEqual(f.page.__errors ?? [], []);
  await f.context.close();

  // María loses signal; both write in the same section at once.
  await a.context.setOffline(true);
  await a.net.waitSync('offline');
  await a.plan.typeAtEnd('Lavado de manos al llegar (María).');
  // What she typed in the section is counted as waiting to be sent (not only the network's).
  await a.page.waitForFunction(() => /Sin conexión · [1-9]\d* cambios? por enviar/.test(
    document.querySelector('[data-testid="sync-state"]').textContent));
  await b.plan.typeAtEnd('Uso de mascarilla en adultos (Alejandra).');
  await b.plan.waitBodyContains('(Alejandra).');
  // And each sets the section's status, differently.
  await a.plan.setStatus('Lista para revisión');
  await b.plan.setStatus('Acordada');
  await a.context.setOffline(false);
  for (const p of [a, b, r]) {
    await p.plan.waitBodyContains('Lavado de manos al llegar (María).', 20000);
    await p.plan.waitBodyContains('Uso de mascarilla en adultos (Alejandra).', 20000);
  }
  const texts = await Promise.all([a, b, r].map((p) => p.plan.body().inputValue()));
  assert.equal(texts[0], texts[1]);
  assert.equal(texts[1], texts[2]);
  assert.equal(await r.page.getByTestId('section-body').getAttribute('readonly'), '', 'read-only outside the commission');
  // The status did not change silently: everyone sees both values and the same one kept.
  for (const p of [a, b, r]) await p.plan.conflicts().first().waitFor({ timeout: 20000 });
  const kept = await b.plan.status();
  for (const p of [a, b, r]) {
    assert.equal(await p.plan.status(), kept, 'every device keeps the same status');
    const note = await p.plan.conflicts().first().textContent();
    assert.match(note, /Lista para revisión/);
    assert.match(note, /Acordada/);
  }
  assert.equal(await r.plan.conflicts().getByTestId('conflict-confirm').count(), 0, 'only the commission settles it');
  // Alejandra confirms what was kept; the note goes away everywhere.
  await b.plan.confirmConflict();
  for (const p of [a, r]) await p.plan.conflicts().first().waitFor({ state: 'detached', timeout: 20000 });
  assert.equal(await a.plan.status(), kept);
  // Alejandra has her caret in the middle of her sentence when María's words arrive ahead of
  // it: the caret stays after "Uso de" and what she types next lands there.
  await b.plan.placeCaretAfter('Uso de');
  const before = await b.plan.caret();
  await a.plan.typeAtStart('Ventilación cruzada. ');
  await b.plan.waitBodyContains('Ventilación cruzada. ', 20000);
  const moved = await b.plan.caret();
  assert.equal(moved.at, before.at + 'Ventilación cruzada. '.length, 'the caret moved with the text ahead of it');
  assert.ok(moved.before.endsWith('Uso de'), `the caret is still after "Uso de": ${moved.before}`);
  await b.page.keyboard.type(' la', { delay: 5 });
  for (const p of [a, b]) await p.plan.waitBodyContains('Uso de la mascarilla', 20000);
  assert.ok((await a.plan.body().inputValue()).startsWith('Ventilación cruzada. '));

  // The section's history says who wrote and who set the status.
  const lines = await b.plan.history();
  for (const who of ['María González', 'Alejandra Contreras']) {
    assert.ok(lines.some((l) => l.includes(who)), `${who} in the history: ${lines.join(' | ')}`);
  }
  assert.ok(lines.some((l) => /estado/i.test(l)), `a status change in the history: ${lines.join(' | ')}`);
  await b.plan.setStatus('Acordada');
  // A double tap on "Enviar" posts one comment, not two.
  await b.page.getByTestId('comment-input').fill('Lo vemos el lunes.');
  await b.page.getByTestId('comment-add').dblclick();
  await b.plan.waitComment('Lo vemos el lunes.');
  await b.page.waitForTimeout(500);
  assert.equal(await b.page.getByTestId('comment').filter({ hasText: 'Lo vemos el lunes.' }).count(), 1, 'a double tap posts once');

  // María adopts the common part and delivers her centre's plan from the phone.
  await a.plan.open();
  await a.plan.openMyCentrePlan();
  assert.equal((await a.page.getByTestId('centre-name').textContent()).trim(), CENTRE);
  await a.plan.adopt();
  assert.match(await a.plan.centreSection('1.2').getByTestId('common-text').textContent(), /\(María\)[\s\S]*\(Alejandra\)|\(Alejandra\)[\s\S]*\(María\)/);
  const refused = await a.plan.deliver();
  assert.equal(refused.ok, false);
  assert.ok(refused.missing.some((m) => m.startsWith('3 ')), `section 3 is listed as missing: ${refused.missing}`);
  await a.plan.writeLocal('3', 'Jornada de 8:30 a 16:30, salas de 20 niños.');
  // A section's comments on her centre's plan: the box says how many; what she starts writing
  // there is still there after she closes and opens it again.
  const comments = a.plan.centreComments('3');
  assert.match(await comments.locator('summary').textContent(), /\(0\)/);
  await comments.locator('summary').click();
  await comments.getByTestId('comment-input').fill('¿Contamos la sala cuna');
  await comments.locator('summary').click();
  await comments.locator('summary').click();
  assert.equal(await comments.getByTestId('comment-input').inputValue(), '¿Contamos la sala cuna');
  await comments.getByTestId('comment-input').fill('¿Contamos la sala cuna en el horario?');
  await comments.getByTestId('comment-add').click();
  await comments.getByTestId('comment').filter({ hasText: '¿Contamos la sala cuna en el horario?' }).waitFor();
  assert.match(await comments.locator('summary').textContent(), /\(1\)/);
  const delivered = await a.plan.deliver();
  assert.equal(delivered.ok, true, delivered.text);
  assert.match(delivered.text, /Entregado al SLEP\. Ahora lo revisa su equipo/, 'says who has it and what comes next');
  await a.plan.waitState('entregado');
  // Who has it: once the server has her plan, the state line says the SLEP can open it.
  await a.page.getByTestId('delivery-where').filter({ hasText: 'recibido en el servidor: el SLEP ya lo puede abrir' }).waitFor({ timeout: 20000 });
  assert.deepEqual(await axeViolations(a.page), [], 'the centre plan on a phone has no serious a11y issue');

  // Only the SLEP is offered "Observar" / "Aprobar": not the facilitator.
  await c.plan.open();
  await c.plan.openReviewTable();
  await c.plan.waitRowState(CENTRE, 'entregado', 20000);
  await c.plan.openRow(CENTRE);
  assert.equal(await c.page.getByTestId('review-approve').count(), 0, 'the facilitator cannot approve');
  // The SLEP reviewer sees it in the table and returns it with an observation on section 3.
  await r.plan.open();
  await r.plan.openReviewTable();
  await r.plan.waitRowState(CENTRE, 'entregado', 20000);
  await r.plan.openRow(CENTRE);
  // The reviewer reads her comment on the section.
  const seen = r.plan.centreComments('3');
  assert.match(await seen.locator('summary').textContent(), /\(1\)/);
  await seen.locator('summary').click();
  await seen.getByTestId('comment').filter({ hasText: '¿Contamos la sala cuna en el horario?' }).waitFor();
  await r.plan.observe('3', 'Indique el aforo del patio.', 'Falta el aforo del patio');
  await r.plan.waitState('con observaciones');
  assert.match(await r.plan.reviewDone(), /Devuelto con observaciones\. La directora las ve/, 'said where he tapped, after the panel went');

  // María sees the observation, corrects, and delivers again.
  await a.plan.waitState('con observaciones', 20000);
  await a.plan.centreSection('3').getByTestId('observation').filter({ hasText: 'Indique el aforo del patio.' }).waitFor();
  await a.plan.writeLocal('3', ' Patio: 15 niños a la vez.');
  // She delivers again in a classroom without signal: the state says the plan is still on
  // her phone, and that it reaches the SLEP once there is signal.
  await a.net.waitSync('synced');
  await a.context.setOffline(true);
  const again = await a.plan.deliver();
  assert.equal(again.ok, true, again.text);
  await a.plan.waitState('reentregado');
  await a.page.getByTestId('delivery-where').filter({ hasText: 'todavía en este teléfono: llega al SLEP apenas haya señal' }).waitFor({ timeout: 5000 });
  await a.context.setOffline(false);
  await a.page.getByTestId('delivery-where').filter({ hasText: 'recibido en el servidor' }).waitFor({ timeout: 30000 });

  // The reviewer sees exactly what changed since the previous delivery, and approves.
  await r.plan.waitState('reentregado', 20000);
  assert.equal(await r.page.getByTestId('review-done').count(), 0, 'the earlier "Devuelto…" line goes when it awaits review again');
  const diff = r.plan.centreSection('3').getByTestId('section-diff');
  await diff.waitFor();
  assert.match(await diff.locator('ins').allTextContents().then((t) => t.join(' ')), /Patio: 15 niños a la vez\./);
  assert.equal(await r.page.getByTestId('section-diff').count(), 1, 'only section 3 changed');
  await r.plan.approve('Aprobado, gracias.');
  await r.plan.waitState('aprobado');
  assert.match(await r.plan.reviewDone(), /^Aprobado\. La directora ve la aprobación/);
  // Reopened, the plan reads the same (the common plan now comes from its cached readings:
  // its reading and its texts at each version the centre adopted, not a parse).
  const shown = async () => ({
    common: await r.plan.centreSection('1.2').getByTestId('common-text').textContent(),
    local: await r.plan.centreSection('3').getByTestId('local-text-read').textContent(),
    diffs: await r.page.getByTestId('section-diff').count(),
  });
  const shownBefore = await shown();
  await r.page.reload();
  await r.plan.waitState('aprobado', 20000);
  await r.plan.centreSection('1.2').getByTestId('common-text').waitFor();
  assert.deepEqual(await shown(), shownBefore);
  await a.plan.waitState('aprobado', 20000);
  // The history names who really delivered and approved.
  const history = await a.plan.history();
  assert.ok(history.some((l) => l.includes('Rodrigo Pérez')), `the SLEP's approval in the history: ${history.join(' | ')}`);
  // ...and María's phone checked it: his device signed it (the check mark).
  assert.match(await a.plan.waitSignedLine(/Rodrigo Pérez.*aprobó/), /Rodrigo Pérez ✓ aprobó/);

  // Later the network changes a common section: María is told, sees what changed, adopts it.
  await c.plan.open();
  await c.plan.writeSection('4', ' Reunión mensual con apoderados.');
  const changes = await a.plan.commonChanges();
  assert.ok(changes.some((t) => t.includes('Reunión mensual con apoderados.')), `the change is shown: ${changes}`);
  await a.plan.adoptChanges();
  assert.match(await a.plan.centreSection('4').getByTestId('common-text').textContent(), /Reunión mensual con apoderados\./);

  // The print view: the centre, every section heading, nothing of the app around it.
  await a.plan.openPrint();
  const headings = await a.page.getByTestId('print-heading').allTextContents();
  assert.deepEqual(headings.map((h) => h.split('. ')[0]), HEADINGS);
  await a.page.emulateMedia({ media: 'print' });
  await a.page.setViewportSize({ width: 794, height: 1123 }); // A4 at 96 dpi
  assert.equal(await a.page.locator('.app-header').isVisible(), false, 'the app header is not printed');
  assert.equal(await a.page.getByTestId('print-view').getByText(CENTRE).first().isVisible(), true);
  for (const h of await a.page.getByTestId('print-heading').all()) assert.equal(await h.isVisible(), true);
  const png = await a.page.screenshot({ fullPage: true });
  assert.ok(png.length > 20000, `a real page was drawn (${png.length} bytes)`);

  for (const p of [a, b, c, r]) assert.deepEqual(p.page.__errors ?? [], []);
  await a.context.close();
  await b.context.close();
  await r.context.close();
  await cContext.close();
});

test('next year\'s plan is written apart from this year\'s, and the chosen year stays', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const { context, page, net, plan } = await facilitatorOnPhone();
  const year = new Date().getFullYear();
  assert.equal(await plan.title(), `Plan de funcionamiento ${year}`, 'this year by default');
  // In November the network starts next year's plan.
  await plan.pickYear(year + 1);
  await plan.create();
  await plan.writeSection('1.1', 'Acuerdo para el año que viene.');
  // This year's is another document: still not started.
  await plan.pickYear(year);
  await page.getByTestId('plan-missing').waitFor();
  // Back to next year; a reload keeps the choice and the text.
  await plan.pickYear(year + 1);
  await net.waitSaved();
  await page.reload();
  await plan.sections().first().waitFor();
  assert.equal(await plan.title(), `Plan de funcionamiento ${year + 1}`);
  await plan.openSection('1.1');
  assert.match(await plan.body().inputValue(), /Acuerdo para el año que viene\./);
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('two people typing in one section at once: every keystroke stays where it was typed', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const cContext = await newContext(browser, LAPTOP);
  const cPage = await cContext.newPage();
  const cNet = await new HomePage(cPage).foundExample('Ignacio Vargas');
  const c = new PlanPage(cPage);
  await c.iAm('Ignacio Vargas');
  await c.open();
  await c.create();
  await c.assign('1.2', 'Protocolo sanitario');
  const a = await person(await cNet.inviteLink('María González'), PHONE, 'María González');
  const b = await person(await cNet.inviteLink('Alejandra Contreras'), LAPTOP, 'Alejandra Contreras');
  for (const p of [a, b]) {
    await p.plan.open();
    await p.plan.openSection('1.2');
    await p.plan.body().waitFor();
  }
  // Each one's edits reach the other while she types: every one makes the other re-read the
  // plan, and a read that crossed her own keystroke must not take it back out of her box.
  const mine = 'Lavado de manos al llegar, antes de comer y después del patio (María). ';
  const hers = 'Ventilación de las salas cada dos horas durante la jornada (Alejandra). ';
  await Promise.all([
    a.plan.body().click().then(() => a.page.keyboard.press('Control+End')).then(() => a.page.keyboard.type(mine, { delay: 25 })),
    b.plan.body().click().then(() => b.page.keyboard.press('Control+Home')).then(() => b.page.keyboard.type(hers, { delay: 25 })),
  ]);
  for (const p of [a, b]) {
    await p.plan.body().blur();
    await p.plan.waitBodyContains(mine, 20000).catch(() => {});
    await p.plan.waitBodyContains(hers, 20000).catch(() => {});
  }
  const texts = await Promise.all([a, b].map((p) => p.plan.body().inputValue()));
  for (const t of texts) {
    assert.ok(t.includes(mine) && t.includes(hers), `both sentences whole, each letter in place: ${JSON.stringify(t)}`);
  }
  assert.equal(texts[0], texts[1], 'both see the same text');
  for (const p of [a, b]) assert.deepEqual(p.page.__errors ?? [], []);
  for (const ctx of [a.context, b.context, cContext]) await ctx.close();
});

test('what she types as she taps away from a section is kept, and the app keeps working', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const { context, page, net, plan } = await facilitatorOnPhone();
  await plan.create();
  await plan.openSection('1.1');
  // A keystroke, then two more and the tap on "back" while the first is being written to the
  // device: those two reach the document after the section's page is gone (a fast thumb on
  // a slow phone).
  await page.evaluate(async () => {
    const box = document.querySelector('[data-testid="section-body"]');
    const key = (ch) => {
      box.value += ch;
      box.dispatchEvent(new Event('input', { bubbles: true }));
    };
    key('a');
    await new Promise((r) => setTimeout(r, 0));
    key('b');
    key('c');
    document.querySelector('[data-testid="back-to-plan"]').click();
  });
  await plan.sections().first().waitFor();
  // The app still answers, and the letters are in the section, also after a reload.
  await plan.openSection('1.1');
  await plan.waitBodyContains('abc');
  await net.waitSaved();
  await page.reload();
  await plan.body().waitFor();
  await plan.waitBodyContains('abc');
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});
