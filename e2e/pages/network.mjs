// Page object: one network — header (name, save state, "¿Quién eres?") and its three tabs.

export class NetworkPage {
  constructor(page) {
    this.page = page;
  }

  async waitReady() {
    await this.page.getByTestId('network-name').waitFor();
    return this;
  }

  url() {
    return this.page.url();
  }

  name() {
    return this.page.getByTestId('network-name').textContent();
  }

  saveState() {
    return this.page.getByTestId('save-state');
  }

  async waitSaved() {
    await this.page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="save-state"]');
      return el && /Guardado en este dispositivo|Saved on this device/.test(el.textContent);
    });
  }

  // ── Sync
  syncState() {
    return this.page.getByTestId('sync-state');
  }

  /** Waits until the sync badge is in `state` (alone, offline, connecting, syncing, synced, error). */
  async waitSync(state, timeout = 15000) {
    await this.page.waitForFunction(
      (s) => document.querySelector('[data-testid="sync-state"]')?.dataset.state === s,
      state, { timeout },
    );
  }

  async inviteLink() {
    await this.page.getByTestId('invite').locator('summary').click();
    return this.page.getByTestId('invite-link').inputValue();
  }

  // ── Bundle files ("Compartir archivo")
  async openShareFile() {
    const panel = this.page.getByTestId('share-file');
    if (!(await panel.evaluate((d) => d.open))) await panel.locator('summary').click();
    return panel;
  }

  /** Clicks "Descargar archivo" and returns the file's name and bytes. */
  async downloadBundle() {
    const panel = await this.openShareFile();
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      panel.getByTestId('bundle-download').click(),
    ]);
    const chunks = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk);
    return { name: download.suggestedFilename(), bytes: Buffer.concat(chunks) };
  }

  /** Picks `bytes` as the file to import into this network; resolves to the message shown. */
  async importBundle(bytes, name = 'red.juntas') {
    const panel = await this.openShareFile();
    const outcome = panel.locator('[data-testid="bundle-result"], [data-testid="bundle-error"]');
    // The previous file's message must go before this file's is read.
    const stale = await outcome.elementHandle({ timeout: 100 }).catch(() => null);
    await panel.getByTestId('bundle-import').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: bytes });
    if (stale) await stale.waitForElementState('hidden');
    await outcome.waitFor();
    return { ok: (await outcome.getAttribute('data-testid')) === 'bundle-result', text: await outcome.textContent() };
  }

  /** The network id from the address bar. */
  id() {
    return new URL(this.page.url()).pathname.split('/')[2];
  }

  // ── Centres
  async openCentres() {
    await this.page.getByTestId('nav-centres').click();
    await this.page.getByTestId('add-centre').waitFor();
  }

  centreCards() {
    return this.page.getByTestId('centre-card');
  }

  centre(name) {
    return this.centreCards().filter({ has: this.page.getByTestId('centre-title').filter({ hasText: name }) });
  }

  async editCentre(name) {
    const card = this.centre(name);
    await card.getByTestId('centre-edit').click();
    await card.getByTestId('centre-editor').waitFor();
    return card;
  }

  /** Types into a field and leaves it, which saves it. */
  async setField(scope, testid, value) {
    const input = scope.getByTestId(testid);
    await input.fill(value);
    await input.blur();
  }

  async addCentre(name, commune) {
    await this.page.getByTestId('new-centre-name').fill(name);
    await this.page.getByTestId('new-centre-commune').fill(commune);
    await this.page.getByTestId('add-centre').click();
    await this.centre(name).waitFor();
  }

  // ── Members
  async openMembers() {
    await this.page.getByTestId('nav-members').click();
    await this.page.getByTestId('add-member').waitFor();
  }

  memberCards() {
    return this.page.getByTestId('member-card');
  }

  member(name) {
    return this.memberCards().filter({ has: this.page.getByTestId('member-title').filter({ hasText: name }) });
  }

  async addMember(name, role) {
    await this.page.getByTestId('new-member-name').fill(name);
    await this.page.getByTestId('new-member-role').selectOption(role);
    await this.page.getByTestId('add-member').click();
    await this.member(name).waitFor();
  }

  // ── Commissions
  async openCommissions() {
    await this.page.getByTestId('nav-commissions').click();
    await this.page.getByTestId('add-commission').waitFor();
  }

  commission(name) {
    return this.page.getByTestId('commission-card').filter({ has: this.page.getByTestId('commission-title').filter({ hasText: name }) });
  }

  async addCommission(name) {
    await this.page.getByTestId('new-commission-name').fill(name);
    await this.page.getByTestId('add-commission').click();
    await this.commission(name).waitFor();
  }

  // ── Identity
  async iAm(name) {
    await this.page.getByTestId('whoami').selectOption({ label: name });
  }

  async whoAmI() {
    return this.page.getByTestId('whoami').evaluate((s) => s.options[s.selectedIndex].text);
  }
}
