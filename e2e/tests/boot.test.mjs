// A phone on 3G opening Juntas for the first time: the start screen paints long before the
// app's wasm has arrived, says how far the download got, and gives way to the app; a wasm that
// cannot be downloaded is said in Spanish with a way to try again, never a blank page. The
// start page waits for the main part of the wasm only: the documents' part (Automerge) comes
// beside it, the other pages' parts when first opened, and a part that cannot be downloaded is
// said the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, axeViolations, PHONE, BASE_URL } from '../support.mjs';
import { BootScreen, RECORD_BOOT, RECORD_BLANK, RECORD_LOADING } from '../pages/boot.mjs';
import { HomePage } from '../pages/home.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('on a slow phone the start screen shows at once, with the download\'s progress, then the app; a tap before the rest of the app is in says how far it got', async () => {
  // No service worker: its precaching is not slowed by the emulated network, and would bring the
  // documents' part at full speed.
  const context = await newContext(browser, { ...PHONE, serviceWorkers: 'block' });
  await context.addInitScript(RECORD_BOOT);
  await context.addInitScript(RECORD_LOADING);
  const page = await context.newPage();
  const boot = new BootScreen(page);
  await boot.slowPhone();
  let documentsIn = null;
  page.on('requestfinished', (r) => {
    if (/\/split_juntas_docs-[0-9a-f]+\.wasm$/.test(r.url())) page.evaluate(() => performance.now()).then((t) => { documentsIn ??= t; }, () => {});
  });
  await page.goto('/', { waitUntil: 'commit' });
  await boot.root.waitFor();
  assert.match(await boot.root.textContent(), /Abriendo Juntas…/);
  assert.match(await boot.root.textContent(), /Los documentos de la red, escritos entre todas, con o sin señal\./, 'what Juntas is, as the start page says it');
  assert.deepEqual(await axeViolations(page, ['moderate', 'serious', 'critical']), [], 'the start screen has no moderate or worse a11y issue');
  await page.getByTestId('create-example').waitFor({ timeout: 120000 });
  const ready = await page.evaluate(() => performance.now());
  // She taps "Crear red de ejemplo" at once: it waits for the documents' part, and says how far
  // it got meanwhile.
  await page.getByTestId('create-example').click();
  await boot.restOfAppShown(page.getByRole('region', { name: 'Crear red' }));
  assert.deepEqual(await axeViolations(page, ['moderate', 'serious', 'critical']), [], 'the start page waiting for the rest of the app has no moderate or worse a11y issue');
  const fcp = await boot.firstContentfulPaint();
  const states = await boot.states();
  assert.equal(await boot.root.count(), 0, 'the start screen goes when the app is on the page');
  assert.ok(states.some((s) => /^Descargando la app: [1-9]\d? %$/.test(s)), `progress was shown: ${states}`);
  // The bar measures the file that arrives: it is given the size of the wasm it downloads (given
  // the size from before wasm-opt, it stopped at 69 % and jumped). Its steps follow the chunks as
  // they arrive, too coarse on a busy machine to say where it ends.
  const html = await (await fetch(`${BASE_URL}/`)).text();
  const [, wasmFile, barTotal] = /'\/(juntas-[0-9a-f]+_bg\.wasm)', (\d+),/.exec(html);
  const wasmSize = (await (await fetch(`${BASE_URL}/${wasmFile}`)).arrayBuffer()).byteLength;
  assert.equal(Number(barTotal), wasmSize, 'the bar is sized to the wasm as it arrives');
  // With the network shared by the page's requests, the start screen's paint waits for its CSS
  // beside the wasm's download (measured 528-880 ms against a ready app at 1,553-1,770 ms).
  assert.ok(fcp !== null && fcp + 300 < ready, `something painted (${fcp} ms) well before the app was ready (${ready} ms)`);
  // The start page answers before the documents' part (Automerge) has arrived; its actions
  // wait for it.
  for (let i = 0; i < 600 && documentsIn === null; i++) await page.waitForTimeout(100);
  assert.ok(documentsIn !== null && ready < documentsIn, `the start page was ready (${ready} ms) before the documents' part arrived (${documentsIn} ms)`);
  console.log(`  1.6 Mbit/s, 150 ms, CPU 4x: first paint ${Math.round(fcp)} ms, start page ready ${Math.round(ready)} ms, documents' part in ${Math.round(documentsIn)} ms, ${states.length} progress states`);
  await page.getByTestId('network-name').waitFor({ timeout: 60000 });
  const said = await boot.restOfAppSaid();
  assert.ok(said.length >= 2 && said.every((p, i) => i === 0 || p > said[i - 1]), `the rest of the app's progress was said under her tap, rising: ${said}`);
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('a file picked on a first visit before the rest of the app is in says how far it got, then brings her network', async () => {
  // A colleague's phone makes the file she is sent.
  const colleague = await newContext(browser);
  const home = await new HomePage(await colleague.newPage()).goto();
  const file = await (await home.createExample()).downloadBundle();
  await colleague.close();

  const context = await newContext(browser, { ...PHONE, serviceWorkers: 'block' });
  await context.addInitScript(RECORD_LOADING);
  const page = await context.newPage();
  const boot = new BootScreen(page);
  await boot.slowPhone();
  await page.goto('/', { waitUntil: 'commit' });
  // She picks the file as soon as the start page answers: the import waits for the documents'
  // part, and says how far it got meanwhile.
  await page.getByTestId('bundle-import').waitFor({ timeout: 120000 });
  await page.getByTestId('bundle-import').setInputFiles({ name: file.name, mimeType: 'application/octet-stream', buffer: file.bytes });
  await boot.restOfAppShown(page.getByRole('region', { name: 'Importar archivo' }));
  assert.deepEqual(await axeViolations(page, ['moderate', 'serious', 'critical']), [], 'the start page waiting to import has no moderate or worse a11y issue');
  await page.getByTestId('network-name').waitFor({ timeout: 60000 });
  assert.equal(await page.getByTestId('network-name').textContent(), 'Avanzando Juntas');
  const said = await boot.restOfAppSaid();
  assert.ok(said.length >= 2 && said.every((p, i) => i === 0 || p > said[i - 1]), `the rest of the app's progress was said under the import, rising: ${said}`);
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

test('the start page needs the main part of the app only; the documents\' part and a page\'s part that cannot be downloaded are said, with a retry', async () => {
  // No service worker: it would answer the parts from its cache, out of the routes' sight.
  const context = await newContext(browser, { ...PHONE, serviceWorkers: 'block' });
  const page = await context.newPage();
  const wasm = [];
  page.on('request', (r) => { if (/\.(wasm|bin)$/.test(r.url())) wasm.push(new URL(r.url()).pathname.slice(1)); });
  // No part can be downloaded: the start page still opens, and creating a network says why.
  await page.route(/\/(split|chunks?)_[^/]*\.(wasm|bin)$/, (route) => route.abort('internetdisconnected'));
  const home = await new HomePage(page).goto();
  assert.match(wasm[0], /^juntas-[0-9a-f]+_bg\.wasm$/, `the main part first: ${wasm}`);
  await page.getByTestId('create-example').click();
  await page.getByTestId('home-error').filter({ hasText: /\S/ }).waitFor();
  assert.match(await page.getByTestId('home-error').textContent(), /Esta parte de Juntas aún no está en este dispositivo y no se pudo descargar\. Revisa la señal y vuelve a intentarlo/);
  assert.ok(wasm.some((f) => f.startsWith('split_juntas_docs-')), `the documents' part was asked for: ${wasm}`);
  assert.deepEqual(wasm.filter((f) => f.includes('_pages-')), [], 'no page\'s part is asked for on the start page');
  assert.deepEqual(await axeViolations(page, ['moderate', 'serious', 'critical']), [], 'the failure has no moderate or worse a11y issue');
  // With signal, the same button asks for the documents' part again and creates the network;
  // the pages' own parts still cannot be downloaded.
  await page.unroute(/\/(split|chunks?)_[^/]*\.(wasm|bin)$/);
  const pages = /\/split_juntas_(plan|workshop|inquiry)_pages-[^/]*\.wasm$/;
  await page.route(pages, (route) => route.abort('internetdisconnected'));
  const net = await home.createExample();
  // The network's page asks for the parts of the pages it links to ahead, when idle; that they
  // could not be downloaded is nobody's error yet: the page says nothing of it.
  for (let i = 0; i < 200 && !['plan', 'workshop', 'inquiry'].every((g) => wasm.some((f) => f.startsWith(`split_juntas_${g}_pages-`))); i++) await page.waitForTimeout(50);
  assert.ok(['plan', 'workshop', 'inquiry'].every((g) => wasm.some((f) => f.startsWith(`split_juntas_${g}_pages-`))), `the pages' parts were asked for ahead: ${wasm}`);
  await page.waitForTimeout(300);
  assert.equal(await page.getByRole('alert').count(), 0, 'no error is shown on the network page');
  assert.deepEqual(page.__errors ?? [], []);

  await page.route(/\/(split|chunks?)_[^/]*\.(wasm|bin)$/, (route) => route.abort('internetdisconnected'));
  await page.getByTestId('nav-plan').click();
  const missing = page.getByTestId('page-not-downloaded');
  await missing.waitFor();
  assert.match(await missing.textContent(), /No se pudo abrir esta página/);
  assert.match(await missing.textContent(), /no se pudo descargar\. Revisa la señal y vuelve a intentarlo/);
  assert.ok(wasm.filter((f) => f.startsWith('split_juntas_plan_pages-')).length >= 2, `the plan's part was asked for again: ${wasm}`);
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
  await page.unroute(/\/(split|chunks?)_[^/]*\.(wasm|bin)$/);
  await page.unroute(pages);
  await retry.click();
  await page.locator('[data-testid="plan-missing"], [data-testid="plan-section"]').first().waitFor();
  assert.equal(await page.evaluate(() => window.__sameApp), true, 'the page came without a reload');
  assert.equal(await missing.count(), 0);
  await net.openMembers();
  assert.deepEqual(page.__errors ?? [], []);

  // Started again with no signal, then opening the network with signal: its page brings the
  // documents' part that failed at start, and opens them at once (not "could not be downloaded").
  await page.route(/\/(split|chunks?)_[^/]*\.(wasm|bin)$/, (route) => route.abort('internetdisconnected'));
  await page.goto('/');
  await page.getByTestId('network-link').first().waitFor();
  await page.getByTestId('create-example').click();
  await page.getByTestId('home-error').filter({ hasText: /no se pudo descargar/ }).waitFor();
  await page.unroute(/\/(split|chunks?)_[^/]*\.(wasm|bin)$/);
  await page.getByTestId('network-link').first().click();
  await page.getByTestId('network-name').waitFor();
  assert.equal(await missing.count(), 0);
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('the documents\' small parts cut off halfway are said, with a retry; trying again downloads them whole and creates the network', async () => {
  // No service worker: it would answer the file from its cache, out of the route's sight.
  const context = await newContext(browser, { ...PHONE, serviceWorkers: 'block' });
  const page = await context.newPage();
  // The documents' part's small shared parts are one file of many modules: the line drops
  // halfway through it, so the first modules arrive whole and the rest do not.
  const docs = /\/chunks_juntas_docs-[0-9a-f]+\.bin$/;
  let cut = 0;
  await page.route(docs, async (route) => {
    const whole = await (await route.fetch()).body();
    cut += 1;
    await route.fulfill({ status: 200, contentType: 'application/octet-stream', body: whole.subarray(0, Math.floor(whole.length / 2)) });
  });
  // The part's own file does not come at all (so what arrived is known to the byte).
  const own = /\/split_juntas_docs-[0-9a-f]+\.wasm$/;
  await page.route(own, (route) => route.abort('internetdisconnected'));
  const home = await new HomePage(page).goto();
  await page.getByTestId('create-example').click();
  await page.getByTestId('home-error').filter({ hasText: /\S/ }).waitFor({ timeout: 60000 });
  assert.match(await page.getByTestId('home-error').textContent(), /Esta parte de Juntas aún no está en este dispositivo y no se pudo descargar\. Revisa la señal y vuelve a intentarlo/);
  assert.ok(cut >= 1, 'the documents\' small parts were cut off');
  // How far it got is at most what arrived: its third file whole, half of the small parts',
  // none of its own. The start page asked for the part as it opened, and her tap again: each
  // download counted from nothing, not added up (two downloads' bytes had said "100 %").
  const sizes = Object.fromEntries([...(/z=\{([^}]*)\}/.exec(await page.content())[1].matchAll(/'([^']+)':(\d+)/g))].map((m) => [m[1], Number(m[2])]));
  const files = Object.keys(sizes);
  assert.equal(files.length, 3, `the documents' part's files: ${files}`);
  const total = files.reduce((t, f) => t + sizes[f], 0);
  const third = files.find((f) => !docs.test(f) && !own.test(f));
  const pack = sizes[files.find((f) => docs.test(f))];
  const truly = Math.floor((sizes[third] + Math.floor(pack / 2)) * 100 / total);
  // (The third file may still be arriving as the failure is said, or the loader may have
  // stopped reading it: at most that, then.)
  const said = async () => {
    await page.waitForTimeout(1000);
    return page.evaluate(() => window.__juntasDocs);
  };
  assert.ok(truly < 100);
  const first = await said();
  assert.ok(first > 0 && first <= truly, `how far it got, after the first try: ${first} %, of at most ${truly} %`);
  // Trying again on the same line, it is cut off again at the same byte: how far it got is
  // the same.
  const cutBefore = cut;
  // While it tries, the last try's failure is not shown.
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="home-error"]');
    window.__errorCleared = false;
    new MutationObserver(() => { if (el.textContent === '') window.__errorCleared = true; })
      .observe(el, { childList: true, characterData: true, subtree: true });
  });
  await page.getByTestId('create-example').click();
  await page.waitForFunction(() => window.__errorCleared);
  await page.getByTestId('home-error').filter({ hasText: 'Revisa la señal' }).waitFor({ timeout: 60000 });
  assert.ok(cut > cutBefore, 'the retry downloaded them again');
  const again = await said();
  assert.ok(again > 0 && again <= truly, `how far it got, after the retry: ${again} %, of at most ${truly} %: counted from nothing again`);
  // With signal, the same button downloads it again, whole, and creates the network.
  await page.unroute(docs);
  await page.unroute(own);
  const net = await home.createExample();
  assert.equal(await net.name(), 'Avanzando Juntas');
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('a tab opened before an update: a part the server no longer has says there is a new version, and "Recargar" opens the page; with no signal it says so', async () => {
  // The server answers a file of an earlier version with "not found", not with the app's page.
  const probe = await newContext(browser);
  const gone = await probe.request.get('/split_juntas_plan_pages-0123456789abcdef.wasm');
  assert.equal(gone.status(), 404, 'a part the server does not have is not found');
  assert.equal(gone.headers()['cache-control'], 'no-store', 'and nothing keeps that answer');
  assert.doesNotMatch(await gone.text(), /<html/i);
  await probe.close();

  // No service worker: it would answer the parts from its cache, out of the route's sight.
  const context = await newContext(browser, { ...PHONE, serviceWorkers: 'block' });
  const page = await context.newPage();
  // The tab opened before the server was updated: the plan's part of its version is gone.
  const plan = /\/split_juntas_plan_pages-[^/]*\.wasm$/;
  const wasm = [];
  page.on('requestfinished', (r) => { if (/\.(wasm|bin)$/.test(r.url())) wasm.push(new URL(r.url()).pathname); });
  let asked = 0;
  const notFound = (route) => {
    asked += 1;
    return route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not found' });
  };
  await page.route(plan, notFound);
  await (await new HomePage(page).goto()).createExample();
  // Asked for ahead, when idle, it is nobody's error yet; the parts asked for after it (the
  // workshops', the inquiries') download, and do not hide that it was gone.
  for (let i = 0; i < 300 && !wasm.some((p) => p.startsWith('/split_juntas_inquiry_pages-')); i++) await page.waitForTimeout(50);
  assert.ok(asked >= 1 && wasm.some((p) => p.startsWith('/split_juntas_inquiry_pages-')), `the plan's part, then the inquiries', were asked for ahead: ${wasm}`);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => globalThis.__juntasLastFail), 'gone', 'the latest failed download was told its part is gone');
  assert.equal(await page.getByRole('alert').filter({ hasText: /\S/ }).count(), 0, 'no error is shown on the network page');

  // In the basement the same part cannot be downloaded for want of signal: that is what she
  // is told, though the server had said it is gone before.
  await page.unroute(plan);
  await page.route(plan, (route) => route.abort('internetdisconnected'));
  await page.getByTestId('nav-plan').click();
  const missing = page.getByTestId('page-not-downloaded');
  await missing.waitFor();
  assert.match(await missing.textContent(), /Revisa la señal y vuelve a intentarlo/);

  // With signal, trying again: the server says the part is gone. A new version, and a reload.
  await page.unroute(plan);
  await page.route(plan, notFound);
  await missing.getByRole('button', { name: 'Reintentar' }).click();
  const updated = page.getByTestId('app-updated');
  await updated.waitFor();
  assert.match(await updated.textContent(), /Hay una versión nueva de Juntas/);
  assert.match(await updated.textContent(), /Recarga la página para seguir con la nueva; lo que escribiste sigue guardado en este dispositivo/);
  assert.doesNotMatch(await updated.textContent(), /Revisa la señal/, 'not told to look for signal she has');
  assert.equal(await page.getByTestId('page-not-downloaded').count(), 0);
  assert.deepEqual(await axeViolations(page, ['moderate', 'serious', 'critical']), [], 'the notice has no moderate or worse a11y issue');
  assert.deepEqual(page.__errors ?? [], [], 'the app goes on (a missing part is not a panic)');

  // The update done, "Recargar" opens the plan in the version the server has.
  await page.unroute(plan);
  await page.evaluate(() => { window.__sameApp = true; });
  await Promise.all([page.waitForEvent('load'), updated.getByRole('button', { name: 'Recargar' }).click()]);
  await page.locator('[data-testid="plan-missing"], [data-testid="plan-section"]').first().waitFor();
  assert.equal(await page.evaluate(() => window.__sameApp), undefined, 'the page was reloaded');
  assert.equal(await page.getByTestId('app-updated').count(), 0);
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('her network shows without its panels\' part; a panel opened while that part cannot be downloaded says so in place, and opens with signal', async () => {
  // No service worker: it would answer the parts from its cache, out of the routes' sight.
  const context = await newContext(browser, { ...PHONE, serviceWorkers: 'block' });
  const page = await context.newPage();
  const wasm = [];
  page.on('request', (r) => { if (/\.(wasm|bin)$/.test(r.url())) wasm.push(new URL(r.url()).pathname.slice(1)); });
  const tools = /\/split_juntas_tools-[^/]*\.wasm$/;
  await page.route(tools, (route) => route.abort('internetdisconnected'));
  const aheadFailed = page.waitForEvent('requestfailed', { predicate: (r) => tools.test(r.url()), timeout: 30000 });
  const net = await (await new HomePage(page).goto()).createExample();
  // The page asks for it ahead, when idle; that it could not be downloaded is nobody's error yet.
  await aheadFailed;
  await page.waitForTimeout(300);
  assert.equal(await page.getByRole('alert').filter({ hasText: /\S/ }).count(), 0, 'no error is shown on the network page');

  // "Compartir archivo" opened with no signal: why, and a retry, in the panel.
  const share = page.getByTestId('share-file');
  await share.locator(':scope > summary').click();
  const missing = share.getByTestId('part-not-downloaded');
  await missing.waitFor();
  assert.match(await missing.textContent(), /Esta parte de Juntas aún no está en este dispositivo y no se pudo descargar\. Revisa la señal y vuelve a intentarlo/);
  assert.deepEqual(await axeViolations(page, ['moderate', 'serious', 'critical']), [], 'the panel\'s failure has no moderate or worse a11y issue');
  assert.deepEqual(page.__errors ?? [], [], 'the app goes on (a failed part is not a panic)');
  // With signal, trying again brings the panel in place; "Invitar" then opens at once.
  await page.unroute(tools);
  await missing.getByRole('button', { name: 'Reintentar' }).click();
  await share.getByTestId('bundle-download').waitFor();
  assert.equal(await missing.count(), 0);
  const file = await net.downloadBundle();
  assert.ok(file.bytes.subarray(0, 8).equals(Buffer.from('JUNTAS-B')), 'the panel gives the network\'s file');
  // This device is not registered with the server for the network it made: "Invitar" says so.
  const invite = page.getByTestId('invite');
  await invite.locator(':scope > summary').click();
  await invite.getByTestId('invite-no-key').waitFor();
  // Closed and opened again, a panel keeps what it showed (an invite's link is shown once).
  await invite.getByTestId('invite-no-key').evaluate((e) => { e.__kept = true; });
  await invite.locator(':scope > summary').click();
  await invite.locator(':scope > summary').click();
  assert.equal(await invite.evaluate((d) => d.open), true);
  assert.equal(await invite.getByTestId('invite-no-key').evaluate((e) => e.__kept === true), true, 'the same body, not made again');
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('a page of a network opened by its address asks for its parts with the main part, says how far the rest of the app got, an invite link once it is in, each once', async () => {
  // No service worker (it would answer from its cache); the browser's cache emptied before each
  // address, so each is a first visit of that page.
  const context = await newContext(browser, { ...PHONE, serviceWorkers: 'block' });
  await context.addInitScript(RECORD_BLANK);
  await context.addInitScript(RECORD_LOADING);
  const page = await context.newPage();
  await (await new HomePage(page).goto()).createExample();
  const id = new URL(page.url()).pathname.split('/')[2];
  const boot = new BootScreen(page);
  const cdp = await boot.slowPhone();
  const addresses = [
    { path: `/red/${id}`, group: 'docs', shown: page.getByTestId('network-name') },
    { path: `/red/${id}/plan`, group: 'plan_pages', shown: page.locator('[data-testid="plan-missing"], [data-testid="plan-section"]').first() },
    { path: `/red/${id}/arbol`, group: 'workshop_pages', shown: page.getByTestId('tree-create') },
    { path: `/red/${id}/indagacion`, group: 'inquiry_pages', shown: page.locator('[data-testid="no-inquiries"], [data-testid="inquiry-card"]').first() },
  ];
  for (const { path, group, shown } of addresses) {
    await cdp.send('Network.clearBrowserCache');
    const asked = [];
    const arrived = new Map();
    const onRequest = (r) => { if (/\.(wasm|bin)$/.test(r.url())) asked.push({ file: new URL(r.url()).pathname.slice(1), at: Date.now() }); };
    const onFinished = (r) => { if (/\.(wasm|bin)$/.test(r.url())) arrived.set(new URL(r.url()).pathname.slice(1), Date.now()); };
    page.on('request', onRequest);
    page.on('requestfinished', onFinished);
    await page.goto(path);
    if (group === 'docs') {
      // While the rest of the app downloads, she sees how far it got.
      await boot.restOfAppShown();
      assert.deepEqual(await axeViolations(page, ['moderate', 'serious', 'critical']), [], `${path}: the download's progress has no moderate or worse a11y issue`);
    }
    await shown.waitFor({ timeout: 120000 });
    page.off('request', onRequest);
    page.off('requestfinished', onFinished);
    const main = asked.find((a) => /^juntas-[0-9a-f]+_bg\.wasm$/.test(a.file));
    const mainIn = arrived.get(main?.file);
    assert.ok(main && mainIn, `${path}: the main part was downloaded: ${JSON.stringify(asked)}`);
    for (const part of ['docs', group]) {
      const asking = asked.find((a) => a.file.startsWith(`split_juntas_${part}-`));
      assert.ok(asking && asking.at < mainIn, `${path}: juntas_${part} was asked for (${asking?.at}) before the main part arrived (${mainIn})`);
    }
    // Playwright reports the loader's fetch served by the preload as a request of its own; the
    // page's resource timing lists what went to the network.
    const files = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((r) => /\.(wasm|bin)$/.test(r.name)).map((r) => new URL(r.name).pathname.slice(1)));
    assert.deepEqual(files.filter((f, i) => files.indexOf(f) !== i), [], `${path}: no part is downloaded twice: ${files}`);
    assert.ok(files.some((f) => f.startsWith(`split_juntas_${group}-`)), `${path}: ${files}`);
    // The documents' part's small shared parts come in one file (they were 14 requests).
    assert.equal(files.filter((f) => /^chunks_juntas_docs-[0-9a-f]+\.bin$/.test(f)).length, 1, `${path}: the documents' small parts in one file: ${files}`);
    // While its parts download, the header is never alone: "Cargando…" is under it.
    assert.equal(await page.evaluate(() => window.__blank), 0, `${path}: the header was shown with nothing under it`);
    assert.equal(await page.getByTestId('route-pending').isVisible(), false, `${path}: "Cargando…" went once the page was there`);
    // The documents' part is what every page of a network waits for first: its progress rises.
    const said = await boot.restOfAppSaid();
    assert.ok(said.length >= 2 && said.every((p, i) => i === 0 || p > said[i - 1]), `${path}: the rest of the app's progress was said, rising: ${said}`);
    console.log(`  ${path.replace(id, '…')}: ${files.length} files, the page shown after ${Math.round((Date.now() - asked[0].at))} ms`);
  }
  // An invite link: the main part alone first (it says whom and where the invite registered
  // her, or that the link is no invite), then the documents' part, asked for as soon as the
  // main part is in; each file once. (The page's resource timing: Playwright reports a
  // response finished some ms after the page has read it.)
  await cdp.send('Network.clearBrowserCache');
  await page.goto('/unirse#invitacion=no-es-una-invitacion');
  await page.getByTestId('invite-error').waitFor({ timeout: 120000 });
  const wasm = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((r) => /\.(wasm|bin)$/.test(r.name))
    .map((r) => ({ file: new URL(r.name).pathname.slice(1), start: r.startTime, end: r.responseEnd })));
  const mainPart = wasm.find((w) => /^juntas-[0-9a-f]+_bg\.wasm$/.test(w.file));
  const docsPart = wasm.find((w) => w.file.startsWith('split_juntas_docs-'));
  assert.ok(mainPart && docsPart && docsPart.start >= mainPart.end, `/unirse: the documents' part asked for once the main part was in: ${JSON.stringify(wasm)}`);
  const files = wasm.map((w) => w.file);
  assert.deepEqual(files.filter((f, i) => files.indexOf(f) !== i), [], `/unirse: no part is downloaded twice: ${files}`);
  assert.equal(await page.getByTestId('page-not-downloaded').count(), 0);
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});
