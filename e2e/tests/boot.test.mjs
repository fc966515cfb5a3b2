// A phone on 3G opening Juntas for the first time: the start screen paints long before the
// app's wasm has arrived, says how far the download got, and gives way to the app; a wasm that
// cannot be downloaded is said in Spanish with a way to try again, never a blank page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, axeViolations, PHONE } from '../support.mjs';
import { BootScreen, RECORD_BOOT } from '../pages/boot.mjs';

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
