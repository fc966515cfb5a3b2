// Page object: workshops — the list and "Nuevo taller", the exit ticket on a phone (text
// boxes saved as she pauses or leaves them, the 1–5 scale), and the results with "Cerrar el ticket".

export class WorkshopPage {
  constructor(page) {
    this.page = page;
  }

  async open() {
    await this.page.getByTestId('nav-workshops').click();
    await this.page.locator('[data-testid="no-workshops"], [data-testid="workshop-open"]').first().waitFor();
  }

  /** The facilitator makes a workshop with the default exit ticket; resolves on its page. */
  async create(title, place) {
    await this.page.getByTestId('workshop-title').fill(title);
    await this.page.getByTestId('workshop-place').fill(place);
    await this.page.getByTestId('workshop-create').click();
    await this.page.getByTestId('workshop-heading').waitFor();
  }

  async openWorkshop(title) {
    await this.page.getByTestId('workshop-open').filter({ hasText: title }).click();
    await this.page.getByTestId('workshop-heading').waitFor();
  }

  /** Answers the two texts and the scale (each saved as it changes). */
  async answer(take, doubt, score) {
    await this.page.getByTestId('ticket-q1').fill(take);
    await this.page.getByTestId('ticket-q1').blur();
    await this.page.getByTestId('ticket-q2').fill(doubt);
    await this.page.getByTestId('ticket-q2').blur();
    await this.page.getByTestId(`ticket-q3-${score}`).check();
    await this.page.getByTestId('ticket-state').waitFor();
  }

  state() {
    return this.page.getByTestId('ticket-state').textContent();
  }

  async waitCount(n, timeout = 20000) {
    await this.page.getByTestId('ticket-count').filter({ hasText: new RegExp(`: ${n} de`) }).waitFor({ timeout });
  }

  /** How many chose 1…5. */
  async scale() {
    return (await this.page.getByTestId('scale-count').allTextContents()).map(Number);
  }

  texts() {
    return this.page.getByTestId('ticket-text').allTextContents();
  }

  // ── Improvement cycles

  /** The facilitator makes a cycle; resolves on its page. */
  async createCycle(number, title, aim = {}, links = []) {
    await this.page.getByTestId('cycle-number').fill(String(number));
    await this.page.getByTestId('cycle-title').fill(title);
    for (const [part, text] of Object.entries(aim)) await this.page.getByTestId(`cycle-aim-${part}`).fill(text);
    for (const name of links) {
      await this.page.locator('label.check').filter({ hasText: name }).getByTestId('cycle-link').check();
    }
    await this.page.getByTestId('cycle-create').click();
    await this.page.getByTestId('cycle-heading').waitFor();
  }

  async openCycle(title) {
    await this.page.getByTestId('cycle-open').filter({ hasText: title }).click();
    await this.page.getByTestId('cycle-heading').waitFor();
  }

  /** Types at the end of a worksheet field key by key (every key goes to the document). */
  async typeSheet(field, text) {
    const box = this.page.locator(`[id="sheet-${field}"]`);
    await box.click();
    await this.page.keyboard.press('Control+End');
    await this.page.keyboard.type(text, { delay: 3 });
  }

  sheet(field) {
    return this.page.locator(`[id="sheet-${field}"]`).inputValue();
  }

  /** The facilitator defines a measure of the open cycle. */
  async addMeasure(name, unit, goal) {
    const before = await this.page.getByTestId('measure').count();
    await this.page.getByTestId('measure-name').fill(name);
    await this.page.getByTestId('measure-unit').fill(unit);
    await this.page.getByTestId('measure-goal').fill(goal);
    await this.page.getByTestId('measure-create').click();
    await this.page.waitForFunction((n) => document.querySelectorAll('[data-testid="measure"]').length > n, before);
  }

  /** Enters a value for a day ("YYYY-MM-DD") from a phone (her own centre). */
  async addPoint(day, value) {
    const before = await this.page.getByTestId('chart-point').count();
    await this.page.getByTestId('point-day').fill(day);
    await this.page.getByTestId('point-value').fill(value);
    await this.page.getByTestId('point-add').click();
    await this.page.waitForFunction((n) => document.querySelectorAll('[data-testid="chart-point"]').length > n, before);
  }

  async download(testid) {
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.page.getByTestId(testid).click(),
    ]);
    const chunks = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk);
    return { name: download.suggestedFilename(), bytes: Buffer.concat(chunks) };
  }

  signals() {
    return this.page.getByTestId('chart-signal').allTextContents();
  }

  // ── Votes

  /** `method`: 'ranking', 'una' (one option) or 'varias' (up to three). */
  async createVote(question, method = 'ranking') {
    await this.page.getByTestId('vote-new-question').fill(question);
    await this.page.getByTestId('vote-new-method').selectOption(method);
    await this.page.getByTestId('vote-create').click();
    await this.page.getByTestId('vote-question').waitFor();
  }

  async openVote(question) {
    await this.page.getByTestId('vote-open').filter({ hasText: question }).click();
    await this.page.getByTestId('vote-question').waitFor();
  }

  async propose(label) {
    const before = await this.page.getByTestId('vote-option').count();
    await this.page.getByTestId('vote-propose-text').fill(label);
    await this.page.getByTestId('vote-propose').click();
    await this.page.waitForFunction((n) => document.querySelectorAll('[data-testid="vote-option"]').length > n, before);
  }

  options() {
    return this.page.getByTestId('vote-option').allTextContents();
  }

  async waitPhase(text, timeout = 20000) {
    await this.page.getByTestId('vote-phase').filter({ hasText: text }).waitFor({ timeout });
  }

  /** Orders the ranking as `labels` (top first) with "Subir", as she would on a phone. */
  async rank(labels) {
    for (let i = 0; i < labels.length; i++) {
      for (;;) {
        const items = (await this.page.getByTestId('rank-item').locator('.rank-label').allTextContents()).map((t) => t.trim());
        const j = items.indexOf(labels[i]);
        if (j < 0) throw new Error(`no option ${labels[i]} in ${items}`);
        if (j <= i) break;
        await this.page.getByTestId('rank-item').nth(j).getByTestId('rank-up').click();
      }
    }
  }

  async cast() {
    await this.page.getByTestId('vote-cast').click();
    await this.page.getByTestId('vote-cast-state').waitFor();
  }

  async winner(timeout = 20000) {
    await this.page.getByTestId('vote-winner').waitFor({ timeout });
    return (await this.page.getByTestId('vote-winner').textContent()).trim();
  }

  async close() {
    await this.page.getByTestId('ticket-close').click();
    await this.page.getByTestId('ticket-close-done').waitFor();
  }
}
