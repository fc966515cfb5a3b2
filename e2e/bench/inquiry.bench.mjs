// `cargo xtask bench inquiry`, browser half: imports 15 finalised records (3 participants
// each) and measures opening Resultados, exporting its CSV, and the record form's input
// latency with the CPU throttled 4× (a mid-range phone).
// Env: BASE_URL, JUNTAS_ACCESS_KEY, BUNDLE (path), FIXTURE (the generator's JSON line).
import { readFileSync } from 'node:fs';
import { launch, newContext, PHONE } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { PlanPage } from '../pages/plan.mjs';
import { PROBE, median, stats, openTime, keystrokes, startProfile } from './probe.mjs';

const fixture = JSON.parse(process.env.FIXTURE);
const RUNS = Number(process.env.JUNTAS_BENCH_RUNS ?? 5);
const KEYS = 100;

const browser = await launch();
try {
  const context = await newContext(browser, PHONE);
  await context.addInitScript(PROBE);
  const page = await context.newPage();
  await page.goto(`/`);
  const imported = await new HomePage(page).importBundle(readFileSync(process.env.BUNDLE), 'inq.juntas');
  if (imported.error) throw new Error(`import failed: ${imported.error}`);
  await new PlanPage(page).iAm('Ignacio Vargas');
  const base = `/red/${fixture.network}/indagacion`;
  const results = `${base}/${fixture.inquiry}/resultados`;
  const until = `() => document.querySelectorAll('[data-testid="results-answer"]').length === ${15 * 3 * 3}`;
  const reference = [], open = [], csv = [];
  const profiling = await startProfile(context, page);
  for (let r = 0; r < RUNS; r++) {
    reference.push(await openTime(page, `/red/${fixture.network}`, `() => document.querySelectorAll('[data-testid="centre-card"]').length === 15`));
    open.push(await openTime(page, results, until));
    const t0 = Date.now();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('results-export').click()]);
    csv.push(Date.now() - t0);
    await download.path();
  }
  if (profiling) await profiling.stop();
  // The record form on a phone at 4× CPU throttling.
  await new PlanPage(page).iAm(fixture.principal);
  await page.goto(`${base}/${fixture.inquiry}/ficha/${fixture.record}`);
  await page.locator('[id="f-observations"]').waitFor();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const typed = await keystrokes(page, '[id="f-observations"]', KEYS, 'Las técnicas piden más apoyo para trabajar con las familias. ');
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  const f = (x) => x.toFixed(1);
  const [p, w] = [stats(typed.paint), stats(typed.work)];
  console.log(`inquiry bench: 15 finalised records × 3 participants × 3 questions (${fixture.changes} changes, bundle ${(fixture.bundle_bytes / 1024).toFixed(1)} KiB), phone viewport`);
  console.log(`  open Resultados (navigation start -> all 135 answers on screen, median of ${RUNS}): ${f(median(open))} ms (${f(median(open) / 300)}x the 300 ms goal; ${f(median(open) / median(reference))}x the app's own start, ${f(median(reference))} ms)`);
  console.log(`    the first open (no cached readings yet: every record is parsed): ${f(open[0])} ms`);
  console.log(`  export the answers CSV (click -> download starts, median of ${RUNS}): ${f(median(csv))} ms`);
  console.log(`  record form at 4x CPU throttling, ${KEYS} keys: keystroke -> paint p50 ${f(p[0])} ms, p95 ${f(p[1])} ms (${f(p[1] / 50)}x the 50 ms goal), max ${f(p[2])} ms, n=${p[3]}`);
  console.log(`    input event -> the app's work done (handler, splice, the write to IndexedDB started): p50 ${f(w[0])} ms, p95 ${f(w[1])} ms, max ${f(w[2])} ms`);
  if ((page.__errors ?? []).length) { console.log(`  page errors: ${page.__errors.join('; ')}`); process.exitCode = 1; }
} finally {
  await browser.close();
}
