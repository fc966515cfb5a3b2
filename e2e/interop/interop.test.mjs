// Interop with a peer nobody here wrote: the JS client of @automerge/automerge-repo 2.5.6
// (node) and the Juntas app (Chromium) share networks through juntas-server. A network made
// by either is read and edited by the other, written the way each side naturally writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { launch, newContext, BASE_URL, claimLink } from '../support.mjs';
import { HomePage } from '../pages/home.mjs';
import { NetworkPage } from '../pages/network.mjs';

const KEY = process.env.JUNTAS_ACCESS_KEY;
const SYNC_URL = `${BASE_URL.replace(/^http/, 'ws')}/sync`;
const skip = !KEY && 'no JUNTAS_ACCESS_KEY';

let browser;
let Repo;
let WebSocketClientAdapter;
const repos = [];

async function api(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${BASE_URL}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await response.json();
  assert.equal(response.status, 200, `${path}: ${JSON.stringify(json)}`);
  return json;
}

before(async () => {
  if (skip) return;
  // juntas-server admits a WebSocket only with a member's device token. The JS adapter opens
  // its socket with `new WebSocket(url)` from isomorphic-ws; a module hook gives it a ws that
  // sends JUNTAS_SYNC_TOKEN (read at each connection) in the Authorization header
  // (token-hooks.mjs, ws-with-token.mjs).
  register('./token-hooks.mjs', import.meta.url);
  ({ Repo } = await import('@automerge/automerge-repo'));
  ({ WebSocketClientAdapter } = await import('@automerge/automerge-repo-network-websocket'));
  browser = await launch();
});

after(async () => {
  await Promise.all(repos.map((r) => r.shutdown()));
  await browser?.close();
});

function jsClient() {
  const repo = new Repo({ network: [new WebSocketClientAdapter(SYNC_URL, 500)] });
  repos.push(repo);
  return repo;
}

/** Resolves once `handle`'s document satisfies `pred` (checked now and on every change). */
function until(handle, pred, what, timeout = 10000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pred(handle.doc())) {
        handle.off('change', check);
        clearTimeout(timer);
        resolve(handle.doc());
      }
    };
    const timer = setTimeout(() => {
      handle.off('change', check);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeout);
    handle.on('change', check);
    check();
  });
}

async function appDevice() {
  const context = await newContext(browser);
  const page = await context.newPage();
  return { context, page };
}

test('a network made in the app is read and edited by the JS automerge-repo client', { skip }, async () => {
  const { context, page } = await appDevice();
  const net = await new HomePage(page).foundExample('Ignacio Vargas');
  // The JS client is another device of the facilitator's, with its own invite.
  const link = await net.inviteLink('Ignacio Vargas');
  const code = link.split('invitacion=')[1];
  process.env.JUNTAS_SYNC_TOKEN = (await api('/api/redeem', { code, device: 'automerge-repo (node)' })).token;

  const handle = await jsClient().find(`automerge:${net.id()}`);
  // Juntas writes scalar strings and uints, which Automerge 3 JS reads as ImmutableString and
  // BigInt; as plain JSON they are the values a person sees.
  const doc = JSON.parse(JSON.stringify(handle.doc(), (_, v) => (typeof v === 'bigint' ? Number(v) : v)));
  assert.equal(doc.name, 'Avanzando Juntas');
  assert.equal(doc.kind, 'juntas/network');
  const ids = Object.keys(doc.centres).sort();
  assert.equal(ids.length, 15);

  // JS edits one centre the idiomatic way (a plain string becomes Automerge Text)…
  const [first, second] = ids;
  const jsName = `${doc.centres[first].name} (editado desde JS)`;
  handle.change((d) => { d.centres[first].name = jsName; });
  await net.centre(jsName).waitFor({ timeout: 10000 });

  // …and an edit in the app reaches the JS client.
  const appName = `${doc.centres[second].name} (editado en la app)`;
  const card = await net.editCentre(doc.centres[second].name);
  await net.setField(card, 'centre-name', appName);
  await until(handle, (d) => String(d.centres[second].name) === appName, 'the app edit');
  assert.equal(String(handle.doc().centres[first].name), jsName, 'both edits kept');
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});

test('a network made by the JS automerge-repo client opens in the app and syncs both ways', { skip }, async () => {
  // Made offline first: it has no device token until its facilitator claims it.
  const js = new Repo({ network: [] });
  repos.push(js);
  const now = Date.now();
  const handle = js.create({
    kind: 'juntas/network',
    schema_version: 1,
    name: 'Red creada en JavaScript',
    slep: 'SLEP de prueba',
    created_at: now,
    updated_at: now,
    centres: { c1: { name: 'Jardín Arcoíris', rbd: '12345-6', commune: 'La Serena', kind: 'VTF', enrolment: 42 } },
    members: { fjs: { name: 'Facilitadora JS', role: 'facilitador', centre_id: null } },
    commissions: {},
  });
  // Its facilitator claims it with the operator's one-time link; the client then connects.
  const claim = (await claimLink()).split('reclamar=')[1];
  const network = handle.documentId;
  const jsToken = (await api('/api/claim', { code: claim, network, member: 'fjs', device: 'node' })).token;
  process.env.JUNTAS_SYNC_TOKEN = jsToken;
  js.networkSubsystem.addNetworkAdapter(new WebSocketClientAdapter(SYNC_URL, 500));
  // Wait until the server has it: a second, empty JS client can find it there.
  const url = handle.url;
  for (let tries = 0; ; tries += 1) {
    try {
      await jsClient().find(url);
      break;
    } catch (e) {
      if (tries > 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  // The app is her laptop: a personal invite made by the JS device.
  const { context, page } = await appDevice();
  await page.goto(`${BASE_URL}/unirse#invitacion=${(await api('/api/invites', { network, member: 'fjs' }, jsToken)).path.split('invitacion=')[1]}`);
  const net = await new NetworkPage(page).waitReady();
  assert.equal(await net.name(), 'Red creada en JavaScript');
  await net.centre('Jardín Arcoíris').waitFor();

  assert.match(await net.centre('Jardín Arcoíris').getByTestId('centre-figures').textContent(), /^42 /, 'a JS number reads as a count');
  const card = await net.editCentre('Jardín Arcoíris');
  await net.setField(card, 'centre-name', 'Jardín Arcoíris (editado en la app)');
  await until(handle, (d) => String(d.centres.c1.name) === 'Jardín Arcoíris (editado en la app)', 'the app edit');

  handle.change((d) => { d.name = 'Red creada en JavaScript y editada'; });
  await page.waitForFunction(() => document.querySelector('[data-testid="network-name"]')?.textContent === 'Red creada en JavaScript y editada');
  assert.deepEqual(page.__errors ?? [], []);
  await context.close();
});
