// Shared by the browser benchmarks: percentiles, and the in-page probe that times "open"
// (navigation start → a condition holds on a frame) and keystrokes (keydown → the frame
// after it; input event → the app's work done, i.e. its handler and the microtasks it queued).

import { writeFileSync } from 'node:fs';

export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
export const median = (xs) => pct(xs, 50);
export const stats = (xs) => [pct(xs, 50), pct(xs, 95), Math.max(...xs), xs.length];

export const PROBE = () => {
  window.__paints = [];
  window.__work = [];
  let t0 = 0;
  addEventListener('keydown', (e) => {
    t0 = e.timeStamp;
    requestAnimationFrame(() => setTimeout(() => window.__paints.push(performance.now() - t0), 0));
  }, true);
  // Bubbling to window, this runs after the field's own handler and the microtasks it
  // queued (the app's futures run there): input event -> the app's synchronous work done.
  addEventListener('input', (e) => {
    window.__work.push(performance.now() - e.timeStamp);
  });
  const tick = () => {
    if (window.__until && window.__opened === undefined) {
      try { if (window.__until()) window.__opened = performance.now(); } catch {}
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};

/** Loads `url` and returns ms from navigation start until `until` (a JS function source) holds. */
export async function openTime(page, url, until) {
  await page.goto(url);
  await page.evaluate(`window.__until = ${until}`);
  await page.waitForFunction(() => window.__opened !== undefined, null, { timeout: 60000 });
  return page.evaluate(() => window.__opened);
}

/** A plain `<textarea>` holding `value`, with no handler of the app's, added to the page: the
 *  floor keystroke -> paint can reach on this machine. Returns its selector. */
export async function plainTextarea(page, value) {
  await page.evaluate((v) => {
    const t = document.createElement('textarea');
    t.id = 'bench-plain';
    t.rows = 12;
    t.value = v;
    document.body.prepend(t);
  }, value);
  return '#bench-plain';
}

/** Types `n` keys at the end of `selector`; returns { paint, work } samples in ms. */
export async function keystrokes(page, selector, n, text) {
  const box = page.locator(selector).first();
  await box.click();
  await page.keyboard.press('Control+End');
  await page.evaluate(() => { window.__paints = []; window.__work = []; });
  for (let i = 0; i < n; i++) await page.keyboard.type(text[i % text.length], { delay: 25 });
  await page.waitForTimeout(500);
  return page.evaluate(() => ({ paint: window.__paints, work: window.__work }));
}

/** With JUNTAS_BENCH_PROFILE=1 (or =FILE.cpuprofile, kept for DevTools), starts a CPU profile
 *  of `page`; `stop()` prints the top self times. Without it, returns null. Build the app with
 *  `data-keep-debug` on its rust link to see function names instead of wasm indices. */
export async function startProfile(context, page) {
  const where = process.env.JUNTAS_BENCH_PROFILE;
  if (!where) return null;
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  return {
    async stop() {
      const { profile } = await cdp.send('Profiler.stop');
      if (where.endsWith('.cpuprofile')) writeFileSync(where, JSON.stringify(profile));
      const self = new Map();
      profile.samples.forEach((id, k) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0)));
      const byName = new Map();
      for (const n of profile.nodes) {
        const name = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}`;
        byName.set(name, (byName.get(name) ?? 0) + (self.get(n.id) ?? 0) / 1000);
      }
      for (const [name, ms] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  profile ${ms.toFixed(1).padStart(8)} ms  ${name}`);
    },
  };
}
