// Page object: the operating plan — sections and commissions, a common section's editor, a
// centre's plan (adopt, write, deliver, review), the SLEP's table and the print view.

import { iAm } from './network.mjs';

export class PlanPage {
  constructor(page) {
    this.page = page;
  }

  /** Who this device's person is: checked on a registered device, chosen on another. */
  async iAm(name) {
    await iAm(this.page, name);
  }

  async open() {
    await this.page.getByTestId('nav-plan').click();
    await this.page.locator('[data-testid="plan-missing"], [data-testid="plan-section"]').first().waitFor();
    return this;
  }

  /** Picks the year whose plan the pages show ("Año"); waits for that year's first page. */
  async pickYear(year) {
    await this.page.getByTestId('plan-year').selectOption(String(year));
    await this.page.getByTestId('plan-title').filter({ hasText: String(year) }).waitFor();
    await this.page.locator('[data-testid="plan-missing"], [data-testid="plan-section"]').first().waitFor();
  }

  async title() {
    return (await this.page.getByTestId('plan-title').textContent()).trim();
  }

  async create() {
    await this.page.getByTestId('plan-create').click();
    await this.sections().first().waitFor();
  }

  sections() {
    return this.page.getByTestId('plan-section');
  }

  section(id) {
    return this.page.locator(`[data-testid="plan-section"][data-id="${id}"]`);
  }

  async showAll() {
    const box = this.page.getByTestId('only-mine');
    if (await box.isChecked()) await box.uncheck();
  }

  async assign(sectionId, commission) {
    await this.showAll();
    await this.section(sectionId).getByTestId('section-commission').selectOption({ label: commission });
    await this.page.waitForFunction(([id, c]) => {
      const sel = document.querySelector(`[data-testid="plan-section"][data-id="${id}"] [data-testid="section-commission"]`);
      return sel && sel.selectedOptions[0]?.textContent === c;
    }, [sectionId, commission]);
  }

  async openSection(sectionId) {
    await this.section(sectionId).getByTestId('open-section').click();
    await this.page.getByTestId('section-page').waitFor();
  }

  async backToPlan() {
    await this.page.getByTestId('back-to-plan').click();
    await this.sections().first().waitFor();
  }

  /** Opens a common section, types `text` into it and goes back to the list. */
  async writeSection(sectionId, text) {
    await this.openSection(sectionId);
    await this.typeAtEnd(text);
    await this.waitBodyContains(text);
    await this.body().blur();
    await this.backToPlan();
  }

  body() {
    return this.page.getByTestId('section-body');
  }

  /** Types at the end of the section's text, key by key, like a person. */
  async typeAtEnd(text) {
    const box = this.body();
    await box.click();
    await box.press('End');
    await this.page.keyboard.press('Control+End');
    await this.page.keyboard.type(text, { delay: 5 });
  }

  /** Types at the very start of the section's text. */
  async typeAtStart(text) {
    await this.body().click();
    await this.page.keyboard.press('Control+Home');
    await this.page.keyboard.type(text, { delay: 5 });
  }

  /** Puts the caret right after the first `text` in the section, as a tap there would. */
  async placeCaretAfter(text) {
    await this.body().evaluate((box, t) => {
      box.focus();
      const at = box.value.indexOf(t) + t.length;
      box.setSelectionRange(at, at);
    }, text);
  }

  /** Where the caret is in the section's box and the text just before it. */
  async caret() {
    return this.body().evaluate((box) => ({ at: box.selectionStart, before: box.value.slice(0, box.selectionStart) }));
  }

  /** Adds a comment to the open section. */
  async comment(text) {
    await this.page.getByTestId('comment-input').fill(text);
    await this.page.getByTestId('comment-add').click();
    await this.page.getByTestId('comment').filter({ hasText: text }).waitFor();
  }

  /** Waits until the open section shows a comment containing `text`. */
  async waitComment(text, timeout = 20000) {
    await this.page.getByTestId('comment').filter({ hasText: text }).waitFor({ timeout });
  }

  /** What the device kept aside after the server refused it: [{ why, text }]. */
  async setAside(timeout = 20000) {
    await this.page.getByTestId('set-aside-item').first().waitFor({ timeout });
    return this.page.getByTestId('set-aside-item').evaluateAll((items) => items.map((i) => ({
      why: i.querySelector('[data-testid="set-aside-why"]').textContent,
      text: i.querySelector('[data-testid="set-aside-text"]').value,
    })));
  }

  async waitBodyContains(text, timeout = 15000) {
    await this.page.waitForFunction(
      (t) => document.querySelector('[data-testid="section-body"]')?.value.includes(t), text, { timeout },
    );
  }

  async setStatus(label) {
    await this.page.getByTestId('section-status-select').selectOption({ label });
  }

  /** The section's current status as its select shows it. */
  async status() {
    const sel = this.page.getByTestId('section-status-select');
    return sel.evaluate((s) => s.selectedOptions[0]?.textContent.trim());
  }

  /** Notes saying two people set a field at once. */
  conflicts() {
    return this.page.getByTestId('section-conflict');
  }

  /** "Confirmar lo guardado" on the first conflict note; waits until it is settled here. */
  async confirmConflict() {
    await this.conflicts().first().getByTestId('conflict-confirm').click();
    await this.conflicts().first().waitFor({ state: 'detached' });
  }

  /** Opens the page's "Historial" box; resolves to its lines once read. */
  async history() {
    await this.page.getByTestId('history-open').click();
    await this.page.getByTestId('history-entry').first().waitFor();
    return this.page.getByTestId('history-entry').allTextContents();
  }

  /** Waits until the open history has a line matching `pattern` signed by its author's
   * device (a check mark: the signature reached this device and checked). */
  async waitSignedLine(pattern, timeout = 20000) {
    const line = this.page.getByTestId('history-entry').filter({ hasText: pattern })
      .and(this.page.locator('[data-signed="yes"]')).first();
    await line.waitFor({ timeout });
    return line.textContent();
  }

  // ── A centre's plan
  async openMyCentrePlan() {
    await this.page.getByTestId('my-centre-plan').click();
    await this.page.locator('[data-testid="plan-state"]').waitFor();
  }

  state() {
    return this.page.getByTestId('plan-state');
  }

  async waitState(text, timeout = 15000) {
    await this.page.waitForFunction(
      (t) => document.querySelector('[data-testid="plan-state"]')?.textContent.trim() === t, text, { timeout },
    );
  }

  centreSection(id) {
    return this.page.locator(`[data-testid="centre-section"][data-id="${id}"]`);
  }

  async adopt() {
    await this.page.getByTestId('adopt').first().click();
    await this.page.getByTestId('not-adopted').waitFor({ state: 'detached' });
  }

  /** Waits for "Hay cambios en la parte común", opens "Ver cambios"; resolves to the changes. */
  async commonChanges(timeout = 20000) {
    await this.page.getByTestId('common-changed').waitFor({ timeout });
    await this.page.getByTestId('common-changes-open').click();
    return this.page.getByTestId('common-change').allTextContents();
  }

  /** Adopts the changed common part; waits for the notice to go. */
  async adoptChanges() {
    await this.page.getByTestId('common-changed').getByTestId('adopt').click();
    await this.page.getByTestId('common-changed').waitFor({ state: 'detached' });
  }

  /** A centre section's comments box (its list and form are drawn when first opened). */
  centreComments(sectionId) {
    return this.centreSection(sectionId).getByTestId('centre-comments');
  }

  async writeLocal(sectionId, text) {
    const box = this.centreSection(sectionId).getByTestId('local-text');
    await box.click();
    await this.page.keyboard.press('Control+End');
    await this.page.keyboard.type(text, { delay: 2 });
    await box.blur();
  }

  /** Clicks "Entregar al SLEP"; resolves to { ok, text, missing, rows, wait }: `rows` are the
   * missing sections as "code title — who writes it", `wait` the line saying she waits for others. */
  async deliver() {
    const outcome = this.page.locator('[data-testid="deliver-ok"], [data-testid="deliver-error"]');
    // A previous attempt's message must go before this attempt's is read.
    const stale = await outcome.first().elementHandle({ timeout: 100 }).catch(() => null);
    await this.page.getByTestId('deliver').click();
    if (stale) await stale.waitForElementState('hidden');
    await outcome.first().waitFor();
    const ok = (await outcome.first().getAttribute('data-testid')) === 'deliver-ok';
    return {
      ok,
      text: await outcome.first().textContent(),
      missing: ok ? [] : await this.page.getByTestId('missing-section').allTextContents(),
      rows: ok ? [] : await this.page.getByTestId('missing-row').allTextContents(),
      wait: ok ? null : await this.page.getByTestId('deliver-wait').textContent({ timeout: 500 }).catch(() => null),
    };
  }

  // ── SLEP
  async openReviewTable() {
    await this.page.getByTestId('plan-review-table').click();
    await this.page.getByTestId('review-table').waitFor();
  }

  row(centreName) {
    return this.page.getByTestId('review-row').filter({ hasText: centreName });
  }

  async waitRowState(centreName, state, timeout = 15000) {
    await this.row(centreName).getByTestId('row-state').filter({ hasText: state }).waitFor({ timeout });
  }

  async openRow(centreName) {
    await this.row(centreName).getByTestId('review-open').click();
    await this.page.getByTestId('plan-state').waitFor();
  }

  async observe(sectionId, observation, note) {
    await this.centreSection(sectionId).getByTestId('observe-section').fill(observation);
    await this.page.getByTestId('review-note').fill(note);
    await this.page.getByTestId('review-observe').click();
  }

  async approve(note) {
    await this.page.getByTestId('review-note').fill(note);
    await this.page.getByTestId('review-approve').click();
  }

  /** What the page said where the reviewer tapped (it stays after the review panel goes). */
  async reviewDone() {
    return this.page.getByTestId('review-done').textContent();
  }

  // ── Print
  async openPrint() {
    await this.page.getByTestId('print-link').click();
    await this.page.getByTestId('print-heading').first().waitFor();
  }
}
