// Service worker body; tools/gen-sw.sh prepends `const VERSION = …; const PRECACHE = […];`.
// Precaches the hashed Trunk outputs; navigations get the cached index.html; other requests
// are served cache-first (this version's, then the previous one's) and fall back to the
// network. /sync is never cached.
const CACHE = `juntas-${VERSION}`;

// Two files at a time, not all at once: on a phone's line the precache shares the bandwidth with
// what the page asks for meanwhile (a page's part, documents coming by sync). All at once, a
// principal's plan showed 0.5 s later on her first visit over 3G; two at a time, as with no
// service worker (`cargo xtask bench first-visit`). A file that cannot be fetched fails the
// install, as addAll did; the next visit installs again.
const AT_ONCE = 2;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then(async (cache) => {
    const left = [...PRECACHE];
    const fetchLeft = async () => {
      for (let url = left.shift(); url; url = left.shift()) await cache.add(url);
    };
    await Promise.all(Array.from({ length: AT_ONCE }, fetchLeft));
  }).then(() => self.skipWaiting()));
});

// The previous version's files stay until the next update: a tab opened with that version,
// now in this worker's hands, still finds the parts it has not opened yet, with or without
// signal (the server keeps only the current version's files). Older versions go.
// `caches.keys()` lists the caches in the order they were made.
self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => {
        const earlier = keys.filter((k) => k.startsWith('juntas-') && k !== CACHE);
        return Promise.all(earlier.slice(0, -1).map((k) => caches.delete(k)));
      })
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/sync')) return;
  if (req.mode === 'navigate') {
    event.respondWith(fetch(req).catch(() => caches.match('/index.html', { cacheName: CACHE })));
    return;
  }
  // This version's file first (an address without a hash, as /doc-worker.js, is in both), then
  // the previous version's, for a tab opened with it.
  event.respondWith(caches.match(req, { cacheName: CACHE })
    .then((hit) => hit || caches.match(req))
    .then((hit) => hit || fetch(req)));
});
