// `cargo xtask bench tree`, browser half: a workshop tree of 300 cards built by 2,000 edits.
// Three devices import it: the projector (laptop, the SVG drawing), a phone on the outline
// editor, and a phone that edits. Measured: opening the projector view (navigation start ->
// every card drawn), and for each of 20 card edits made on the editing phone, the time from
// the sync message reaching the projector (and the watching phone) to the frame that shows
// the new text — the app's own work for a remote update — plus the end-to-end time from the
// edit to that frame (which adds the sender's save, the server and the network).
// Env: BASE_URL, JUNTAS_ACCESS_KEY (the operator's, for a claim link), BUNDLE (path), FIXTURE
// (the generator's JSON line).
import { readFileSync } from 'node:fs';
import { launch, newContext, PHONE, LAPTOP, claimLink } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';
import { PROBE, median, stats, openTime, startProfile } from './probe.mjs';

const fixture = JSON.parse(process.env.FIXTURE);
const RUNS = Number(process.env.JUNTAS_BENCH_RUNS ?? 5);
const UPDATES = Number(process.env.JUNTAS_BENCH_UPDATES ?? 20);
const bundle = readFileSync(process.env.BUNDLE);

// Every WebSocket message's arrival time (before the app's own listener runs).
const WS_PROBE = () => {
  window.__ws = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => window.__ws.push(performance.now()));
    }
  };
};

const browser = await launch();
try {
  // The first device imports the workshop's file and claims the network with the operator's
  // link (it uploads it); the others are the facilitator's other devices, by invite.
  async function device(kind, invite) {
    const context = await newContext(browser, kind);
    await context.addInitScript(PROBE);
    await context.addInitScript(WS_PROBE);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const net = new NetworkPage(page);
    if (invite) {
      await page.goto(invite);
      await net.waitReady();
    } else {
      await page.goto(await claimLink());
      const imported = await new HomePage(page).importBundle(bundle, 'arbol.juntas');
      if (imported.error) throw new Error(`import failed: ${imported.error}`);
      await net.claim('Ignacio Vargas');
    }
    await net.waitSync('synced', 120000);
    return { context, page, errors, net };
  }
  const net = `/red/${fixture.network}`;
  const outlineUrl = `${net}/arbol/${fixture.tree}`;
  const projectorUrl = `${outlineUrl}/proyector`;
  const allDrawn = `() => document.querySelectorAll('[data-testid="svg-card"]').length === ${fixture.cards + 1}`;
  const allListed = `() => document.querySelectorAll('[data-testid="tree-card"]').length === ${fixture.cards}`;

  const projector = await device(LAPTOP);
  const reference = [], open = [], outlineOpen = [];
  for (let r = 0; r < RUNS; r++) {
    reference.push(await openTime(projector.page, net, `() => document.querySelectorAll('[data-testid="centre-card"]').length === 15`));
    open.push(await openTime(projector.page, projectorUrl, allDrawn));
    outlineOpen.push(await openTime(projector.page, outlineUrl, allListed));
  }
  // An SVG export asked for as soon as the first cards are up (the first drawing goes up in
  // slices; a 20× slower CPU keeps it going long enough to click) holds every card.
  const slow = await projector.context.newCDPSession(projector.page);
  await slow.send('Emulation.setCPUThrottlingRate', { rate: 20 });
  await projector.page.goto(projectorUrl, { waitUntil: 'commit' });
  // Clicked from inside the page on the frame the first cards show (Playwright's own click
  // waits for tasks the slices go ahead of).
  const [download, drawnAtClick] = await Promise.all([
    projector.page.waitForEvent('download'),
    projector.page.evaluate(async () => {
      const cards = () => document.querySelectorAll('[data-testid="svg-card"]').length;
      while (!cards() || !document.querySelector('[data-testid="export-svg"]')) await new Promise((r) => requestAnimationFrame(r));
      const n = cards();
      document.querySelector('[data-testid="export-svg"]').click();
      return n;
    }),
  ]);
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  const early = { bytes: Buffer.concat(chunks) };
  await slow.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  const exported = (early.bytes.toString('utf8').match(/data-testid="svg-card"/g) ?? []).length;
  await openTime(projector.page, projectorUrl, allDrawn);

  const watcher = await device(PHONE, await projector.net.inviteLink('Ignacio Vargas'));
  await openTime(watcher.page, outlineUrl, allListed);
  const editor = await device(PHONE, await projector.net.inviteLink('Ignacio Vargas'));
  await openTime(editor.page, outlineUrl, allListed);
  const ids = await editor.page.evaluate(() => [...document.querySelectorAll('[data-testid="tree-card"]')].map((c) => c.dataset.id));

  // With JUNTAS_BENCH_PROFILE set, a CPU profile of the projector over the updates.
  const profiling = await startProfile(projector.context, projector.page);
  const remote = { projector: [], phone: [] };
  const endToEnd = { projector: [], phone: [] };
  for (let i = 0; i < UPDATES; i++) {
    const id = ids[(i * 37) % ids.length];
    const marker = `#u${i}x`;
    const shown = {
      projector: `() => document.querySelector('[data-testid="svg-card"][data-id="${id}"]')?.textContent.includes('${marker}')`,
      phone: `() => document.querySelector('[data-testid="tree-card"][data-id="${id}"] [data-testid="card-text"]')?.value.includes('${marker}')`,
    };
    for (const [who, d] of [['projector', projector], ['phone', watcher]]) {
      await d.page.evaluate((until) => { window.__ws = []; window.__opened = undefined; window.__until = eval(until); }, shown[who]);
    }
    const input = editor.page.locator(`[data-testid="tree-card"][data-id="${id}"] [data-testid="card-text"]`).first();
    const old = await input.inputValue();
    await input.fill(`${old} ${marker}`);
    const sent = await editor.page.evaluate(() => performance.timeOrigin + performance.now());
    await input.press('Enter');
    for (const [who, d] of [['projector', projector], ['phone', watcher]]) {
      await d.page.waitForFunction(() => window.__opened !== undefined, null, { timeout: 30000 });
      const [opened, ws, origin] = await d.page.evaluate(() => [window.__opened, window.__ws, performance.timeOrigin]);
      // The first message after the edit carries it (an upper bound on the app's own time:
      // anything the page got in between is counted too).
      const arrived = ws.find((t) => origin + t >= sent);
      if (arrived === undefined || arrived > opened) throw new Error(`${who}: the update arrived without a WebSocket message`);
      remote[who].push(opened - arrived);
      endToEnd[who].push(origin + opened - sent);
    }
  }
  if (profiling) await profiling.stop();
  // "Proyectar" on a 1920×1080 projector: every card inside the screen, nothing of the app over
  // it; the screenshot is kept for a person to look at.
  await projector.page.setViewportSize({ width: 1920, height: 1080 });
  await projector.page.getByTestId('project').click();
  await projector.page.getByTestId('project-exit').waitFor();
  const fit = await projector.page.evaluate(() => {
    const stage = document.querySelector('[data-testid="projector-stage"]');
    const cards = [...document.querySelectorAll('[data-testid="svg-card"]')];
    const outside = cards.filter((g) => {
      const r = g.getBoundingClientRect();
      return r.left < -0.5 || r.top < -0.5 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5;
    }).length;
    const chrome = [[1, 1], [innerWidth - 2, innerHeight - 2]].some(([x, y]) => !stage.contains(document.elementFromPoint(x, y)));
    const text = cards[0]?.querySelector('text')?.getBoundingClientRect().height ?? 0;
    return { cards: cards.length, outside, chrome, text };
  });
  const shot = `${process.env.TMPDIR ?? '/tmp'}/juntas-projector-1920x1080.png`;
  await projector.page.screenshot({ path: shot });
  const f = (x) => x.toFixed(1);
  const line = (xs) => { const s = stats(xs); return `p50 ${f(s[0])} ms, p95 ${f(s[1])} ms, max ${f(s[2])} ms, n=${s[3]}`; };
  console.log(`tree bench: ${fixture.cards} cards (depth ${fixture.depth}) built by ${fixture.edits} edits from 8 phones (${fixture.changes} changes; tree document ${(fixture.tree_bytes / 1024).toFixed(1)} KiB, bundle ${(fixture.bundle_bytes / 1024).toFixed(1)} KiB)`);
  console.log(`  open the projector view (navigation start -> all ${fixture.cards + 1} cards drawn, median of ${RUNS}): ${f(median(open))} ms (${f(median(open) / median(reference))}x the app's own start, ${f(median(reference))} ms)`);
  console.log(`  open the phone outline editor (-> all ${fixture.cards} cards listed, median of ${RUNS}): ${f(median(outlineOpen))} ms (${f(median(outlineOpen) / median(reference))}x the app's start)`);
  console.log(`  remote update, sync message received -> frame with the new text (the goal is <= 50 ms):`);
  console.log(`    projector (SVG redrawn): ${line(remote.projector)} (${f(stats(remote.projector)[1] / 50)}x the goal at p95)`);
  console.log(`    phone outline editor:    ${line(remote.phone)} (${f(stats(remote.phone)[1] / 50)}x the goal at p95)`);
  console.log(`  end to end, Enter on the editing phone -> that frame (adds its save, the server, the network):`);
  console.log(`    projector: ${line(endToEnd.projector)}; phone: ${line(endToEnd.phone)}`);
  console.log(`  "Proyectar" at 1920×1080: ${fit.cards} cards drawn, ${fit.outside} outside the screen, app chrome over it: ${fit.chrome ? 'yes' : 'no'}; a line of card text is ${f(fit.text)} px tall; screenshot ${shot}`);
  console.log(`  SVG export asked for with ${drawnAtClick} of ${fixture.cards + 1} cards drawn: ${exported} cards in the file`);
  if (fit.outside || fit.chrome || exported !== fixture.cards + 1) process.exitCode = 1;
  const errors = [...projector.errors, ...watcher.errors, ...editor.errors];
  if (errors.length) { console.log(`  page errors: ${errors.join('; ')}`); process.exitCode = 1; }
} finally {
  await browser.close();
}
