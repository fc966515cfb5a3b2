// Every page, at phone size: labelled controls, touch targets of 44 px, no sideways scrolling, and no moderate,
// serious or critical axe-core violation — the network's directory, the plan (its sections, a
// section, the SLEP's table, a centre's plan, its print view), the inquiry (list, Resultados, a
// record), the tree (outline, projector, projection) and the invite page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, axeViolations, PHONE } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { PlanPage } from '../pages/plan.mjs';
import { InquiryPage } from '../pages/inquiry.mjs';
import { TreePage } from '../pages/tree.mjs';
import { WorkshopPage } from '../pages/workshop.mjs';

const ALL = ['moderate', 'serious', 'critical'];

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('every page on a phone: 44 px touch targets, no sideways scrolling and no moderate, serious or critical accessibility violation', async () => {
  const context = await newContext(browser, PHONE);
  const page = await context.newPage();
  // Every page is checked; the test then lists every page's findings at once.
  const found = {};
  const check = async (where) => {
    const v = await axeViolations(page, ALL);
    if (v.length) found[where] = v;
    // On a phone every control is at least 44 px each way (a checkbox counts with its label).
    const small = await page.evaluate(() => [...document.querySelectorAll('button, a[href], input, select, textarea, summary')]
      .filter((el) => {
        const own = el.getBoundingClientRect();
        if (!(own.width > 0 && own.height > 0)) return false;
        const r = ['checkbox', 'radio'].includes(el.type) ? (el.closest('label') ?? el).getBoundingClientRect() : own;
        return r.height < 43.5 || r.width < 43.5;
      })
      .map((el) => `${el.tagName.toLowerCase()}[${el.dataset.testid ?? el.textContent.trim().slice(0, 30)}] ${Math.round(el.getBoundingClientRect().width)}×${Math.round(el.getBoundingClientRect().height)}`));
    if (small.length) found[`${where}: touch targets under 44 px`] = small;
    // Nothing makes the page scroll sideways (a wide drawing scrolls inside its own box).
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    if (wide > 0) found[`${where}: scrolls sideways`] = `${wide} px wider than the screen`;
  };
  // Every disclosure of the page opened (history, comments, invites…), to check what they show.
  const openAll = async () => {
    await page.evaluate(() => document.querySelectorAll('details:not([open])').forEach((d) => { d.open = true; }));
    await page.waitForTimeout(300);
  };
  const home = await new HomePage(page).goto();
  await check('home');
  const net = await home.createExample();
  await net.editCentre('Jardín Infantil Semillita');
  await check('centres with an open form');
  await net.openMembers();
  await net.member('María González').getByTestId('member-edit').click();
  await check('members');
  await net.openCommissions();
  await net.commission('Apoyo socioemocional').getByTestId('commission-edit').click();
  await check('commissions');

  // The facilitator's pages.
  const plan = new PlanPage(page);
  await plan.iAm('Ignacio Vargas');
  await plan.open();
  await check('the plan before it exists');
  await plan.create();
  await check('the plan\'s sections');
  await plan.openSection('1.2');
  await check('a section');
  await openAll();
  await check('a section with its history and comments open');
  await plan.open();
  await plan.openReviewTable();
  await check('the SLEP\'s table of centres');
  const inquiry = new InquiryPage(page);
  await inquiry.open();
  await check('no inquiry yet');
  await inquiry.createFromAnnex6();
  await check('the inquiry list');
  await inquiry.openResults();
  await check('Resultados');
  const tree = new TreePage(page);
  await tree.open();
  await check('no tree yet');
  await tree.create('Poca articulación entre jardines');
  await tree.addCard('causas', 'Falta de tiempo para reunirse');
  await check('the tree outline');
  await tree.openProjector();
  await check('the projector view');
  await tree.project();
  await check('the projection');
  await page.keyboard.press('Escape');
  const workshop = new WorkshopPage(page);
  await workshop.open();
  await check('no workshop yet, with the form to make one');
  await workshop.create('Taller 1', 'Liceo');
  await check('a workshop: its exit ticket, QR and results');
  await workshop.open();
  await workshop.createVote('¿Cómo se llama nuestra red?');
  await workshop.propose('Avanzando Juntas');
  await workshop.propose('Crecer en Red');
  await check('a vote taking proposals');
  await page.getByTestId('vote-start').click();
  await workshop.waitPhase('Votación abierta');
  await check('a vote open: the ranking ballot');
  await workshop.cast();
  await page.getByTestId('vote-close').click();
  await workshop.winner();
  await check('a closed vote and its result');

  // A principal's pages.
  await plan.open();
  await plan.iAm('María González');
  await plan.openMyCentrePlan();
  await check('a centre\'s plan');
  await openAll();
  await check('a centre\'s plan with every disclosure open');
  await plan.openPrint();
  await check('the print view');
  await workshop.open();
  await workshop.openWorkshop('Taller 1');
  await workshop.answer('Mucho', 'Nada', 4);
  await check('the exit ticket answered on a phone');
  await inquiry.open();
  await inquiry.newRecord();
  await check('a record');
  await openAll();
  await page.getByTestId('record-delete').click();
  await page.getByTestId('record-delete-question').waitFor();
  await check('a record with its history open and the question before deleting it');
  await page.getByTestId('record-delete-yes').click();
  await page.getByTestId('record-deleted').waitFor();
  await check('a deleted record');
  // An invite page opened with nothing to redeem says so.
  await page.goto('/unirse');
  await page.getByTestId('invite-error').waitFor();
  await check('the invite page with no invite');
  assert.deepEqual(found, {});
  await context.close();
});
