// Journeys of the network directory: create, edit, reload, restart the browser, language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { launch, launchProfile, newContext, newProfileDir, watchErrors, PHONE } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the example network has the 15 centres of the seed report', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const net = await new HomePage(page).goto().then((h) => h.createExample());
  assert.equal(await net.name(), 'Avanzando Juntas');
  await net.centreCards().nth(14).waitFor();
  assert.equal(await net.centreCards().count(), 15);
  await net.openMembers();
  assert.equal(await net.memberCards().count(), 18);
  await net.openCommissions();
  await net.commission('Protocolo sanitario').waitFor();
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('an edited centre is still edited after a reload', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const net = await new HomePage(page).goto().then((h) => h.createExample());
  const name = 'Los Copihues de La Granja';
  // Saved, reloaded: the figures the centre's card shows then.
  const figuresAfterReload = async (enrolment) => {
    await net.centre(name).getByTestId('centre-figures').filter({ hasText: enrolment }).waitFor();
    await net.waitSaved();
    await page.reload();
    await net.waitReady();
    return net.centre(name).getByTestId('centre-figures').textContent();
  };
  const card = await net.editCentre('Jardín Infantil Los Copihues');
  await net.setField(card, 'centre-enrolment', '117');
  await net.setField(card, 'centre-name', `Jardín Infantil ${name}`);
  assert.match(await figuresAfterReload('117'), /117 niños y niñas/);
  // The page now shows the directory as it was kept when it last read it: edited again, the
  // next reload shows the new figure, never the kept one.
  await net.setField(await net.editCentre(name), 'centre-enrolment', '118');
  assert.match(await figuresAfterReload('118'), /118 niños y niñas/);
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('on a device registered in no network, an edit once stored leaves closing the tab unwarned: nothing is waiting to be sent anywhere', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const net = await new HomePage(page).goto().then((h) => h.createExample());
  await net.waitSync('alone');
  const card = await net.editCentre('Jardín Infantil Los Copihues');
  await net.setField(card, 'centre-enrolment', '117');
  await net.centre('Jardín Infantil Los Copihues').getByTestId('centre-figures').filter({ hasText: '117' }).waitFor();
  await net.waitSaved();
  // "Solo en este dispositivo (sin servidor)": stored here, and there is no server to wait for.
  assert.match(await net.syncState().textContent(), /Solo en este dispositivo/);
  assert.equal(await net.warnsOnClose(), false, 'closing the tab loses nothing: it does not ask');
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('a bad value is refused next to its field and nothing else changes', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const net = await new HomePage(page).goto().then((h) => h.createNetwork('Red de prueba', 'SLEP Prueba'));
  await net.addCentre('Jardín Semillas', 'Macul');
  const card = net.centre('Jardín Semillas');
  await card.getByTestId('centre-editor').waitFor();
  await net.setField(card, 'centre-rbd', '12a45');
  await card.getByTestId('centre-rbd-error').filter({ hasText: 'RBD' }).waitFor();
  await net.setField(card, 'centre-enrolment', '-3');
  await card.getByTestId('centre-enrolment-error').filter({ hasText: 'número entero' }).waitFor();
  await page.reload();
  await net.waitReady();
  const text = await net.centre('Jardín Semillas').textContent();
  assert.ok(!text.includes('12a45') && !text.includes('-3'), text);
  await context.close();
});

test('members and commissions are added, assigned and kept', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const net = await new HomePage(page).goto().then((h) => h.createNetwork('Red Norte', 'SLEP Norte'));
  await net.addCentre('Jardín Los Aromos', 'La Granja');
  await net.openMembers();
  await net.addMember('Ana Pérez', 'directora');
  const card = net.member('Ana Pérez');
  await card.getByTestId('member-centre').selectOption({ label: 'Jardín Los Aromos' });
  await card.filter({ hasText: 'Jardín Los Aromos' }).waitFor();
  await net.addMember('Rodrigo Soto', 'profesional-slep');
  await net.openCommissions();
  await net.addCommission('Comunicación con las familias');
  const commission = net.commission('Comunicación con las familias');
  await commission.getByTestId('commission-member').first().check();
  await commission.getByTestId('commission-members').filter({ hasText: 'Ana Pérez' }).waitFor();
  await net.iAm('Ana Pérez');
  await net.waitSaved();
  await page.reload();
  await net.waitReady();
  assert.equal(await net.whoAmI(), 'Ana Pérez');
  await net.openCommissions();
  assert.match(await net.commission('Comunicación con las familias').textContent(), /Ana Pérez/);
  // Removing a member takes her out of the commission too.
  await net.openMembers();
  await net.member('Ana Pérez').getByTestId('member-remove').click();
  await net.member('Ana Pérez').waitFor({ state: 'detached' });
  await net.openCommissions();
  await net.commission('Comunicación con las familias').getByTestId('commission-members').filter({ hasText: 'Sin integrantes' }).waitFor();
  await context.close();
});

test('the data survives closing and reopening the browser (phone)', async () => {
  const dir = newProfileDir();
  try {
    let context = await launchProfile(dir, PHONE);
    let page = await context.newPage();
    watchErrors(page);
    const net = await new HomePage(page).goto().then((h) => h.createExample());
    const url = net.url();
    const card = await net.editCentre('Sala Cuna Caracolito');
    await net.setField(card, 'centre-staff', '21');
    await net.centre('Sala Cuna Caracolito').getByTestId('centre-figures').filter({ hasText: '21 funcionarias' }).waitFor();
    await net.waitSaved();
    await context.close();

    context = await launchProfile(dir, PHONE);
    page = await context.newPage();
    await page.goto('/');
    await page.getByTestId('network-link').filter({ hasText: 'Avanzando Juntas' }).click();
    const again = await new NetworkPage(page).waitReady();
    assert.equal(again.url(), url);
    assert.match(await again.centre('Sala Cuna Caracolito').textContent(), /21 funcionarias/);
    // Nothing is wider than the phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
    await context.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the language switch turns the app English and stays', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const net = await new HomePage(page).goto().then((h) => h.createExample());
  await page.getByTestId('lang').selectOption('en');
  await page.getByTestId('nav-centres').filter({ hasText: 'Centres' }).waitFor();
  await page.reload();
  await net.waitReady();
  assert.equal((await page.getByTestId('nav-members').textContent()).trim(), 'Members');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await context.close();
});
