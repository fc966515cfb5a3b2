// Registers the service worker that precaches the app, so it opens with no connection: once the
// app has its documents' part (src/parts.rs sends `juntas-documents`). The precache downloads
// every part of the app; registered as the page loaded, on a first visit over 3G it shared the
// line with the parts the page was waiting for, and the first document showed ~2 s later.
if ('serviceWorker' in navigator) {
  addEventListener('juntas-documents', () => {
    navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('service worker', e));
  }, { once: true });
}
