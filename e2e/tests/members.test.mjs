// Members and devices: the operator's link makes the facilitator; a personal invite registers
// one phone for one person, once; her role shapes what the app offers; the facilitator sees
// the network's devices and removes one, which is cut off at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, PHONE, LAPTOP, axeViolations } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';

const KEY = process.env.JUNTAS_ACCESS_KEY;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a personal invite works once, for one person; a removed phone is cut off', { skip: !KEY && 'no JUNTAS_ACCESS_KEY' }, async () => {
  const fContext = await newContext(browser, LAPTOP);
  const fPage = await fContext.newPage();
  const f = await new HomePage(fPage).foundExample('Ignacio Vargas');
  assert.equal(await f.whoAmI(), 'Ignacio Vargas', 'the claim registered the facilitator');

  const link = await f.inviteLink('María González');
  assert.match(await fPage.getByTestId('invite-for').textContent(), /María González · Vence el \d{2}-\d{2}-\d{4}/);

  // María opens it on her phone: the phone knows who she is, no "¿Quién eres?".
  const mContext = await newContext(browser, PHONE);
  const mPage = await mContext.newPage();
  await mPage.goto(link);
  const m = await new NetworkPage(mPage).waitReady();
  assert.equal(await m.whoAmI(), 'María González');
  assert.equal(await mPage.getByTestId('whoami').count(), 0, 'no free choice of person');
  await m.waitSync('synced');
  // She may add a phone of her own, not invite others.
  await mPage.getByTestId('invite').locator(':scope > summary').click();
  assert.equal(await mPage.getByTestId('invite-member').count(), 0, 'a principal does not invite others');
  assert.match(await mPage.getByTestId('invite-create').textContent(), /Agregar otro dispositivo mío/);

  // The same link, forwarded to someone else: refused in Spanish, nothing registered.
  const xContext = await newContext(browser, PHONE);
  const xPage = await xContext.newPage();
  await xPage.goto(link);
  await xPage.getByTestId('invite-error').waitFor();
  assert.match(await xPage.getByTestId('invite-error').textContent(), /ya se usó/);
  assert.deepEqual(await axeViolations(xPage), [], 'the refused invite page has no serious a11y issue');
  await xPage.goto('/');
  assert.equal(await new HomePage(xPage).networkLinks().count(), 0, 'the forwarded link gave nothing');

  // The facilitator sees the network's devices and removes María's phone.
  const devices = await f.devices();
  const maria = devices.find((d) => d.text.includes('María González'));
  assert.ok(maria, `María's phone is listed: ${JSON.stringify(devices)}`);
  assert.ok(devices.some((d) => d.text.includes('Ignacio Vargas') && d.text.includes('este dispositivo')));
  await f.removeDevice(maria.member);
  // Her phone is told, in Spanish, and keeps what she has.
  await mPage.waitForFunction(() => /quitado de la red|ya no tiene acceso/.test(
    document.querySelector('[data-testid="sync-state"]')?.textContent ?? ''), null, { timeout: 10000 });
  assert.equal(await m.centreCards().count(), 15, 'what she had stays on her phone');

  for (const p of [fPage, mPage, xPage]) assert.deepEqual(p.__errors ?? [], []);
  await xContext.close();
  await mContext.close();
  await fContext.close();
});
