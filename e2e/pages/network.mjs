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
  /** Whether closing the tab now would ask first ("¿Salir del sitio?"): the page's
   * `beforeunload` listener cancels the event. */
  async warnsOnClose() {
    return this.page.evaluate(() => {
      const e = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    });
  }

  syncState() {
    return this.page.getByTestId('sync-state');
  }

  /** Starts noting every sync state the badge shows (the current one first), until
   * `seenSyncStates`. */
  async watchSyncStates() {
    await this.page.evaluate(() => {
      const badge = document.querySelector('[data-testid="sync-state"]');
      const seen = [badge.dataset.state];
      const watch = new MutationObserver(() => seen.push(badge.dataset.state));
      watch.observe(badge, { attributes: true, attributeFilter: ['data-state'] });
      window.__syncStates = { seen, watch };
    });
  }

  /** The sync states noted since `watchSyncStates`, which stops noting them. */
  async seenSyncStates() {
    return this.page.evaluate(() => {
      window.__syncStates.watch.disconnect();
      return window.__syncStates.seen;
    });
  }

  /** Waits until the sync badge is in `state` (alone, offline, not-opened, connecting, syncing,
   * synced, error). */
  async waitSync(state, timeout = 15000) {
    await this.page.waitForFunction(
      (s) => document.querySelector('[data-testid="sync-state"]')?.dataset.state === s,
      state, { timeout },
    );
  }

  /** A personal invite link for `member` (a facilitator's device), or for another device of
   * this device's own member (no `member`). */
  async inviteLink(member) {
    const panel = this.page.getByTestId('invite');
    if (!(await panel.evaluate((d) => d.open))) await panel.locator(':scope > summary').click();
    const previous = await panel.getByTestId('invite-link').inputValue({ timeout: 50 }).catch(() => null);
    if (member) await panel.getByTestId('invite-member').selectOption({ label: member });
    await panel.getByTestId('invite-create').click();
    await this.page.waitForFunction((prev) => {
      const el = document.querySelector('[data-testid="invite-link"]');
      return el && el.value && el.value !== prev;
    }, previous);
    return panel.getByTestId('invite-link').inputValue();
  }

  /** Uses this device's claim link for this network, as facilitator `who`. */
  async claim(who) {
    const panel = this.page.getByTestId('claim');
    await panel.getByTestId('claim-member').selectOption({ label: who });
    await panel.getByTestId('claim-submit').click();
    await this.page.getByTestId('me').filter({ hasText: who }).waitFor();
  }

  /** The devices the server lists for this network: [{ member, text }]. */
  async devices() {
    const panel = this.page.getByTestId('invite');
    if (!(await panel.evaluate((d) => d.open))) await panel.locator(':scope > summary').click();
    const list = this.page.getByTestId('devices');
    if (!(await list.evaluate((d) => d.open))) await list.locator(':scope > summary').click();
    await this.page.getByTestId('device-row').first().waitFor();
    return this.page.getByTestId('device-row').evaluateAll((rows) => rows.map((r) => ({ member: r.dataset.member, text: r.textContent })));
  }

  /** Removes the first device listed for `member` that is not removed yet (confirming). */
  async removeDevice(member) {
    await this.devices();
    const rows = this.page.locator(`[data-testid="device-row"][data-member="${member}"]`);
    const removed = () => rows.locator('em').count();
    const before = await removed();
    await rows.getByTestId('device-remove').first().click();
    await this.page.waitForFunction(([m, n]) =>
      document.querySelectorAll(`[data-testid="device-row"][data-member="${m}"] em`).length > n, [member, before]);
  }

  // ── Bundle files ("Compartir archivo")
  async openShareFile() {
    const panel = this.page.getByTestId('share-file');
    if (!(await panel.evaluate((d) => d.open))) await panel.locator(':scope > summary').click();
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

  /** Clicks "Compartir…"; resolves to the file downloaded instead (or null within `waitMs`) and
   * the panel's message. */
  async shareBundle(waitMs = 3000) {
    const panel = await this.openShareFile();
    const download = this.page.waitForEvent('download', { timeout: waitMs }).catch(() => null);
    await panel.getByTestId('bundle-share').click();
    const file = await download;
    return { file: file && file.suggestedFilename(), message: (await panel.locator('.form-error').textContent()).trim() };
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
    await this.page.locator('[data-testid="add-commission"], [data-testid="directory-read-only"]').first().waitFor();
  }

  commission(name) {
    return this.page.getByTestId('commission-card').filter({ has: this.page.getByTestId('commission-title').filter({ hasText: name }) });
  }

  /** Takes `member` out of (or puts her into) commission `name`. */
  async setCommissionMember(name, member, on) {
    const card = this.commission(name);
    if ((await card.getByTestId('commission-edit').getAttribute('aria-expanded')) !== 'true') {
      await card.getByTestId('commission-edit').click();
    }
    const box = card.locator('label.check').filter({ hasText: member }).getByTestId('commission-member');
    await box.setChecked(on);
    await this.waitSaved();
  }

  async addCommission(name) {
    await this.page.getByTestId('new-commission-name').fill(name);
    await this.page.getByTestId('add-commission').click();
    await this.commission(name).waitFor();
  }

  // ── Identity
  async iAm(name) {
    await iAm(this.page, name);
  }

  /** Who this device's person is: the registered member ("Eres …") or the local choice. */
  async whoAmI() {
    if (await this.page.getByTestId('me').count()) {
      return (await this.page.getByTestId('me').locator('strong').textContent()).trim();
    }
    return this.page.getByTestId('whoami').evaluate((s) => s.options[s.selectedIndex].text);
  }
}

/** A device registered in the network is its member (checked); on one that is not, the person
 * is chosen in "¿Quién eres?". */
export async function iAm(page, name) {
  await page.locator('[data-testid="me"], [data-testid="whoami"]').first().waitFor();
  if (await page.getByTestId('me').count()) {
    await page.waitForFunction(() => document.querySelector('[data-testid="me"] strong')?.textContent.trim());
    const me = (await page.getByTestId('me').locator('strong').textContent()).trim();
    if (me !== name) throw new Error(`this device is registered as ${me}, not ${name}`);
    return;
  }
  await page.getByTestId('whoami').selectOption({ label: name });
}
