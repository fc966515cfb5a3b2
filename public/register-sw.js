// Registers the service worker that precaches the app, so it opens with no connection. On a
// first visit (no service worker yet), once the app has its documents' part (src/parts.rs sends
// `juntas-documents`): the precache downloads every part of the app, and registered as the page
// loaded it shared a phone's line with the parts the page was waiting for (the first document
// showed ~2 s later on 3G). Later visits are served from its cache: registering as the page loads
// only checks for a new version, early, as Lighthouse's time to interactive counts it.
if ('serviceWorker' in navigator) {
  const register = () => {
    navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('service worker', e));
  };
  if (navigator.serviceWorker.controller) addEventListener('load', register);
  else addEventListener('juntas-documents', register, { once: true });
}
