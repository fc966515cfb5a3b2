// Page object: the start page ("Redes en este dispositivo", "Crear red", "Crear red de ejemplo").
import { NetworkPage } from './network.mjs';
import { claimLink } from '../support.mjs';

export class HomePage {
  constructor(page) {
    this.page = page;
  }

  async goto() {
    await this.page.goto('/');
    await this.page.getByTestId('create-example').waitFor();
    return this;
  }

  async createExample() {
    await this.page.getByTestId('create-example').click();
    const net = new NetworkPage(this.page);
    await net.waitReady();
    return net;
  }

  /** The operator's one-time link opened on this device, the example network created and
   * claimed as its facilitator `who`; resolves once it synced with the server. */
  async foundExample(who = 'Ignacio Vargas') {
    await this.page.goto(await claimLink());
    await this.page.getByTestId('claim-banner').waitFor();
    const net = await this.createExample();
    await net.claim(who);
    await net.waitSync('synced');
    return net;
  }

  async createNetwork(name, slep) {
    await this.page.getByTestId('create-network-name').fill(name);
    await this.page.getByTestId('create-network-slep').fill(slep);
    await this.page.getByTestId('create-network').click();
    const net = new NetworkPage(this.page);
    await net.waitReady();
    return net;
  }

  /** Imports a bundle file from the start page: the network it carries, or the error shown. */
  async importBundle(bytes, name = 'red.juntas') {
    await this.page.getByTestId('bundle-import').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: bytes });
    const net = new NetworkPage(this.page);
    const error = this.page.getByTestId('bundle-error');
    await Promise.race([net.page.getByTestId('network-name').waitFor(), error.waitFor()]);
    if (await error.isVisible()) return { error: await error.textContent() };
    return { net };
  }

  networkLinks() {
    return this.page.getByTestId('network-link');
  }
}
