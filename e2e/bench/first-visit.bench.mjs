// `cargo xtask bench first-visit`: a principal's first visit on a phone over 3G, the service
// worker included. Through a line of 1.6 Mbit/s down, 750 kbit/s up and 150 ms (./slow-line.mjs,
// which slows the service worker's requests too: CDP's emulation does not) at 4× CPU, on a new device each run:
// when the start page answers, when the example network's page shows after "Crear red de
// ejemplo" is tapped as soon as it is there (it waits for the documents' part), and when the app
// would open with no connection (the service worker active, its precache done). Then María's
// first visit from her invite link to a network whose plan is on the server: when whom and where
// it registered her shows (from the server's answer, before the documents' part), when her network
// page shows, and when the plan's sections show after she taps "Plan" at once (the plan comes
// by sync, down the same line, and its page's part is downloaded); then, the page reloaded, when
// it is synced with the server again (as each time she opens the app).
// Three ways, interleaved, RUNS runs each, the median reported:
// - as the app did before: the service worker registered as the page loads (an init script
//   registers it on `load`, so the app's own later call finds it registered), its precache
//   fetching every file at once (the line serves sw.js with its install handler as it was);
// - as the app does it (once the documents' part is in);
// - no service worker (the floor: nothing else on the line).
// With JUNTAS_BENCH_BEFORE_URL (a server of an earlier build), "before" is that build's files
// instead, its service worker as it was, on this server's data (./slow-line.mjs, `assets`): two
// builds side by side in one run.
// Env: BASE_URL, JUNTAS_ACCESS_KEY, JUNTAS_BENCH_BEFORE_URL.
import { BASE_URL, PHONE, LAPTOP, launch, newContext } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { PlanPage } from '../pages/plan.mjs';
import { median } from './probe.mjs';
import { slowLine } from './slow-line.mjs';

const RUNS = Number(process.env.JUNTAS_BENCH_RUNS ?? 3);
const BEFORE_URL = process.env.JUNTAS_BENCH_BEFORE_URL;
const WAYS = BEFORE_URL ? [
  [`before: the build at ${BEFORE_URL}`, 'load'],
  ['the app: this build', 'app'],
] : [
  ['before: at load, every file at once', 'load'],
  ['the app: once the documents are in, two at once', 'app'],
  ['no service worker (floor)', 'none'],
];

// The service worker's install handler before it fetched two files at a time.
const ALL_AT_ONCE = (sw) => {
  const at = /self\.addEventListener\('install'[^]*?\n\}\);\n/;
  if (!at.test(sw)) throw new Error('sw.js has no install handler to put the earlier one in place of');
  return sw.replace(at, "self.addEventListener('install', (event) => {\n  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));\n});\n");
};
const line = await slowLine(BASE_URL);
const lineBefore = await slowLine(BASE_URL, BEFORE_URL ? { assets: BEFORE_URL } : { rewrite: { '/sw.js': ALL_AT_ONCE } });
const browser = await launch();
const errors = [];
try {
  const served = async (l) => (await fetch(`${l.url}/sw.js`)).text();
  if (!BEFORE_URL && (!(await served(lineBefore)).includes('c.addAll(PRECACHE)') || (await served(line)).includes('c.addAll(PRECACHE)'))) {
    throw new Error('the earlier service worker is not served on its line alone');
  }
  // The facilitator's laptop, at full speed: the example network with its plan, on the server.
  const founder = await newContext(browser, LAPTOP);
  const fPage = await founder.newPage();
  const net = await new HomePage(fPage).foundExample('Ignacio Vargas');
  const plan = new PlanPage(fPage);
  await plan.open();
  await plan.create();
  await net.waitSync('synced');
  await fPage.getByTestId('nav-centres').click();

  /** A new phone on the line, its service worker as `way` says. */
  async function phone(way) {
    const context = await newContext(browser, { ...PHONE, baseURL: (way === 'load' ? lineBefore : line).url, serviceWorkers: way === 'none' ? 'block' : 'allow' });
    if (way === 'load' && !BEFORE_URL) {
      await context.addInitScript(() => {
        addEventListener('load', () => navigator.serviceWorker?.register('/sw.js'));
      });
    }
    const page = await context.newPage();
    await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: 4 });
    // The page's errors (support.mjs watches them) are said with the report.
    const close = async () => {
      errors.push(...(page.__errors ?? []));
      await context.close();
    };
    return { page, close };
  }
  const offlineAt = (page, way) => (way === 'none' ? null : page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    return performance.now();
  }));

  const results = Object.fromEntries(WAYS.map(([, way]) => [way, []]));
  const invited = Object.fromEntries(WAYS.map(([, way]) => [way, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const [, way] of WAYS) {
      const { page, close } = await phone(way);
      await page.goto('/', { waitUntil: 'commit' });
      await page.getByTestId('create-example').waitFor({ timeout: 180000 });
      const start = await page.evaluate(() => performance.now());
      await page.getByTestId('create-example').click();
      await page.getByTestId('network-name').waitFor({ timeout: 180000 });
      const network = await page.evaluate(() => performance.now());
      results[way].push({ start, network, offline: await offlineAt(page, way) });
      await close();
    }
    for (const [, way] of WAYS) {
      const link = new URL(await net.inviteLink('María González'));
      const { page, close } = await phone(way);
      // When whom and where the invite registered her is first drawn (it may show for a moment
      // only, when the documents' part comes first), her network, and the plan: taken in the
      // page as it happens (Playwright, polling a busy phone's page, saw them up to 0.4 s later).
      await page.addInitScript(() => {
        window.__drawn = {};
        const watch = {
          welcome: ['[data-testid="join-welcome"]', ''],
          network: ['[data-testid="me"]', 'María González'],
          plan: ['[data-testid="only-mine"]', ''],
        };
        new MutationObserver((_, o) => {
          for (const [k, [sel, text]] of Object.entries(watch)) {
            if (!window.__drawn[k] && document.querySelector(sel)?.textContent.includes(text)) {
              window.__drawn[k] = performance.now();
            }
          }
          if (Object.keys(window.__drawn).length === Object.keys(watch).length) o.disconnect();
        }).observe(document, { childList: true, subtree: true, characterData: true });
      });
      await page.goto(`${link.pathname}${link.search}${link.hash}`, { waitUntil: 'commit' });
      await page.getByTestId('me').filter({ hasText: 'María González' }).waitFor({ timeout: 180000 });
      await page.getByTestId('nav-plan').click();
      await page.getByTestId('only-mine').waitFor({ timeout: 180000 });
      const { welcome, network, plan } = await page.evaluate(() => ({
        welcome: window.__drawn.welcome ?? null, network: window.__drawn.network ?? null, plan: window.__drawn.plan ?? null,
      }));
      const offline = await offlineAt(page, way);
      // She opens the app again (the plan's address): when its sync with the server is done.
      const synced = () => page.waitForFunction(() => document.querySelector('[data-testid="sync-state"]')?.dataset.state === 'synced', null, { timeout: 180000 });
      await synced();
      await page.reload({ waitUntil: 'commit' });
      await synced();
      const again = await page.evaluate(() => performance.now());
      invited[way].push({ welcome, network, plan, offline, again });
      await close();
    }
  }
  const f = (x) => (x === null ? '—' : `${(x / 1000).toFixed(2)} s`);
  /** One table: a row per way, a column per `[key, heading]` (the median), then app / before. */
  const table = (set, columns) => {
    const widths = [11, 16, 14, 14, 14];
    console.log(`  ${'service worker'.padEnd(48)} ${columns.map(([, h], i) => h.padStart(widths[i])).join(' ')}`);
    for (const [what, way] of WAYS) {
      // A time not seen in a run (the welcome, when the documents' part came first and the
      // page moved on before it was drawn) is left out, and said below.
      const seen = (k) => set[way].map((x) => x[k]).filter((x) => x !== null);
      const m = (k) => (way === 'none' && k === 'offline' ? null : seen(k).length ? median(seen(k)) : null);
      console.log(`  ${what.padEnd(48)} ${columns.map(([k], i) => f(m(k)).padStart(widths[i])).join(' ')}`);
    }
    for (const [what, way] of WAYS) {
      for (const [k, h] of columns) {
        const missed = set[way].filter((x) => x[k] === null).length;
        if (missed && !(way === 'none' && k === 'offline')) console.log(`  ${what}: "${h}" not seen in ${missed} of ${set[way].length} runs`);
      }
    }
    const ratio = (k) => (median(set.app.map((x) => x[k]).filter((x) => x !== null)) / median(set.load.map((x) => x[k]).filter((x) => x !== null))).toFixed(2);
    console.log(`  the app / before: ${columns.map(([k, h]) => `${h} ${ratio(k)}`).join(', ')}`);
  };
  console.log(`first-visit bench: a new phone (4× CPU) on a 1.6 Mbit/s down, 750 kbit/s up, 150 ms line shared by the page and its service worker; median of ${RUNS} runs`);
  table(results, [['start', 'start page'], ['network', 'example network'], ['offline', 'opens offline']]);
  console.log('  (times from navigation; "example network": its page shown after the tap, made once the documents\' part is in)');
  console.log(`  María's invite link (the network and its plan on the server, synced down the same line):`);
  table(invited, [['welcome', 'welcome'], ['network', 'her network'], ['plan', 'the plan'], ['offline', 'opens offline'], ['again', 'again: synced']]);
  console.log('  ("welcome": whom and where the invite registered her, from the server\'s answer, before the documents\' part;');
  console.log('   "the plan": its list of sections drawn after she taps "Plan" as soon as her network shows; these three are taken in the page as they are drawn;');
  console.log('   "again: synced": the plan\'s page opened again, once synced, until it says synced with the server again)');
  if (errors.length) { console.log(`  page errors: ${errors.join('; ')}`); process.exitCode = 1; }
  await founder.close();
} finally {
  await browser.close();
  line.close();
  lineBefore.close();
}
