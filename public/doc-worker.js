// The document worker's start (src/worker.rs): the page sends the address of the app's own
// glue and its compiled wasm module (and the wasm's address, for a module that did not come
// through); this instantiates them, and the app, started here, answers the page from then on.
// A failure to load is said to the page, which then reads its documents itself.
self.onmessage = async (event) => {
  self.onmessage = null;
  try {
    const { glue, wasm, module } = event.data;
    const { default: init } = await import(glue);
    await init({ module_or_path: module instanceof WebAssembly.Module ? module : wasm });
  } catch (error) {
    self.postMessage(`failed: ${error}`);
  }
};
