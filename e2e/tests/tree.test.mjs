// The problem tree in a workshop: three phones add causes and effects at once (one of them
// offline), every one ends with the same tree, the projector draws every card, and the
// drawing exports as PNG and SVG.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, PHONE, LAPTOP } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';
import { TreePage } from '../pages/tree.mjs';

const KEY = process.env.JUNTAS_ACCESS_KEY;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function join(link, device) {
  const context = await newContext(browser, device);
  const page = await context.newPage();
  await page.goto(link);
  await new NetworkPage(page).waitReady();
  return { context, page, tree: new TreePage(page) };
}

test('tree: three phones add cards at once, one offline; all converge; projector and exports', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const fContext = await newContext(browser, LAPTOP);
  const fPage = await fContext.newPage();
  const net = await new HomePage(fPage).foundExample('Ignacio Vargas');
  const f = new TreePage(fPage);
  await f.open();
  await f.create('Baja colaboración entre los jardines de la red');
  const treeUrl = fPage.url();
  const people = [];
  for (const who of ['María González', 'Alejandra Contreras', 'Carolina Muñoz']) {
    people.push(await join(await net.inviteLink(who), PHONE));
  }
  for (const p of people) {
    await p.page.goto(treeUrl);
    await p.tree.waitProblem('Baja colaboración entre los jardines de la red');
  }
  await people[2].context.setOffline(true);
  const cards = {
    0: [['efectos', 'Cada jardín reinventa sus protocolos'], ['causas', 'Las directoras no se conocen']],
    1: [['causas', 'Falta de tiempo por licencias médicas'], ['efectos', 'Se repiten errores']],
    2: [['causas', 'Reuniones solo por WhatsApp'], ['efectos', 'Planes distintos para lo mismo']],
  };
  await Promise.all(people.map(async (p, i) => {
    for (const [side, text] of cards[i]) await p.tree.addCard(side, text);
  }));
  // A nested card: a cause of a cause.
  await people[0].tree.addChild('Las directoras no se conocen', 'No hubo instancias de encuentro');
  await people[2].context.setOffline(false);
  const all = [...Object.values(cards).flat().map(([, t]) => t), 'No hubo instancias de encuentro'];
  for (const p of [...people, { page: fPage, tree: f }]) {
    await p.tree.waitCards(all, 30000);
  }
  const outlines = await Promise.all([...people.map((p) => p.tree.outline()), f.outline()]);
  for (const o of outlines) assert.deepEqual(o, outlines[0], 'every device shows the same tree');
  assert.equal(outlines[0].length, all.length, 'nothing lost, nothing duplicated');

  // The projector draws every card; exports work.
  await f.openProjector();
  const svgText = await fPage.getByTestId('tree-svg').textContent();
  for (const t of all) {
    for (const word of t.split(' ')) assert.ok(svgText.includes(word), `the drawing shows “${t}”`);
  }
  const png = await f.download('export-png');
  assert.equal(png.name, 'arbol.png');
  assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');
  assert.ok(png.bytes.length > 5000, `a drawn image (${png.bytes.length} bytes)`);
  const svg = await f.download('export-svg');
  assert.match(svg.bytes.toString('utf8'), /^<svg[\s\S]*Reuniones solo por[\s\S]*<\/svg>$/);
  const text = await f.download('export-text');
  assert.match(text.bytes.toString('utf8'), /Causas:[\s\S]*- Las directoras no se conocen\n {4}- No hubo instancias de encuentro/);

  // "Proyectar": the drawing alone on the screen, the whole tree inside it, on a projector
  // (1920×1080) and on a phone; the tree is also there as text for a screen reader.
  await f.project();
  await fPage.waitForFunction(() => document.activeElement?.dataset.testid === 'project-exit');
  // The browser's full screen as well: no tabs or address bar on the projector.
  await fPage.waitForFunction(() => document.fullscreenElement === document.documentElement, null, { timeout: 5000 });
  for (const [width, height] of [[1920, 1080], [360, 740]]) {
    await fPage.setViewportSize({ width, height });
    const fit = await f.projectionFit();
    assert.equal(fit.chromeHidden, true, `${width}×${height}: no app header or tabs over the drawing`);
    assert.deepEqual(fit.outside, [], `${width}×${height}: every card inside the screen`);
    assert.equal(fit.cards, all.length + 1, 'every card and the problem drawn');
    if (width === 1920) assert.ok(fit.text >= 24, `large type on the projector: ${fit.text} px`);
    // Upright on a phone the tree is laid out for the tall screen, not shrunk to its width.
    if (width === 360) assert.ok(fit.text >= 8, `readable type on a phone: ${fit.text} px`);
  }
  await fPage.setViewportSize({ width: 1280, height: 800 });
  const described = await fPage.getByTestId('projector-outline').textContent();
  for (const t of all) assert.ok(described.includes(t), `the text outline has “${t}”`);
  assert.match(await fPage.getByTestId('tree-svg').getAttribute('aria-label'), /Dibujo del árbol de problemas \(\d+ tarjetas/);

  // Opened again (a new page: the tree is not in memory), the projector draws the same tree
  // from the reading kept beside the document, and still takes what arrives.
  await fPage.reload();
  await fPage.waitForFunction((n) => document.querySelectorAll('[data-testid="svg-card"]').length === n, all.length + 1);
  assert.equal(await fPage.getByTestId('projector-outline').textContent(), described, 'the same tree after a reload');
  await f.project();
  await fPage.waitForFunction(() => document.activeElement?.dataset.testid === 'project-exit');
  // With the projector showing, a card added on a phone appears in the drawing live, marked new.
  await people[1].tree.addCard('causas', 'Poco tiempo para planificar');
  await fPage.waitForFunction(() => document.querySelector('[data-testid="tree-svg"]')?.textContent.includes('planificar'), null, { timeout: 15000 });
  const marks = await fPage.evaluate(() => [...document.querySelectorAll('[data-testid="svg-card"]')]
    .filter((g) => g.classList.contains('card-new')).map((g) => g.textContent));
  assert.equal(marks.length, 1, `only the new card is highlighted: ${marks}`);
  assert.match(marks[0], /planificar/);
  // Esc leaves the projection.
  await fPage.keyboard.press('Escape');
  await fPage.getByTestId('project-exit').waitFor({ state: 'detached' });
  await fPage.waitForFunction(() => document.fullscreenElement === null, null, { timeout: 5000 });
  await fPage.waitForFunction(() => document.activeElement?.dataset.testid === 'project', null, { timeout: 2000 });
  assert.equal(await fPage.locator('.projecting').count(), 0);

  // Reorganising at once from three phones: a move under another card, a reorder, and a
  // delete whose children move up to its parent (never a cascade).
  await people[0].tree.moveUnder('Reuniones solo por WhatsApp', 'Falta de tiempo por licencias médicas');
  const effects = (await people[2].tree.outline()).filter((l) => l.startsWith('0:side-efectos:'));
  const last = effects.at(-1).split(':').slice(2).join(':');
  await people[2].tree.moveUp(last);
  // Only its author (or a facilitator) is offered "Quitar" on a card: María added it.
  const notHers = await people[1].tree.tools('Las directoras no se conocen');
  assert.equal(await notHers.getByTestId('card-delete').count(), 0, 'Alejandra cannot remove María\'s card');
  await people[0].tree.remove('Las directoras no se conocen');
  await fPage.goBack();
  const devices = [...people.map((p) => p.tree), f];
  let final;
  for (const deadline = Date.now() + 20000; ; await fPage.waitForTimeout(250)) {
    const now = await Promise.all(devices.map((d) => d.outline()));
    final = now[0];
    const done = now.every((o) => JSON.stringify(o) === JSON.stringify(final))
      && !final.some((l) => l.endsWith(':Las directoras no se conocen'))
      && final.includes('1:side-causas:Reuniones solo por WhatsApp');
    if (done) break;
    if (Date.now() > deadline) assert.fail(`the devices did not converge: ${JSON.stringify(now)}`);
  }
  assert.ok(final.includes('1:side-causas:Reuniones solo por WhatsApp'), `moved under a cause: ${final}`);
  assert.ok(final.includes('0:side-causas:No hubo instancias de encuentro'), `the deleted card's child moved up: ${final}`);
  assert.ok(!final.some((l) => l.endsWith(':Las directoras no se conocen')), 'the deleted card is gone');
  const effectsNow = final.filter((l) => l.startsWith('0:side-efectos:')).map((l) => l.split(':').slice(2).join(':'));
  assert.equal(effectsNow.indexOf(last), effectsNow.length - 2, `“${last}” moved up one place: ${effectsNow}`);
  assert.equal(final.length, all.length, 'one card added, one deleted: as many as before');

  for (const p of people) assert.deepEqual(p.page.__errors ?? [], []);
  assert.deepEqual(fPage.__errors ?? [], []);

  // A projector asked for a document that is not a tree (here the network's own) says so
  // instead of an empty drawing.
  const netId = new URL(fPage.url()).pathname.split('/')[2];
  await fPage.goto(`/red/${netId}/arbol/${netId}/proyector`);
  const refused = fPage.getByTestId('tree-error');
  await fPage.waitForFunction(() => document.querySelector('[data-testid="tree-error"]')?.textContent.trim().length > 0);
  assert.equal(await refused.getAttribute('role'), 'alert');
  assert.equal(await fPage.getByTestId('svg-card').count(), 0, 'nothing drawn');
  console.log(`# the projector of a network document: ${await refused.textContent()}`);
  for (const p of people) await p.context.close();
  await fContext.close();
});
