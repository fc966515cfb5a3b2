// A damaged document: it says it cannot open and why, offers its bytes, and the rest works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, newContext, corruptDocument } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('corrupt bytes in one document leave the others working', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const home = await new HomePage(page).goto();
  const good = await home.createNetwork('Red sana', 'SLEP Sano');
  const goodUrl = good.url();
  await home.goto();
  const bad = await home.createNetwork('Red dañada', 'SLEP Roto');
  const badUrl = bad.url();
  const docId = badUrl.split('/red/')[1];

  // Something wrote garbage under that document's key (a bad disk, a buggy extension…).
  await corruptDocument(page, docId);

  await page.goto(badUrl);
  await page.getByTestId('open-error').waitFor();
  assert.match(await page.getByTestId('open-error').textContent(), /No se pudo abrir este documento/);
  assert.match(await page.getByTestId('open-error-reason').textContent(), /dañado|damaged/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-raw').click()]);
  assert.match(download.suggestedFilename(), /\.automerge$/);
  const bytes = readFileSync(await download.path());
  assert.ok(bytes.length > 9, `the export holds the document's chunks too (${bytes.length} bytes)`);

  await page.goto(goodUrl);
  const net = await new NetworkPage(page).waitReady();
  assert.equal(await net.name(), 'Red sana');
  await net.addCentre('Jardín Nuevo', 'Macul');
  await net.waitSaved();
  await context.close();
});

test('edits set aside after a refusal that cannot be read are said, not shown as none', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const home = await new HomePage(page).goto();
  const net = await home.createNetwork('Red con apartados', 'SLEP Apartado');
  const url = net.url();
  const docId = url.split('/red/')[1];
  // The edits this device set aside for that document are damaged (listed, but not JSON).
  await page.evaluate(async (id) => {
    const db = await new Promise((ok, err) => { const r = indexedDB.open('automerge'); r.onsuccess = () => ok(r.result); r.onerror = () => err(r.error); });
    const tx = db.transaction('documents', 'readwrite');
    const key = [id, 'set-aside'];
    tx.objectStore('documents').put({ key, binary: new TextEncoder().encode('[{"path": [') }, key);
    await new Promise((ok) => { tx.oncomplete = ok; });
    db.close();
    localStorage.setItem('juntas.set_aside', JSON.stringify([id]));
  }, docId);
  await page.goto(url);
  const said = page.getByTestId('set-aside-unreadable');
  await said.waitFor();
  assert.match(await said.textContent(), /guarda cambios que hiciste y que el servidor no aceptó, pero no puede leerlos\. Siguen guardados aquí/);
  assert.match(await said.textContent(), /dañado/);
  assert.equal(await page.getByTestId('set-aside-item').count(), 0);
  // She can take them whole, as stored.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('set-aside-export').click()]);
  assert.equal(download.suggestedFilename(), `apartado-${docId}.json`);
  assert.equal(readFileSync(await download.path(), 'utf8'), '[{"path": [');
  // The network works all the same.
  await new NetworkPage(page).waitReady();
  await context.close();
});
