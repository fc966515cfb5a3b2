// A device whose storage is full: the change stays on screen and reaches the others, the badge
// says what happened in the person's words, "Reintentar" stores it once there is room, and
// nothing claims "Guardado" before it is true.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, PHONE, BASE_URL } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';

const KEY = process.env.JUNTAS_ACCESS_KEY;
const CENTRE = 'Jardín Sin Espacio';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/**
 * Chromium's quota for the app's origin: `bytes`, or back to normal with none. The override
 * lasts while the DevTools session that set it is attached, so the session is kept per page.
 */
const sessions = new WeakMap();
async function setQuota(context, page, bytes) {
  if (!sessions.has(page)) sessions.set(page, await context.newCDPSession(page));
  const origin = new URL(BASE_URL).origin;
  await sessions.get(page).send('Storage.overrideQuotaForOrigin', bytes === undefined ? { origin } : { origin, quotaSize: bytes });
}

/**
 * Chromium caches how much room an origin has for about 30 s, so a new quota takes effect a
 * little later. Probes with a tiny write in a throwaway database until writes `fail` (or succeed).
 */
async function waitForWrites(page, fail) {
  const deadline = Date.now() + 90000;
  for (;;) {
    const outcome = await page.evaluate(async () => {
      const db = await new Promise((ok, err) => {
        const r = indexedDB.open('quota-probe');
        r.onupgradeneeded = () => r.result.createObjectStore('s');
        r.onsuccess = () => ok(r.result);
        r.onerror = () => err(r.error);
      });
      const tx = db.transaction('s', 'readwrite');
      tx.objectStore('s').put(new Uint8Array(100), 'k');
      const done = await new Promise((ok) => {
        tx.oncomplete = () => ok('stored');
        tx.onabort = () => ok(tx.error?.name ?? 'aborted');
      });
      db.close();
      return done;
    });
    if ((outcome !== 'stored') === fail) return;
    if (Date.now() > deadline) throw new Error(`writes never ${fail ? 'failed' : 'succeeded'}: ${outcome}`);
    await page.waitForTimeout(1000);
  }
}

async function saveText(net) {
  return (await net.saveState().textContent()).trim();
}

test('a full device keeps the change, says so, and stores it once there is room', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const net = await new HomePage(page).foundExample('Ignacio Vargas');
  await net.waitSaved();
  // The app kept for offline use first: the full device below would refuse the service
  // worker's copy of the app's files too (43 of them), and the offline reload at the end needs it.
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });

  // The device runs out of space; the principal adds a centre anyway.
  await setQuota(context, page, 1000);
  await waitForWrites(page, true);
  await net.addCentre(CENTRE, 'Lo Prado');
  await page.waitForFunction(() => /No queda espacio/.test(document.querySelector('[data-testid="save-state"]')?.textContent ?? ''));
  assert.equal(await net.centre(CENTRE).count(), 1, 'the new centre stays on screen');
  assert.doesNotMatch(await saveText(net), /Guardado en este dispositivo/);

  // It still reached the server: another device sees it.
  const link = await net.inviteLink('Rodrigo Pérez');
  const other = await newContext(browser, PHONE);
  const phone = await other.newPage();
  await phone.goto(link);
  const b = await new NetworkPage(phone).waitReady();
  await b.centre(CENTRE).waitFor({ timeout: 20000 });

  // "Reintentar" while still full: still the truth, not "Guardado".
  await page.getByTestId('save-retry').click();
  await page.waitForFunction(() => /No queda espacio/.test(document.querySelector('[data-testid="save-state"]')?.textContent ?? ''));

  // Room again: one press stores it.
  await setQuota(context, page);
  await waitForWrites(page, false);
  await page.getByTestId('save-retry').click();
  await net.waitSaved();

  // Proof it is on the device: offline, reloaded, read from IndexedDB alone.
  await context.setOffline(true);
  await page.reload();
  await net.waitReady();
  await net.centre(CENTRE).waitFor();

  assert.deepEqual(page.__errors ?? [], []);
  assert.deepEqual(phone.__errors ?? [], []);
  await other.close();
  await context.close();
});
