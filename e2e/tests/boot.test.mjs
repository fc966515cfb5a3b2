// A phone on 3G opening Juntas for the first time: the start screen paints long before the
// app's wasm has arrived, says how far the download got, and gives way to the app; a wasm that
// cannot be downloaded is said in Spanish with a way to try again, never a blank page. The
// start page waits for the main part of the wasm only; the other pages' parts come when first
// opened, and a part that cannot be downloaded is said the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, axeViolations, PHONE } from '../support.mjs';
import { BootScreen, RECORD_BOOT } from '../pages/boot.mjs';
import { HomePage } from '../pages/home.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('on a slow phone the start screen shows at once, with the download\'s progress, then the app', async () => {
  const context = await newContext(browser, PHONE);
  await context.addInitScript(RECORD_BOOT);
  const page = await context.newPage();
  const boot = new BootScreen(page);
  await boot.slowPhone();
  await page.goto('/', { waitUntil: 'commit' });
  await boot.root.waitFor();
  assert.match(await boot.root.textContent(), /Abriendo Juntas…/);
  assert.match(await boot.root.textContent(), /Los documentos de la red, escritos entre todas, con o sin señal\./, 'what Juntas is, as the start page says it');
  assert.deepEqual(await axeViolations(page, ['moderate', 'serious', 'critical']), [], 'the start screen has no moderate or worse a11y issue');
  await page.getByTestId('create-example').waitFor({ timeout: 120000 });
  const ready = await page.evaluate(() => performance.now());
  const fcp = await boot.firstContentfulPaint();
  const states = await boot.states();
  assert.equal(await boot.root.count(), 0, 'the start screen goes when the app is on the page');
  assert.ok(states.some((s) => /^Descargando la app: [1-9]\d? %$/.test(s)), `progress was shown: ${states}`);
  // The bar measures the file that arrives: it climbs past 90 %, it does not stop short and jump.
  assert.ok(states.some((s) => /^Descargando la app: 9\d %$/.test(s)), `the bar reached the 90s: ${states}`);
  assert.ok(fcp !== null && fcp < ready / 2, `something painted (${fcp} ms) long before the app was ready (${ready} ms)`);
  console.log(`  1.6 Mbit/s, 150 ms, CPU 4x: first paint ${Math.round(fcp)} ms, start page ready ${Math.round(ready)} ms, ${states.length} progress states`);
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('a wasm that cannot be downloaded is said in Spanish, and trying again opens the app', async () => {
  const context = await newContext(browser, PHONE);
  const page = await context.newPage();
  const boot = new BootScreen(page);
  await page.route('**/*_bg.wasm', (route) => route.abort('internetdisconnected'));
  await page.goto('/');
  await boot.error().waitFor();
  assert.match(await boot.error().textContent(), /No se pudo abrir Juntas\. Revisa la señal y vuelve a intentarlo/);
  assert.equal(await boot.retry().textContent(), 'Volver a intentar');
  assert.deepEqual(await axeViolations(page, ['moderate', 'serious', 'critical']), [], 'the failure has no moderate or worse a11y issue');
  await page.unroute('**/*_bg.wasm');
  await boot.retry().click();
  await page.getByTestId('create-example').waitFor();
  assert.equal(await boot.root.count(), 0);
  await context.close();
});

test('the start page waits for the main part of the app only; a page\'s part comes when it first opens, and one that cannot is said, with a retry', async () => {
  // No service worker: it would answer the parts from its cache, out of the routes' sight.
  const context = await newContext(browser, { ...PHONE, serviceWorkers: 'block' });
  const page = await context.newPage();
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname.slice(1)); });
  const net = await new HomePage(page).goto().then((home) => home.createExample());
  assert.equal(wasm.length, 1, `the start page and a network's centres need the main part only: ${wasm}`);
  assert.match(wasm[0], /^juntas-[0-9a-f]+_bg\.wasm$/);

  await page.route(/\/(split|chunk)_[^/]*\.wasm$/, (route) => route.abort('internetdisconnected'));
  await page.getByTestId('nav-plan').click();
  const missing = page.getByTestId('page-not-downloaded');
  await missing.waitFor();
  assert.match(await missing.textContent(), /No se pudo abrir esta página/);
  assert.match(await missing.textContent(), /no se pudo descargar\. Revisa la señal y vuelve a intentarlo/);
  assert.ok(wasm.some((f) => f.startsWith('split_juntas_plan_pages-')), `the plan's part was asked for: ${wasm}`);
  assert.deepEqual(await axeViolations(page, ['moderate', 'serious', 'critical']), [], 'the failure has no moderate or worse a11y issue');
  assert.deepEqual(page.__errors ?? [], [], 'the app goes on (a failed part is not a panic)');

  // Trying again with still no signal says the same, and can be tried again.
  const retry = missing.getByRole('button', { name: 'Reintentar' });
  await page.evaluate(() => { window.__sameApp = true; });
  const asked = wasm.length;
  await retry.click();
  for (let i = 0; i < 200 && wasm.length <= asked; i++) await page.waitForTimeout(50);
  assert.ok(wasm.length > asked, 'trying again asked for the part again');
  await page.waitForFunction(() => !document.querySelector('[data-testid="page-not-downloaded"] button')?.disabled);
  assert.equal(await missing.count(), 1);
  // With signal, the page comes in place: the same app, no reload (offline, a reload would
  // lose the app itself on a first visit).
  await page.unroute(/\/(split|chunk)_[^/]*\.wasm$/);
  await retry.click();
  await page.locator('[data-testid="plan-missing"], [data-testid="plan-section"]').first().waitFor();
  assert.equal(await page.evaluate(() => window.__sameApp), true, 'the page came without a reload');
  assert.equal(await missing.count(), 0);
  await net.openMembers();
  assert.ok(wasm.some((f) => f.startsWith('split_juntas_network_pages-')), `the members page came with its own part: ${wasm}`);
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});
