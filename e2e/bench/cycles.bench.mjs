// `cargo xtask bench cycles`, browser half. Exit tickets: the facilitator's laptop shows a
// workshop's results while 15 principals' phones answer within 10 s through the server;
// measured, per run, the time from the last phone's answer to the frame on the projector that
// shows all 15 (goal <= 1 s p95). Run charts: a measure with 200 points — opening the cycle's
// page until the chart is drawn, and one more point entered until the frame that redraws it
// (goal <= 50 ms for the chart's own work).
// Env: BASE_URL, JUNTAS_ACCESS_KEY; JUNTAS_BENCH_RUNS (5), JUNTAS_BENCH_PHONES (15).
import { launch, newContext, PHONE, LAPTOP } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';
import { WorkshopPage } from '../pages/workshop.mjs';
import { PROBE, stats, openTime } from './probe.mjs';

const RUNS = Number(process.env.JUNTAS_BENCH_RUNS ?? 5);
const PHONES = Number(process.env.JUNTAS_BENCH_PHONES ?? 15);
const PRINCIPALS = ['María González', 'Carolina Muñoz', 'Patricia Rojas', 'Claudia Díaz', 'Verónica Soto',
  'Alejandra Contreras', 'Marcela Silva', 'Paola Martínez', 'Andrea Sepúlveda', 'Lorena Morales',
  'Francisca Rodríguez', 'Ximena Fuentes', 'Gloria Araya', 'Daniela Espinoza', 'Sandra Castillo'];
const f = (x) => x.toFixed(1);
const line = (xs) => { const [p50, p95, max, n] = stats(xs); return `p50 ${f(p50)} ms, p95 ${f(p95)} ms, max ${f(max)} ms, n=${n}`; };

const browser = await launch();
try {
  const fContext = await newContext(browser, LAPTOP);
  await fContext.addInitScript(PROBE);
  const fPage = await fContext.newPage();
  const errors = [];
  fPage.on('pageerror', (e) => errors.push(e.message));
  const fNet = await new HomePage(fPage).foundExample('Ignacio Vargas');
  const fac = new WorkshopPage(fPage);
  const base = new URL(fPage.url()).pathname.replace(/\/$/, '');
  const phones = [];
  for (const name of PRINCIPALS.slice(0, PHONES)) {
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
    await page.goto(await fNet.inviteLink(name));
    await new NetworkPage(page).waitReady();
    phones.push(page);
  }

  const lastToAll = [];
  for (let r = 0; r < RUNS; r++) {
    await fPage.goto(`${base}/talleres`);
    await fac.create(`Taller de prueba ${r + 1}`, 'Sala');
    const url = new URL(fPage.url()).pathname;
    await fNet.waitSync('synced');
    await Promise.all(phones.map(async (p) => {
      await p.goto(url);
      await p.getByTestId('ticket-q3-5').waitFor({ timeout: 60000 });
    }));
    await fPage.evaluate((n) => { window.__opened = undefined; window.__until = () => document.querySelector('[data-testid="ticket-count"]')?.textContent.includes(`: ${n} de`); }, PHONES);
    // Within 10 s: one phone after another, 10 s / 15 apart.
    let last = 0;
    for (let i = 0; i < phones.length; i++) {
      await phones[i].getByTestId(`ticket-q3-${1 + (i % 5)}`).check();
      last = Date.now();
      if (i + 1 < phones.length) await new Promise((ok) => setTimeout(ok, 10000 / PHONES));
    }
    await fPage.waitForFunction(() => window.__opened !== undefined, null, { timeout: 60000 });
    const [opened, origin] = await fPage.evaluate(() => [window.__opened, performance.timeOrigin]);
    lastToAll.push(origin + opened - last);
  }

  // A 200-point run chart.
  await fPage.goto(`${base}/talleres`);
  await fac.createCycle(1, 'Ciclo de prueba');
  await fac.addMeasure('Asistencia', '%', '85');
  const cycleUrl = new URL(fPage.url()).pathname;
  for (let d = 0; d < 200; d++) {
    const day = new Date(Date.UTC(2026, 0, 1) + d * 86400000).toISOString().slice(0, 10);
    await fPage.getByTestId('point-day').fill(day);
    await fPage.getByTestId('point-centre').selectOption({ index: 1 + (d % 15) });
    await fPage.getByTestId('point-value').fill(String(70 + ((d * 7) % 23)));
    await fPage.getByTestId('point-add').click();
    await fPage.waitForFunction((n) => document.querySelectorAll('[data-testid="chart-point"]').length === n, d + 1);
  }
  const drawn = (n) => `() => document.querySelectorAll('[data-testid="chart-point"]').length === ${n}`;
  const open = [];
  for (let r = 0; r < RUNS; r++) open.push(await openTime(fPage, cycleUrl, drawn(200)));
  const redraw = [];
  for (let r = 0; r < RUNS; r++) {
    const day = new Date(Date.UTC(2026, 0, 1) + (200 + r) * 86400000).toISOString().slice(0, 10);
    await fPage.getByTestId('point-day').fill(day);
    await fPage.getByTestId('point-centre').selectOption({ index: 1 });
    await fPage.getByTestId('point-value').fill('80');
    await fPage.evaluate((u) => { window.__opened = undefined; window.__until = eval(u); }, drawn(201 + r));
    const t0 = await fPage.evaluate(() => performance.now());
    await fPage.getByTestId('point-add').click();
    await fPage.waitForFunction(() => window.__opened !== undefined, null, { timeout: 30000 });
    redraw.push((await fPage.evaluate(() => window.__opened)) - t0);
  }
  // The chart alone: back to the list and into the cycle again inside the app (the document
  // is already in memory): the click -> the frame with all its points drawn; side by side, the
  // same for a cycle with no measure (the page's own cost), so the difference is the chart's.
  await fPage.locator('main.cycle a.back').click();
  await fac.createCycle(2, 'Ciclo sin medidas');
  const render = [], bare = [];
  const points = 200 + RUNS;
  const reopen = async (title, until, into) => {
    await fPage.locator('main.cycle a.back').click();
    await fPage.getByTestId('cycle-open').filter({ hasText: title }).waitFor();
    await fPage.evaluate((u) => { window.__opened = undefined; window.__until = eval(u); }, until);
    const t0 = await fPage.evaluate(() => performance.now());
    await fPage.getByTestId('cycle-open').filter({ hasText: title }).click();
    await fPage.waitForFunction(() => window.__opened !== undefined, null, { timeout: 30000 });
    into.push((await fPage.evaluate(() => window.__opened)) - t0);
  };
  for (let r = 0; r < RUNS; r++) {
    await reopen('Ciclo de prueba', drawn(points), render);
    await reopen('Ciclo sin medidas', `() => document.querySelector('[data-testid="cycle-heading"]')?.textContent.includes('sin medidas') && document.querySelector('[id="sheet-proximo_ciclo"]')`, bare);
  }
  const chartOnly = render.map((t, i) => t - bare[i]);
  console.log(`cycles bench: ${PHONES} phones, ${RUNS} runs`);
  console.log(`  exit ticket, the last phone's answer -> the projector's frame showing all ${PHONES}: ${line(lastToAll)} (${f(stats(lastToAll)[1] / 1000)}x the 1 s goal at p95)`);
  console.log(`  a 200-point run chart: open the cycle's page (navigation -> chart drawn): ${line(open)}`);
  console.log(`  one more point entered -> the frame with the chart redrawn (stored on the device first): ${line(redraw)}`);
  console.log(`  the cycle's page with its ${points}-point chart opened again in the app (click -> frame drawn): ${line(render)}`);
  console.log(`  the same page of a cycle with no measure, side by side: ${line(bare)}`);
  console.log(`  the chart's share (each pair's difference): ${line(chartOnly)} (${f(stats(chartOnly)[1] / 50)}x the 50 ms goal at p95)`);
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  await Promise.all(phones.map((p) => p.context().close()));
  await fContext.close();
} finally {
  await browser.close();
}
