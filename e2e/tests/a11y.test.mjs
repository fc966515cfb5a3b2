// Every page, at phone size: labelled controls and no serious or critical axe-core violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, axeViolations, PHONE } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('no serious or critical accessibility violations on any page', async () => {
  const context = await newContext(browser, PHONE);
  const page = await context.newPage();
  const home = await new HomePage(page).goto();
  assert.deepEqual(await axeViolations(page), [], 'home');
  const net = await home.createExample();
  await net.editCentre('Jardín Infantil Semillita');
  assert.deepEqual(await axeViolations(page), [], 'centres with an open form');
  await net.openMembers();
  await net.member('María González').getByTestId('member-edit').click();
  assert.deepEqual(await axeViolations(page), [], 'members');
  await net.openCommissions();
  await net.commission('Apoyo socioemocional').getByTestId('commission-edit').click();
  assert.deepEqual(await axeViolations(page), [], 'commissions');
  await context.close();
});
