// Shared set-up for the journeys: Debian's Chromium through playwright-core (no browser
// download), contexts for a laptop or a phone, and an axe-core scan.
import { chromium } from 'playwright-core';
import { readFileSync, mkdtempSync, cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:8080';

/** A one-time link (path) that makes its opener a network's first facilitator, made with the
 * operator's key as `cargo xtask run` does. */
export async function claimLink() {
  const res = await fetch(`${BASE_URL}/api/claim-links`, {
    method: 'POST', headers: { Authorization: `Bearer ${process.env.JUNTAS_ACCESS_KEY}` },
  });
  if (!res.ok) throw new Error(`claim link: ${res.status} ${await res.text()}`);
  return (await res.json()).path;
}

/** A juntas-server of the journey's own, on a copy of the built app that the journey may
 * change as a deploy would (`dist`: an update while a tab is open), with data of its own.
 * `JUNTAS_DIST` and `JUNTAS_SERVER_BIN` point at another build (the repository's by default). */
export async function ownServer() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dist = mkdtempSync(join(tmpdir(), 'juntas-dist-'));
  cpSync(process.env.JUNTAS_DIST ?? join(root, 'dist'), dist, { recursive: true });
  const data = mkdtempSync(join(tmpdir(), 'juntas-data-'));
  const bin = process.env.JUNTAS_SERVER_BIN ?? join(root, 'target/server/juntas-server');
  const removeDirs = () => {
    rmSync(dist, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  };
  // A free port, asked for and let go: another process may take it meanwhile, so a server that
  // stops at once is started again on another.
  for (let attempt = 1; ; attempt++) {
    const port = await new Promise((resolve, reject) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address();
        probe.close(() => resolve(port));
      }).on('error', reject);
    });
    const child = spawn(bin, ['--port', String(port), '--data', data, '--dist', dist], {
      env: { ...process.env, JUNTAS_ACCESS_KEY: process.env.JUNTAS_ACCESS_KEY ?? 'e2e-access-key-not-a-secret' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    let failed = null;
    child.once('error', (e) => { failed = e; });
    const exited = new Promise((resolve) => child.once('close', resolve));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null && !failed) {
        child.kill();
        await exited;
      }
    };
    const url = `http://127.0.0.1:${port}`;
    let last = '';
    for (let i = 0; i < 100 && !failed && child.exitCode === null; i++) {
      try {
        const res = await fetch(`${url}/healthz`);
        if (res.ok) return { url, dist, async stop() { await stop(); removeDirs(); } };
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = String(e);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
    if (failed || attempt === 3 || child.exitCode === null) {
      removeDirs();
      throw new Error(`${bin} did not start on ${url}: ${failed ?? last}`);
    }
  }
}

const ARGS = [
  '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const EXECUTABLE = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const PHONE = { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 };
export const LAPTOP = { viewport: { width: 1280, height: 800 } };

export function launch() {
  return chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ARGS });
}

/** A browser with a profile on disk, so closing and reopening it is a real browser restart. */
export function newProfileDir() {
  return mkdtempSync(join(tmpdir(), 'juntas-profile-'));
}

/** `extraArgs`: more Chromium switches (a benchmark's `--js-flags=…`). */
export function launchProfile(dir, device = LAPTOP, extraArgs = []) {
  return chromium.launchPersistentContext(dir, {
    executablePath: EXECUTABLE, headless: true, args: [...ARGS, ...extraArgs], baseURL: BASE_URL, ...device,
  });
}

/** A school's network filter that drops the sync's WebSocket from `page` until `lift()`:
 * `tries` counts the connection attempts it saw, `tried` resolves at the first. */
export async function syncFilter(page) {
  let sawTry;
  const filter = { blocked: true, tries: 0, tried: new Promise((r) => { sawTry = r; }) };
  filter.lift = () => { filter.blocked = false; };
  await page.routeWebSocket(/\/sync/, (ws) => {
    filter.tries++;
    sawTry();
    if (filter.blocked) ws.close();
    else ws.connectToServer();
  });
  return filter;
}

export async function newContext(browser, device = LAPTOP) {
  const context = await browser.newContext({ baseURL: BASE_URL, ...device });
  context.on('page', watchErrors);
  return context;
}

/** Fails loudly on uncaught page errors (a Rust panic shows up here), and when the tab's
 * document worker cannot start or stops (the app then parses documents on the page's thread,
 * which only shows as a slower page: said here so that no journey passes without it). */
export function watchErrors(page) {
  page.on('pageerror', (e) => { page.__errors = [...(page.__errors ?? []), e.message]; });
  page.on('console', (m) => {
    if (m.text().includes('the document worker is not available')) page.__errors = [...(page.__errors ?? []), m.text()];
  });
  page.on('dialog', (d) => d.accept());
}

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Accessibility violations on the current page at the given impacts (serious and critical
 * unless told). */
export async function axeViolations(page, impacts = ['serious', 'critical']) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const JSQR = readFileSync(require.resolve('jsqr/dist/jsQR.js'), 'utf8');

/** Scans the QR code drawn (as SVG) inside `locator`, as a phone camera would; its text or null. */
export async function scanQr(locator) {
  await locator.page().evaluate(JSQR);
  return locator.evaluate(async (el) => {
    const xml = new XMLSerializer().serializeToString(el.querySelector('svg'));
    const img = new Image();
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`;
    await img.decode();
    const size = 480;
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = size;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    ctx.drawImage(img, 0, 0, size, size);
    const { data } = ctx.getImageData(0, 0, size, size);
    return window.jsQR(data, size, size)?.data ?? null;
  });
}

/** Writes garbage under document `docId`'s key in this browser's storage, as a bad disk or a
 *  buggy extension would: the next load of that document finds a corrupt chunk. */
export async function corruptDocument(page, docId) {
  await page.evaluate(async (id) => {
    const db = await new Promise((ok, err) => { const r = indexedDB.open('automerge'); r.onsuccess = () => ok(r.result); r.onerror = () => err(r.error); });
    const tx = db.transaction('documents', 'readwrite');
    const key = [id, 'incremental', 'f'.repeat(64)];
    tx.objectStore('documents').put({ key, binary: new Uint8Array([0x85, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 5]) }, key);
    await new Promise((ok) => { tx.oncomplete = ok; });
    db.close();
  }, docId);
}

/** Removes the reading kept beside document `docId` under `name` (as a device that never
 *  opened it has none): the next page that shows it must have it made again. */
export async function forgetReading(page, docId, name) {
  await page.evaluate(async ([id, view]) => {
    const db = await new Promise((ok, err) => { const r = indexedDB.open('automerge'); r.onsuccess = () => ok(r.result); r.onerror = () => err(r.error); });
    const tx = db.transaction('documents', 'readwrite');
    tx.objectStore('documents').delete([id, 'view', view]);
    await new Promise((ok) => { tx.oncomplete = ok; });
    db.close();
  }, [docId, name]);
}
