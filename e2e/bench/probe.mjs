// Shared by the browser benchmarks: percentiles, and the in-page probe that times "open"
// (navigation start → a condition holds on a frame) and keystrokes (keydown → the frame
// after it; keydown → the app's work done, i.e. the input handler and what it starts).

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
  addEventListener('input', () => {
    const start = t0;
    setTimeout(() => window.__work.push(performance.now() - start), 0);
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
