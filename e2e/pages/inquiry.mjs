// Page object: inquiries — the list and its CSV, the facilitator's definition, the record form
// on a phone (text boxes bound to the document, participants, "Finalizar"), the results.

export class InquiryPage {
  constructor(page) {
    this.page = page;
  }

  async open() {
    await this.page.getByTestId('nav-inquiry').click();
    await this.page.locator('[data-testid="no-inquiries"], [data-testid="inquiry-card"]').first().waitFor();
  }

  /** The facilitator saves the definition as pre-filled from annex 6. */
  async createFromAnnex6() {
    await this.page.getByTestId('inquiry-create').click();
    await this.page.getByTestId('def-title').waitFor();
    await this.page.getByTestId('def-save').click();
    await this.page.getByTestId('inquiry-card').waitFor();
  }

  async newRecord() {
    await this.page.getByTestId('record-new').click();
    await this.page.getByTestId('record-state').waitFor();
  }

  box(domId) {
    return this.page.locator(`[id="${domId}"]`);
  }

  /** Types into a record's text box key by key (every key goes to the document). */
  async type(domId, text) {
    const box = this.box(domId);
    await box.click();
    await this.page.keyboard.press('Control+End');
    await this.page.keyboard.type(text, { delay: 3 });
  }

  value(domId) {
    return this.box(domId).inputValue();
  }

  state() {
    return this.page.getByTestId('record-state').textContent().then((t) => t.trim());
  }

  async waitState(text, timeout = 20000) {
    await this.page.waitForFunction(
      (t) => document.querySelector('[data-testid="record-state"]')?.textContent.trim() === t, text, { timeout },
    );
  }

  participants() {
    return this.page.getByTestId('participant');
  }

  /** Adds a participant and fills her name, role and answers. */
  async addParticipant(name, role, answers) {
    const before = await this.participants().count();
    await this.page.getByTestId('participant-add').click();
    const p = this.participants().nth(before);
    await p.waitFor();
    const nameBox = p.locator('textarea').first();
    const id = (await nameBox.getAttribute('id')).replace(/-name$/, '');
    await this.type(`${id}-name`, name);
    await p.locator(`[id="${id}-role"]`).selectOption({ label: role });
    for (let q = 0; q < answers.length; q++) {
      await this.type(`${id}-a${q}`, answers[q]);
    }
    return id;
  }

  /** Clicks "Finalizar"; resolves to the missing items' texts (empty when it finalised). */
  async finalise() {
    await this.page.getByTestId('record-finalise').click();
    await this.page.waitForFunction(() => document.querySelector('[data-testid="finalise-missing"]')
      || document.querySelector('[data-testid="record-state"]')?.textContent.trim() !== 'borrador');
    return this.page.getByTestId('missing-item').allTextContents();
  }

  missingItem(text) {
    return this.page.getByTestId('missing-item').filter({ hasText: text });
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

  async openResults() {
    await this.page.getByTestId('results-open').click();
    // Its records and questions go up a slice per frame; then it is no longer busy.
    await this.page.locator('[data-testid="results"]:not([aria-busy])').waitFor();
  }
}

/** RFC 4180 CSV → rows of fields (quotes, commas and line breaks inside quotes). */
export function parseCsv(text, sep) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) { row.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}
