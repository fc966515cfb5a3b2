// `cargo xtask bench plan`, browser half: imports the fixture (15 centres, ~20,000 changes)
// into headless Chromium and measures opening the plan's pages (navigation start → the text
// on screen) and keystroke-to-paint while typing 200 characters into a section.
// Env: BASE_URL, JUNTAS_ACCESS_KEY, BUNDLE (path), FIXTURE (the generator's JSON line).
import { readFileSync } from 'node:fs';
import { launch, newContext, LAPTOP } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { PlanPage } from '../pages/plan.mjs';
import { PROBE, pct, median, openTime, keystrokes, plainTextarea, startProfile } from './probe.mjs';

const fixture = JSON.parse(process.env.FIXTURE);
const bundle = readFileSync(process.env.BUNDLE);
const RUNS = Number(process.env.JUNTAS_BENCH_RUNS ?? 5);
const KEYS = 200;
const TEXT = 'Se agrega una medida acordada en la comisión para el ingreso de las familias. ';

const browser = await launch();
try {
  const context = await newContext(browser, LAPTOP);
  await context.addInitScript(PROBE);
  const page = await context.newPage();
  await page.goto(`/`);
  const imported = await new HomePage(page).importBundle(bundle, 'plan.juntas');
  if (imported.error) throw new Error(`import failed: ${imported.error}`);
  const plan = new PlanPage(page);
  await plan.iAm('María González');
  const base = `/red/${fixture.network}/plan`;
  const section = `${base}/seccion/1.2`;
  const centre = `${base}/centro/${fixture.centre}`;
  const table = `${base}/revision`;
  const waits = {
    section: `() => (document.querySelector('[data-testid="section-body"]')?.value.length ?? 0) > 100`,
    centre: `() => document.querySelectorAll('[data-testid="local-text"]').length >= 4 && document.querySelector('[data-testid="local-text"]').value.length > 100`,
    table: `() => [...document.querySelectorAll('[data-testid="row-state"]')].filter((e) => e.textContent.trim() === 'borrador').length === 15`,
  };
  const open = { network: [], section: [], centre: [], table: [] };
  // JUNTAS_BENCH_PROFILE_WHAT=keys profiles the typing into the common section instead.
  const profileKeys = process.env.JUNTAS_BENCH_PROFILE_WHAT === 'keys';
  const profiling = profileKeys ? null : await startProfile(context, page);
  for (let r = 0; r < RUNS; r++) {
    open.network.push(await openTime(page, `/red/${fixture.network}`, `() => document.querySelectorAll('[data-testid="centre-card"]').length === 15`));
    open.section.push(await openTime(page, section, waits.section));
    open.centre.push(await openTime(page, centre, waits.centre));
    open.table.push(await openTime(page, table, waits.table));
  }
  if (profiling) await profiling.stop();
  // In-app navigation (the app already running): the plan list → section 1.2.
  const inApp = [];
  for (let r = 0; r < RUNS; r++) {
    await page.goto(base);
    await plan.showAll();
    const t = await page.evaluate(async () => {
      const t0 = performance.now();
      document.querySelector('[data-testid="plan-section"][data-id="1.2"] [data-testid="open-section"]').click();
      for (;;) {
        await new Promise((r) => requestAnimationFrame(r));
        if ((document.querySelector('[data-testid="section-body"]')?.value.length ?? 0) > 100) return performance.now() - t0;
      }
    });
    inApp.push(t);
  }
  await page.goto(section);
  await page.locator('[data-testid="section-body"]').waitFor();
  await page.waitForFunction(new Function(`return (${waits.section})()`));
  const keysProfile = profileKeys ? await startProfile(context, page) : null;
  const common = await keystrokes(page, '[data-testid="section-body"]', KEYS, TEXT);
  if (keysProfile) await keysProfile.stop();
  // The same keys into a plain textarea on the same page, holding the same text: the floor.
  const body = await page.locator('[data-testid="section-body"]').inputValue();
  const plain = await keystrokes(page, await plainTextarea(page, body), KEYS, TEXT);
  await page.goto(centre);
  await page.waitForFunction(new Function(`return (${waits.centre})()`));
  const local = await keystrokes(page, `[data-testid="centre-section"][data-id="3"] [data-testid="local-text"]`, KEYS, TEXT);
  const errors = page.__errors ?? [];
  const stats = (xs) => [pct(xs, 50), pct(xs, 95), Math.max(...xs), xs.length];
  const r = {
    network: median(open.network), section: median(open.section), centre: median(open.centre), table: median(open.table), inApp: median(inApp),
    common: stats(common.paint), local: stats(local.paint), commonWork: stats(common.work), localWork: stats(local.work),
    plain: stats(plain.paint),
  };
  const f = (x) => x.toFixed(1);
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  console.log(`plan bench: ${fixture.changes} changes in ${fixture.documents} documents (network, common plan, 15 centres)`);
  console.log(`  size: common plan ${kib(fixture.common_bytes)}, 15 centre plans ${kib(fixture.centre_bytes)}, bundle ${kib(fixture.bundle_bytes)} (${(fixture.bundle_bytes / fixture.changes).toFixed(1)} B per change)`);
  console.log(`  open (navigation start -> text on screen, median of ${RUNS}; goal <= 300 ms):`);
  console.log(`    reference, the network's centre list (app start, no plan): ${f(r.network)} ms`);
  console.log(`    common section 1.2: ${f(r.section)} ms (${f(r.section / 300)}x goal, ${f(r.section / r.network)}x the app start)`);
  console.log(`    centre plan (all sections, adopted common text): ${f(r.centre)} ms (${f(r.centre / 300)}x goal)`);
  console.log(`    SLEP table of 15 centres: ${f(r.table)} ms (${f(r.table / 300)}x goal)`);
  console.log(`    in-app, plan list -> section 1.2: ${f(r.inApp)} ms`);
  console.log(`  keystroke -> paint over ${KEYS} keys (goal p95 <= 16 ms):`);
  console.log(`    common section (shared, ~8,000-change document): p50 ${f(r.common[0])} ms, p95 ${f(r.common[1])} ms (${f(r.common[1] / 16)}x goal), max ${f(r.common[2])} ms, n=${r.common[3]}`);
  console.log(`    centre's own text: p50 ${f(r.local[0])} ms, p95 ${f(r.local[1])} ms (${f(r.local[1] / 16)}x goal), max ${f(r.local[2])} ms, n=${r.local[3]}`);
  console.log(`    floor: a plain textarea with the same text on the same page, no app handler: p50 ${f(r.plain[0])} ms, p95 ${f(r.plain[1])} ms, max ${f(r.plain[2])} ms`);
  console.log(`    app / floor at p95: common ${f(r.common[1] / r.plain[1])}x, centre's own ${f(r.local[1] / r.plain[1])}x`);
  console.log(`  input event -> the app's work done (its handler and the splice it starts; the rest of the above is the browser and the frame):`);
  console.log(`    common section: p50 ${f(r.commonWork[0])} ms, p95 ${f(r.commonWork[1])} ms, max ${f(r.commonWork[2])} ms`);
  console.log(`    centre's own text: p50 ${f(r.localWork[0])} ms, p95 ${f(r.localWork[1])} ms, max ${f(r.localWork[2])} ms`);
  if (errors.length) { console.log(`  page errors: ${errors.join('; ')}`); process.exitCode = 1; }
} finally {
  await browser.close();
}
