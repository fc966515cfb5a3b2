// `cargo xtask bench load`, browser half: long main-thread tasks while the biggest documents
// open, and Lighthouse's mobile preset. One browser profile holds the three fixtures (the
// 15-centre plan with ~20,000 changes, an inquiry with 15 finalised records, a 300-card tree).
//
// Long tasks: a PerformanceObserver for `longtask` (buffered, so it sees the start too) on a
// 360×740 phone, at 1× and 4× CPU throttling; each page is opened twice: by loading its address
// (the app starts, then the document opens) and from inside the running app (a link clicked on
// the network page: the document open alone). Before those, each page is opened once at 4× CPU
// from inside the app right after the import: the first open on a device, with no reading kept
// beside the documents. A page of one paragraph opened by address is the floor of every open by
// address (the browser's own navigation task).
// Reported: the page's open time, the number of tasks over 50 ms and the longest, from navigation
// to one second after the page showed it all.
//
// The start page on a new device (a profile of its own, 4× CPU): first visit and three reloads,
// as Chromium runs it and with the whole wasm compiled before it runs.
//
// Lighthouse 12.2.3 (mobile preset: simulated 4× CPU and slow 4G) on the start page (first
// visit, storage reset) and on the plan's network page and the registered network's page (their
// data in IndexedDB, so the storage is kept: those are repeat visits, the service worker's cache
// included); LH_RUNS runs of each, the median reported.
// Env: BASE_URL, {PLAN,INQUIRY,TREE}_{BUNDLE,FIXTURE}, LIGHTHOUSE, CHROME_PATH; LIGHTHOUSE_KEEP, a
// directory to copy each Lighthouse report into (to read its tasks and requests);
// LIGHTHOUSE_ARGS, more arguments for Lighthouse, split at spaces (an experiment, e.g.
// `--blocked-url-patterns=*split_juntas_plan_pages*`: what a page costs without a request);
// JUNTAS_BENCH_LIGHTHOUSE_ONLY=1, Lighthouse alone (the long tasks are not measured); and
// JUNTAS_BENCH_RUNS, the runs of each long-task measure (3); LIGHTHOUSE_RUNS, of each
// Lighthouse page (5); JUNTAS_BENCH_UNREGISTERED=1, a profile registered in no network.
//
// The profile's device is registered in one network (the example network, claimed as its
// facilitator: its page is a third Lighthouse page), so its sync connects at every start as a
// principal's phone does; the three fixtures are imported beside it (not registered).
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { BASE_URL, PHONE, newProfileDir, launchProfile } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { iAm } from '../pages/network.mjs';
import { PROBE, median } from './probe.mjs';

const fx = (name) => ({ bundle: readFileSync(process.env[`${name}_BUNDLE`]), ...JSON.parse(process.env[`${name}_FIXTURE`]) });
const plan = fx('PLAN');
const inquiry = fx('INQUIRY');
const tree = fx('TREE');
const RUNS = Number(process.env.JUNTAS_BENCH_RUNS ?? 3);
const LIGHTHOUSE_ONLY = process.env.JUNTAS_BENCH_LIGHTHOUSE_ONLY === '1';
const UNREGISTERED = process.env.JUNTAS_BENCH_UNREGISTERED === '1';
// Two runs of Lighthouse on one build moved its repeat visits' medians by up to 100 ms of TBT
// and 300 ms of TTI with three runs each: five by default.
const LH_RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 5);
const PORT = 9300 + (process.pid % 500);

// Chromium may still be writing a profile as it exits (2 s of retries were not always enough):
// a temporary directory left behind is said, not a failed bench.
function removeProfile(d) {
  try {
    rmSync(d, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (e) {
    console.log(`  (the browser profile ${d} was left behind: ${e.code})`);
  }
}

// Beside PROBE (which sets `__opened` on the frame `__until` holds).
const LONG_TASKS = () => {
  window.__long = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__long.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
};

const targets = [
  {
    what: 'the plan review table (15 centres)',
    url: `/red/${plan.network}/plan/revision`,
    from: `/red/${plan.network}`,
    until: `() => [...document.querySelectorAll('[data-testid="row-state"]')].filter((e) => e.textContent.trim() === 'borrador').length === 15`,
  },
  {
    what: 'a centre\'s plan',
    url: `/red/${plan.network}/plan/centro/${plan.centre}`,
    from: `/red/${plan.network}`,
    until: `() => document.querySelectorAll('[data-testid="local-text"]').length >= 4 && document.querySelector('[data-testid="local-text"]').value.length > 100`,
  },
  {
    what: 'Resultados (15 records)',
    url: `/red/${inquiry.network}/indagacion/${inquiry.inquiry}/resultados`,
    from: `/red/${inquiry.network}`,
    until: `() => document.querySelectorAll('[data-testid="results-answer"]').length === ${15 * 3 * 3}`,
  },
  {
    what: `the projector (${tree.cards} cards)`,
    url: `/red/${tree.network}/arbol/${tree.tree}/proyector`,
    from: `/red/${tree.network}`,
    until: `() => document.querySelectorAll('[data-testid="svg-card"]').length === ${tree.cards + 1}`,
  },
];

const dir = newProfileDir();
const context = await chromium.launchPersistentContext(dir, {
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  baseURL: BASE_URL,
  ...PHONE,
});
const errors = [];
let chrome = null;
try {
  await context.addInitScript(PROBE);
  await context.addInitScript(LONG_TASKS);
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => d.accept());
  // A device registered in a network, as a principal's phone is (the example network, claimed
  // as its facilitator): the sync connects at every start, as it does on her phone. Its other
  // networks (the imported fixtures) stay on this device. JUNTAS_BENCH_UNREGISTERED=1: none
  // (the profile this bench had until 2026-12: the sync never connects).
  let registered = null;
  if (!UNREGISTERED) {
    const net = await new HomePage(page).foundExample('Ignacio Vargas');
    registered = new URL(page.url()).pathname;
    await net.waitSaved();
  }
  for (const [f, who, name] of [[plan, 'María González', 'plan'], [inquiry, 'Ignacio Vargas', 'inquiry'], [tree, null, 'tree']]) {
    await page.goto('/');
    const imported = await new HomePage(page).importBundle(f.bundle, `${name}.juntas`);
    if (imported.error) throw new Error(`import of ${name} failed: ${imported.error}`);
    if (who) await iAm(page, who);
  }
  const cdp = await context.newCDPSession(page);

  /** Waits until `until` holds and a second more; returns the open time and the long tasks. */
  async function settle(until, since) {
    await page.evaluate(`window.__opened = undefined; window.__until = ${until}`);
    await page.waitForFunction(() => window.__opened !== undefined, null, { timeout: 120000 });
    await page.waitForTimeout(1000);
    return page.evaluate((since) => ({
      opened: window.__opened - since,
      long: window.__long.filter((t) => t.start >= since).map((t) => t.ms),
    }), since);
  }
  async function byAddress(t) {
    await page.goto(t.url);
    return settle(t.until, 0);
  }
  async function inApp(t) {
    await page.goto(t.from);
    await page.getByTestId('network-name').waitFor();
    await page.waitForTimeout(1500);
    const since = await page.evaluate((url) => {
      const a = document.createElement('a');
      a.href = url;
      a.textContent = 'bench';
      document.body.append(a);
      const t0 = performance.now();
      a.click();
      return t0;
    }, t.url);
    return settle(t.until, since);
  }
  // The floor of an open by address: a page of one paragraph at the same origin, in a browser
  // of its own with service workers blocked (the app's would serve it the app), measured
  // alike. Chromium's own navigation task (a new document, its script context) is itself over
  // 50 ms at 4× CPU in some runs.
  async function blank(rate) {
    const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
    try {
      const ctx = await browser.newContext({ ...PHONE, baseURL: BASE_URL, serviceWorkers: 'block' });
      await ctx.addInitScript(PROBE);
      await ctx.addInitScript(LONG_TASKS);
      await ctx.route('**/bench-blank.html', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="es"><meta charset="utf-8"><title>x</title><p>Hola</p></html>' }));
      const p = await ctx.newPage();
      await (await ctx.newCDPSession(p)).send('Emulation.setCPUThrottlingRate', { rate });
      const runs = [];
      for (let r = 0; r < RUNS; r++) {
        await p.goto('/bench-blank.html');
        await p.evaluate(`window.__opened = undefined; window.__until = () => document.querySelector('p') !== null`);
        await p.waitForFunction(() => window.__opened !== undefined);
        await p.waitForTimeout(1000);
        runs.push(await p.evaluate(() => ({ opened: window.__opened, long: window.__long.map((t) => t.ms) })));
      }
      return runs;
    } finally {
      await browser.close();
    }
  }
  // The start page on a new device (a profile of its own, 4× CPU): the first visit, then three
  // reloads (the service worker's cache serves them, and most likely V8's cache of compiled
  // wasm for the large modules).
  // `jsFlags` lets V8 compile the whole wasm before it runs (`--no-wasm-lazy-compilation`):
  // beside the default (each function compiled on the page's thread the first time it runs),
  // it says how much of the first visit's tasks is compiling rather than our own work.
  async function newDevice(jsFlags) {
    const d = newProfileDir();
    const ctx = await launchProfile(d, PHONE, jsFlags ? [`--js-flags=${jsFlags}`] : []);
    try {
      await ctx.addInitScript(PROBE);
      await ctx.addInitScript(LONG_TASKS);
      // From the document's start: set after `goto`, it would time the load event instead.
      await ctx.addInitScript(() => { window.__until = () => document.querySelector('[data-testid="create-network"]') !== null; });
      const p = ctx.pages()[0] ?? await ctx.newPage();
      p.on('pageerror', (e) => errors.push(e.message));
      await (await ctx.newCDPSession(p)).send('Emulation.setCPUThrottlingRate', { rate: 4 });
      const visits = [];
      for (let v = 0; v < 4; v++) {
        if (v === 0) await p.goto('/'); else await p.reload();
        await p.waitForFunction(() => window.__opened !== undefined, null, { timeout: 120000 });
        // Long enough for the documents' part, the service worker's precaching and V8's
        // caching of the compiled wasm to finish before the next visit.
        await p.waitForTimeout(4000);
        visits.push(await p.evaluate(() => ({ opened: window.__opened, long: window.__long.map((t) => t.ms) })));
      }
      return visits;
    } finally {
      await ctx.close();
      removeProfile(d);
    }
  }
  const f = (x) => x.toFixed(0);
  if (!LIGHTHOUSE_ONLY) {
  const device = [['as a phone runs it', await newDevice(null)], ['with the wasm compiled up front', await newDevice('--no-wasm-lazy-compilation')]];
  // Each page once at 4× CPU before any other page read its documents: the first open on
  // this device, when no reading is kept beside them yet (they parse the documents).
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  // Opened from inside the app, like the rows' second open: by address, the browser's own
  // navigation task (below) would be counted as the document's.
  const cold = [];
  for (const t of targets) cold.push({ what: t.what, run: await inApp(t) });
  const rows = [];
  for (const rate of [1, 4]) {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    const start = [];
    for (let r = 0; r < RUNS; r++) start.push(await byAddress({ url: '/', until: `() => document.querySelector('[data-testid="network-link"]') !== null` }));
    rows.push({ rate, what: 'a page of one paragraph (no app)', how: 'address', runs: await blank(rate) });
    rows.push({ rate, what: 'the start page (the app alone)', how: 'address', runs: start });
    for (const t of targets) {
      const a = [], b = [];
      for (let r = 0; r < RUNS; r++) { a.push(await byAddress(t)); b.push(await inApp(t)); }
      rows.push({ rate, what: t.what, how: 'address', runs: a });
      rows.push({ rate, what: t.what, how: 'in the app', runs: b });
    }
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });

  console.log(`load bench: phone 360×740, long tasks (> 50 ms) from navigation to 1 s after the page showed it all; median of ${RUNS} runs (the longest task: the worst run)`);
  console.log(`  plan: ${plan.changes} changes, bundle ${(plan.bundle_bytes / 1024).toFixed(0)} KiB; inquiry: ${inquiry.changes} changes; tree: ${tree.cards} cards, ${tree.changes} changes`);
  console.log(`  ${'CPU'.padEnd(4)} ${'page'.padEnd(38)} ${'opened how'.padEnd(11)} ${'open ms'.padStart(8)} ${'tasks>50'.padStart(9)} ${'longest ms'.padStart(11)} ${'total ms'.padStart(9)}`);
  let over = 0;
  for (const r of rows) {
    const open = median(r.runs.map((x) => x.opened));
    const count = median(r.runs.map((x) => x.long.length));
    const longest = Math.max(0, ...r.runs.flatMap((x) => x.long));
    const total = median(r.runs.map((x) => x.long.reduce((s, m) => s + m, 0)));
    if (r.how === 'in the app' && longest > 50) over++;
    console.log(`  ${`${r.rate}×`.padEnd(4)} ${r.what.padEnd(38)} ${r.how.padEnd(11)} ${f(open).padStart(8)} ${String(count).padStart(9)} ${f(longest).padStart(11)} ${f(total).padStart(9)}`);
  }
  console.log(`  documents opened in the app with a task over 50 ms: ${over} of ${rows.filter((r) => r.how === 'in the app').length} (goal: none)`);
  console.log('  first open on this device (4× CPU, in the app, one run each: nothing kept beside the documents yet):');
  // Measured here (a busy loop: 4× on the page, 1× in a worker): CDP slows the page's thread only.
  console.log("  (the document worker reads these; CDP's throttling slows only the page's thread, so its parse runs at 1× here: the open times are a fast phone's, the page's tasks are counted as they are)");
  for (const c of cold) {
    const longest = Math.max(0, ...c.run.long);
    console.log(`  ${'4×'.padEnd(4)} ${c.what.padEnd(38)} ${'first'.padEnd(11)} ${f(c.run.opened).padStart(8)} ${String(c.run.long.length).padStart(9)} ${f(longest).padStart(11)} ${f(c.run.long.reduce((a, m) => a + m, 0)).padStart(9)}`);
  }
  console.log(`  first opens with a task over 50 ms: ${cold.filter((c) => c.run.long.some((m) => m > 50)).length} of ${cold.length}`);
  console.log('  the start page on a new device (4×, a profile of its own): its form shown at, and its tasks over 50 ms, from navigation to 4 s after');
  for (const [how, visits] of device) {
    const line = (x) => `${f(x.opened)} ms, tasks ${x.long.filter((m) => m > 50).map(f).join(' ') || 'none'}`;
    console.log(`    ${how.padEnd(32)} first visit: ${line(visits[0])}; repeat visits: ${visits.slice(1).map(line).join(' / ')}`);
  }
  console.log('    (V8 compiles each wasm function on the page\'s thread the first time it runs, and a repeat visit most likely reuses that of the large modules;');
  console.log('    compare the first visits: compiling up front is no phone\'s setting)');
  }

  // Lighthouse, against the same profile (it holds the networks) in a browser of its own:
  // under Playwright's control the tabs Lighthouse opens never finish loading.
  await context.close();
  chrome = spawn(process.env.CHROME_PATH ?? '/usr/bin/chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${dir}`, `--remote-debugging-port=${PORT}`, 'about:blank',
  ], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try { await fetch(`http://127.0.0.1:${PORT}/json/version`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  const lighthouse = (url, keep) => {
    const out = `${dir}/lh-${Date.now()}.json`;
    execFileSync(process.env.LIGHTHOUSE, [
      `${BASE_URL}${url}`, `--port=${PORT}`, '--only-categories=performance', '--output=json', `--output-path=${out}`,
      '--quiet', ...(keep ? ['--disable-storage-reset'] : []),
      ...(process.env.LIGHTHOUSE_ARGS ? process.env.LIGHTHOUSE_ARGS.split(' ') : []),
    ], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300000 });
    if (process.env.LIGHTHOUSE_KEEP) copyFileSync(out, `${process.env.LIGHTHOUSE_KEEP}/${url === '/' ? 'start' : url === registered ? 'registered' : 'network'}-${keep ? 'repeat' : 'first'}-${Date.now()}.json`);
    const lhr = JSON.parse(readFileSync(out, 'utf8'));
    const a = lhr.audits;
    return {
      score: Math.round(lhr.categories.performance.score * 100),
      fcp: a['first-contentful-paint'].numericValue, lcp: a['largest-contentful-paint'].numericValue,
      tbt: a['total-blocking-time'].numericValue, tti: a.interactive?.numericValue, si: a['speed-index'].numericValue,
      bytes: a['total-byte-weight'].numericValue,
    };
  };
  // The first visit last: Lighthouse's storage reset empties the origin (its networks too).
  const runs = [
    ['the plan\'s network page, repeat visit', `/red/${plan.network}`, true],
    ...(registered ? [['her registered network, repeat (syncs)', registered, true]] : []),
    ['start page, repeat visit', '/', true],
    ['start page, first visit', '/', false],
  ];
  console.log(`  Lighthouse ${'12.2.3'} mobile preset (simulated slow 4G, 4× CPU), performance only, median of ${LH_RUNS} runs:`);
  console.log(`    ${'page'.padEnd(40)} ${'score'.padStart(5)} ${'FCP ms'.padStart(7)} ${'LCP ms'.padStart(7)} ${'TBT ms'.padStart(7)} ${'TTI ms'.padStart(7)} ${'SI ms'.padStart(7)} ${'KB'.padStart(6)}`);
  // Lighthouse's simulation counts every task over 12.5 ms of this machine's as long (4×), so
  // one run moves by a hundred ms of TBT and up to a second of TTI: each page is run LH_RUNS times
  // and the median is reported, with the range of TBT and TTI beside it.
  for (const [what, url, keep] of runs) {
    const rs = [];
    for (let r = 0; r < LH_RUNS; r++) rs.push(lighthouse(url, keep));
    // The middle run, or the mean of the two middle ones for an even count.
    const m = (k) => {
      const xs = rs.map((r) => r[k] ?? NaN).sort((a, b) => a - b);
      return (xs[Math.floor((xs.length - 1) / 2)] + xs[Math.ceil((xs.length - 1) / 2)]) / 2;
    };
    const range = (k) => (LH_RUNS > 1 ? ` (${f(Math.min(...rs.map((r) => r[k])))}–${f(Math.max(...rs.map((r) => r[k])))})` : '');
    console.log(`    ${what.padEnd(40)} ${f(m('score')).padStart(5)} ${f(m('fcp')).padStart(7)} ${f(m('lcp')).padStart(7)} ${f(m('tbt')).padStart(7)} ${f(m('tti')).padStart(7)} ${f(m('si')).padStart(7)} ${f(m('bytes') / 1000).padStart(6)}${range('tbt')}${range('tti')}`);
  }
  console.log(`    (median of ${LH_RUNS} runs; in brackets the range of TBT, then of TTI. Goal: score >= 90, LCP <= 2.5 s, TBT <= 200 ms; repeat visit TTI <= 1 s)`);
  if (errors.length) { console.log(`  page errors: ${errors.join('; ')}`); process.exitCode = 1; }
} finally {
  chrome?.kill();
  await context.close().catch(() => {});
  removeProfile(dir);
}
