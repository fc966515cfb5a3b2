// Page object: problem trees — create one, the outline editor (add cards on a side or under a
// card) and the projector view with its exports.

// The outline as this device shows it: "depth:side-…:text" per card, in order.
const OUTLINE = () => [...document.querySelectorAll('[data-testid="card-text"]')].map((i) => {
  let depth = 0;
  for (let el = i.closest('[data-testid="tree-card"]')?.parentElement; el; el = el.parentElement) {
    if (el.dataset?.testid === 'tree-card') depth++;
  }
  return `${depth}:${i.closest('[data-testid^="side-"]').dataset.testid}:${i.value}`;
});

export class TreePage {
  constructor(page) {
    this.page = page;
  }

  async open() {
    await this.page.getByTestId('nav-tree').click();
    await this.page.getByTestId('tree-create').waitFor();
  }

  async create(problem) {
    await this.page.getByTestId('tree-problem').fill(problem);
    await this.page.getByTestId('tree-create').click();
    await this.waitProblem(problem);
  }

  async waitProblem(text) {
    await this.page.waitForFunction(
      (t) => document.querySelector('[data-testid="tree-problem-text"]')?.value === t, text, { timeout: 20000 },
    );
  }

  /** Adds a card at the end of a side ("causas" or "efectos"). */
  async addCard(side, text) {
    const box = this.page.getByTestId(`side-${side}`);
    await box.getByTestId('add-card-text').last().fill(text);
    await box.getByTestId('add-card').last().click();
    await this.waitCards([text]);
  }

  /** The card whose text is `text`, with its tools open. */
  async tools(text) {
    const id = await this.page.evaluate((t) => [...document.querySelectorAll('[data-testid="card-text"]')]
      .find((i) => i.value === t)?.closest('[data-testid="tree-card"]').dataset.id, text);
    if (!id) throw new Error(`no card “${text}”`);
    const card = this.page.locator(`[data-testid="tree-card"][data-id="${id}"]`);
    const more = card.getByTestId('card-more').first();
    if ((await more.getAttribute('aria-expanded')) !== 'true') await more.click();
    return card;
  }

  async moveUnder(text, parentText) {
    const card = await this.tools(text);
    await card.getByTestId('card-move').first().selectOption({ label: parentText });
  }

  async moveUp(text) {
    const card = await this.tools(text);
    await card.getByTestId('card-up').first().click();
  }

  /** Deletes a card (the confirmation is accepted by `watchErrors`). */
  async remove(text) {
    const card = await this.tools(text);
    await card.getByTestId('card-delete').first().click();
    await this.page.waitForFunction((t) => ![...document.querySelectorAll('[data-testid="card-text"]')].some((i) => i.value === t), text);
  }

  async addChild(parentText, text) {
    const card = await this.tools(parentText);
    await card.getByTestId('add-child-text').first().fill(text);
    await card.getByTestId('add-child').first().click();
    await this.waitCards([text]);
  }

  /** Waits until every text is a card on this device. */
  async waitCards(texts, timeout = 15000) {
    await this.page.waitForFunction((ts) => {
      const have = [...document.querySelectorAll('[data-testid="card-text"]')].map((i) => i.value);
      return ts.every((t) => have.includes(t));
    }, texts, { timeout });
  }

  /** The outline as (depth, side, text) lines in order, effects then causes. */
  outline() {
    return this.page.evaluate(OUTLINE);
  }

  async openProjector() {
    await this.page.getByTestId('tree-projector').click();
    await this.page.getByTestId('tree-svg').waitFor();
  }

  /** "Proyectar": waits for the full-screen drawing. */
  async project() {
    await this.page.getByTestId('project').click();
    await this.page.getByTestId('project-exit').waitFor();
  }

  /** How the projection sits on the screen: whether anything of the app shows at the corners
   * and the centre's edges, the cards drawn, and which of them reach outside the viewport. */
  projectionFit() {
    return this.page.evaluate(() => {
      const stage = document.querySelector('[data-testid="projector-stage"]');
      const probes = [[1, 1], [innerWidth - 2, innerHeight - 2], [innerWidth / 2, 1], [innerWidth / 2, innerHeight - 2]];
      const chromeHidden = probes.every(([x, y]) => stage.contains(document.elementFromPoint(x, y)));
      const cards = [...document.querySelectorAll('[data-testid="svg-card"]')];
      const outside = cards.filter((g) => {
        const r = g.getBoundingClientRect();
        return r.left < -0.5 || r.top < -0.5 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5;
      }).map((g) => g.textContent);
      // The height of one line of card text as drawn (the type size the room reads).
      const text = cards[0]?.querySelector('text')?.getBoundingClientRect().height ?? 0;
      return { chromeHidden, cards: cards.length, outside, text };
    });
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
}
