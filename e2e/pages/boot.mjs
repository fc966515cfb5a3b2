// Page object: the start screen index.html paints before the app's wasm arrives (public/boot.mjs
// fills in the download's progress or why it failed), and slow-phone conditions through CDP.

/** Records every text the start screen's state line shows (install before the page loads). */
export const RECORD_BOOT = () => {
  window.__boot = [];
  new MutationObserver(() => {
    const text = document.getElementById('boot-state')?.textContent;
    if (text && window.__boot.at(-1) !== text) window.__boot.push(text);
  }).observe(document, { subtree: true, childList: true, characterData: true });
};

/** Records whether the app's header was ever on the page with nothing under it: no text of a
 * page, nor "Cargando…" (install before the page loads; `window.__blank` counts such moments). */
export const RECORD_BLANK = () => {
  window.__blank = 0;
  new MutationObserver(() => {
    const header = document.querySelector('.app-header');
    if (header && document.body.innerText.trim() === header.innerText.trim()) window.__blank += 1;
  }).observe(document, { subtree: true, childList: true, characterData: true });
};

/** Records every text a page waiting for its part of the app says ("Cargando…", or on a first
 * visit how much of the rest of the app has arrived), in order (install before the page loads). */
export const RECORD_LOADING = () => {
  window.__loading = [];
  new MutationObserver(() => {
    for (const e of document.querySelectorAll('[data-testid="loading"]')) {
      const text = e.textContent;
      if (text && window.__loading.at(-1) !== text) window.__loading.push(text);
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
};

const REST_OF_APP = /^Descargando el resto de la app: (\d+) %$/;

export class BootScreen {
  constructor(page) {
    this.page = page;
    this.root = page.locator('#boot');
  }

  /** A mid-range phone on 3G: 1.6 Mbit/s down, 150 ms, its CPU four times slower. */
  async slowPhone() {
    // Conditions set on a blank tab were once lost when its first navigation moved it to the
    // origin's renderer (a CI run downloaded everything at full speed): a blank tab first goes
    // to a small file of the origin (no script, no service worker), so they hold from there.
    if (this.page.url() === 'about:blank') await this.page.goto('/icons/icon.svg');
    const cdp = await this.page.context().newCDPSession(this.page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    return cdp;
  }

  /** The percentages of the rest of the app (the documents' part) a waiting page said, in
   * order (`RECORD_LOADING`). */
  async restOfAppSaid() {
    const said = await this.page.evaluate(() => window.__loading ?? []);
    return said.map((t) => REST_OF_APP.exec(t)?.[1]).filter(Boolean).map(Number);
  }

  /** `within`'s "how much of the rest of the app has arrived", once it says 1-99 %. */
  restOfAppShown(within = this.page) {
    return within.getByTestId('loading').filter({ hasText: /^Descargando el resto de la app: [1-9]\d? %$/ }).first().waitFor({ timeout: 60000 });
  }

  /** What the state line said, in order. */
  states() {
    return this.page.evaluate(() => window.__boot ?? []);
  }

  /** When the first text was painted, in ms since navigation. */
  firstContentfulPaint() {
    return this.page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
  }

  error() {
    return this.page.locator('#boot-error');
  }

  retry() {
    return this.page.locator('#boot-retry');
  }
}
