// After one visit the app opens with no connection, with the data on the device.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { launch, newContext, ownServer, PHONE } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { PlanPage } from '../pages/plan.mjs';
import { InquiryPage } from '../pages/inquiry.mjs';
import { TreePage } from '../pages/tree.mjs';
import { WorkshopPage } from '../pages/workshop.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the app boots offline from the service worker cache with its data', async () => {
  const context = await newContext(browser, PHONE);
  const page = await context.newPage();
  const net = await new HomePage(page).goto().then((h) => h.createExample());
  const card = await net.editCentre('Jardín Infantil Lucerito');
  await net.setField(card, 'centre-enrolment', '64');
  await net.centre('Jardín Infantil Lucerito').getByTestId('centre-figures').filter({ hasText: '64' }).waitFor();
  await net.waitSaved();
  // The service worker has precached the app.
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.waitForFunction(async () => (await caches.keys()).some((k) => k.startsWith('juntas-')));
  const url = page.url();

  await context.setOffline(true);
  await page.goto(url);
  await net.waitReady();
  assert.match(await net.centre('Jardín Infantil Lucerito').textContent(), /64 niños y niñas/);
  // An edit offline is saved on the device just the same.
  const again = await net.editCentre('Jardín Infantil Lucerito');
  await net.setField(again, 'centre-leave', '2');
  await net.waitSaved();
  await page.reload();
  await net.waitReady();
  assert.equal(await net.name(), 'Avanzando Juntas');
  // Every other page is a part of the app downloaded when first opened: the service worker
  // precached them all on the first visit, so each opens offline though none was opened online.
  // Watched on the context: a file the service worker fetches itself (not in its cache) is its
  // request, not the page's, and would fail out of the page's sight.
  const failed = [];
  context.on('requestfailed', (r) => failed.push(r.url()));
  await new PlanPage(page).open();
  await new InquiryPage(page).open();
  await new TreePage(page).open();
  await new WorkshopPage(page).open();
  await net.openMembers();
  assert.deepEqual(failed, [], 'nothing the pages needed was missing');
  assert.equal(await page.getByTestId('page-not-downloaded').count(), 0);
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('the service worker waits for the documents\' part, then the app opens offline from the start page', async () => {
  // On a first visit the precache (every part of the app) would share a phone's line with the
  // parts the page waits for: it is asked for once they are in.
  const context = await newContext(browser, PHONE);
  const inFlight = new Set();
  const docsIn = [];
  let swAsked = null;
  context.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path === '/sw.js' && swAsked === null) swAsked = { inFlight: [...inFlight], docsIn: docsIn.length };
    if (/\.(wasm|bin)$/.test(path) && !r.serviceWorker()) inFlight.add(path);
  });
  const done = (r) => {
    const path = new URL(r.url()).pathname;
    if (!inFlight.delete(path)) return;
    if (/^\/split_juntas_docs-[0-9a-f]+\.wasm$/.test(path)) docsIn.push(path);
  };
  context.on('requestfinished', done);
  context.on('requestfailed', done);
  const page = await context.newPage();
  const home = await new HomePage(page).goto();
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  assert.ok(swAsked, 'the service worker was asked for');
  assert.equal(swAsked.docsIn, 1, 'after the documents\' part had arrived');
  assert.deepEqual(swAsked.inFlight, [], 'while no part of the page was still downloading');

  // Only the start page was visited: with no connection it opens, and its documents' part is
  // there for "Crear red de ejemplo".
  await context.setOffline(true);
  await page.reload();
  const net = await home.createExample();
  assert.equal(await net.name(), 'Avanzando Juntas');
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('a tab opened before an update still opens its other pages with no signal: the previous version\'s files stay until the next update', async () => {
  // A server of its own, whose app this journey updates as a deploy would.
  const server = await ownServer();
  let context;
  try {
    context = await newContext(browser, { ...PHONE, baseURL: server.url });
    const page = await context.newPage();
    const home = await new HomePage(page).goto();
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const versions = () => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('juntas-') && k !== 'juntas-meta'));
    const first = await versions();
    assert.equal(first.length, 1, `one version's files: ${first}`);

    // The server is updated while her tab stays open on the start page: the update's service
    // worker has files of its own (here index.html, and what `files` adds), and her version's
    // parts are gone from the server.
    const sw = readFileSync(join(server.dist, 'sw.js'), 'utf8');
    let deploys = 0;
    const deploy = (version, files = []) => {
      const file = join(server.dist, 'sw.js');
      writeFileSync(file, sw
        .replace(/const VERSION = '[^']*';/, `const VERSION = '${version}';`)
        .replace(/const PRECACHE = \[[^\]]*\];/, `const PRECACHE = ${JSON.stringify(['/index.html', ...files])};`));
      // Each deploy's file is newer by whole seconds: two within one second would have the
      // same Last-Modified, and the browser's check for an update would be told "not modified".
      deploys += 1;
      const when = new Date(Date.now() + deploys * 2000);
      utimesSync(file, when, when);
      for (const f of readdirSync(server.dist)) {
        if (/^sw\.js\.(br|gz)$/.test(f) || /^(split|chunks?)_/.test(f)) rmSync(join(server.dist, f));
      }
    };
    // The update's worker takes over her tab.
    const update = async (version) => {
      deploy(version);
      await page.evaluate(async () => {
        const taken = new Promise((resolve, reject) => {
          navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true });
          setTimeout(() => reject(new Error('the update\'s service worker did not take over the tab in 30 s')), 30000);
        });
        await (await navigator.serviceWorker.getRegistration()).update();
        await taken;
      });
      // Activated: the worker has put away the versions it does not keep.
      await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated');
      return versions();
    };
    assert.deepEqual(await update('an-update'), [...first, 'juntas-an-update'], 'her version\'s files stay beside the new one\'s');

    // In the basement, with no signal, her tab (its version) makes the example network and
    // opens pages whose parts it had never asked for, from her version's files: the browser's
    // own cache, which kept them too as the worker downloaded them, is emptied first.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.clearBrowserCache');
    await context.setOffline(true);
    const missing = [];
    context.on('requestfailed', (r) => missing.push(new URL(r.url()).pathname));
    context.on('response', (r) => { if (!r.ok()) missing.push(new URL(r.url()).pathname); });
    const net = await home.createExample();
    assert.equal(await net.name(), 'Avanzando Juntas');
    await new PlanPage(page).open();
    await new WorkshopPage(page).open();
    assert.deepEqual(missing.filter((p) => /\.(wasm|bin)$/.test(p)), [], 'no part of her version was missing');
    assert.equal(await page.locator('[data-testid="page-not-downloaded"], [data-testid="app-updated"]').count(), 0);
    assert.deepEqual(page.__errors ?? [], []);
    await context.setOffline(false);

    // An update whose download fails halfway (a file it lists is not there) leaves nothing
    // behind, and takes nothing away.
    deploy('broken', ['/no-such-file-0123456789abcdef.js']);
    const state = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      const found = new Promise((resolve, reject) => {
        reg.addEventListener('updatefound', () => resolve(reg.installing), { once: true });
        setTimeout(() => reject(new Error('no update was found in 30 s')), 30000);
      });
      await reg.update();
      const w = await found;
      if (w.state !== 'redundant') {
        await new Promise((resolve) => w.addEventListener('statechange', () => { if (w.state === 'redundant') resolve(); }));
      }
      return w.state;
    });
    assert.equal(state, 'redundant', 'the broken update was not installed');
    assert.deepEqual(await versions(), [...first, 'juntas-an-update'], 'nothing of the broken update is kept, and nothing of hers went');

    // The next update keeps the one that was active before it, and no other: a device keeps
    // two versions' files.
    assert.deepEqual(await update('another-update'), ['juntas-an-update', 'juntas-another-update'], 'the oldest version\'s files go');
  } finally {
    await context?.close();
    await server.stop();
  }
});
