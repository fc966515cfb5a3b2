// Module hook for the interop test: `isomorphic-ws` (the JS adapter's WebSocket) resolves to
// a ws that sends juntas-server's session token, as a real Node client would configure.
export async function resolve(specifier, context, next) {
  if (specifier === 'isomorphic-ws') {
    return { url: new URL('./ws-with-token.mjs', import.meta.url).href, shortCircuit: true };
  }
  return next(specifier, context);
}
