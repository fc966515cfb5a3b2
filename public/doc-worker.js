// The document worker's start (src/worker.rs): the page sends the addresses of the app's own
// glue and wasm; this loads them, and the app, started here, answers the page from then on. A
// failure to load is said to the page, which then reads its documents itself.
self.onmessage = async (event) => {
  self.onmessage = null;
  try {
    const { glue, wasm } = JSON.parse(event.data);
    const { default: init } = await import(glue);
    await init({ module_or_path: wasm });
  } catch (error) {
    self.postMessage(`failed: ${error}`);
  }
};
