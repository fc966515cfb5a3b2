// `cargo xtask bench first-visit`: a principal's first visit on a phone over 3G, the service
// worker included. Through a line of 1.6 Mbit/s and 150 ms (./slow-line.mjs, which slows the
// service worker's requests too: CDP's emulation does not) at 4× CPU, on a new device each run:
// when the start page answers, when the example network's page shows after "Crear red de
// ejemplo" is tapped as soon as it is there (it waits for the documents' part), and when the app
// would open with no connection (the service worker active, its precache done).
// Three ways, interleaved, RUNS runs each, the median reported:
// - the service worker registered as the page loads (what the app did before: an init script
//   registers it on `load`, so the app's own later call finds it registered);
// - as the app does it (once the documents' part is in);
// - no service worker (the floor: nothing else on the line).
// Env: BASE_URL, CHROME_PATH.
import { chromium } from 'playwright-core';
import { BASE_URL, PHONE } from '../support.mjs';
import { median } from './probe.mjs';
import { slowLine } from './slow-line.mjs';

const RUNS = Number(process.env.JUNTAS_BENCH_RUNS ?? 3);
const WAYS = [
  ['registered as the page loads (before)', 'load'],
  ['registered once the documents are in (the app)', 'app'],
  ['no service worker (floor)', 'none'],
];

const line = await slowLine(BASE_URL);
const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
const errors = [];
try {
  const results = Object.fromEntries(WAYS.map(([, way]) => [way, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const [, way] of WAYS) {
      const context = await browser.newContext({ ...PHONE, baseURL: line.url, serviceWorkers: way === 'none' ? 'block' : 'allow' });
      if (way === 'load') {
        await context.addInitScript(() => {
          addEventListener('load', () => navigator.serviceWorker?.register('/sw.js'));
        });
      }
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: 4 });
      await page.goto('/', { waitUntil: 'commit' });
      await page.getByTestId('create-example').waitFor({ timeout: 180000 });
      const start = await page.evaluate(() => performance.now());
      await page.getByTestId('create-example').click();
      await page.getByTestId('network-name').waitFor({ timeout: 180000 });
      const network = await page.evaluate(() => performance.now());
      const offline = way === 'none' ? null : await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
        return performance.now();
      });
      results[way].push({ start, network, offline });
      await context.close();
    }
  }
  const f = (x) => (x === null ? '—' : `${(x / 1000).toFixed(2)} s`);
  console.log(`first-visit bench: a new phone (4× CPU) on a 1.6 Mbit/s, 150 ms line shared by the page and its service worker; median of ${RUNS} runs`);
  console.log(`  ${'service worker'.padEnd(48)} ${'start page'.padStart(11)} ${'example network'.padStart(16)} ${'opens offline'.padStart(14)}`);
  for (const [what, way] of WAYS) {
    const m = (k) => (way === 'none' && k === 'offline' ? null : median(results[way].map((x) => x[k])));
    console.log(`  ${what.padEnd(48)} ${f(m('start')).padStart(11)} ${f(m('network')).padStart(16)} ${f(m('offline')).padStart(14)}`);
  }
  const ratio = (k) => (median(results.app.map((x) => x[k])) / median(results.load.map((x) => x[k]))).toFixed(2);
  console.log(`  the app / before: start page ${ratio('start')}, example network ${ratio('network')}, opens offline ${ratio('offline')}`);
  console.log('  (times from navigation; "example network": its page shown after the tap, made once the documents\' part is in)');
  if (errors.length) { console.log(`  page errors: ${errors.join('; ')}`); process.exitCode = 1; }
} finally {
  await browser.close();
  line.close();
}
