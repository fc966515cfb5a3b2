// Service worker body; tools/gen-sw.sh prepends `const VERSION = …; const PRECACHE = […];`.
// Precaches every file of the build; navigations go to the network, and to the cached
// index.html when it cannot be reached; other requests are served cache-first (this version's,
// then the previous one's) and fall back to the network. /sync is never cached.
const CACHE = `juntas-${VERSION}`;

// Two files at a time, not all at once: on a phone's line the precache shares the bandwidth with
// what the page asks for meanwhile (a page's part, documents coming by sync). All at once, a
// principal's plan showed 0.5 s later on her first visit over 3G; two at a time, as with no
// service worker (`cargo xtask bench first-visit`). A file that cannot be fetched fails the
// install, as addAll did; the next visit installs again.
const AT_ONCE = 2;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    // The same version installed again (its cache is there: this worker changed, not the
    // app's files) keeps its cache whatever happens; a new version's cache half made is none.
    const fresh = !(await caches.has(CACHE));
    try {
      const cache = await caches.open(CACHE);
      const left = [...PRECACHE];
      const fetchLeft = async () => {
        for (let url = left.shift(); url; url = left.shift()) await cache.add(url);
      };
      await Promise.all(Array.from({ length: AT_ONCE }, fetchLeft));
    } catch (e) {
      if (fresh) await caches.delete(CACHE);
      throw e;
    }
    await self.skipWaiting();
  })());
});

// Which version was active: a record in a cache of its own, written as a version activates.
const META = 'juntas-meta';
const LIVE = '/juntas-meta-live-version';

// The previous version's files stay until the next update: a tab opened with that version,
// now in this worker's hands, still finds the parts it has not opened yet, with or without
// signal (the server keeps only the current version's files). Every other version goes. With
// no record of which was active (the first update after a worker from before the record),
// nothing goes: the next update, with the record, puts the rest away.
self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const meta = await caches.open(META);
    const live = await meta.match(LIVE);
    const keep = live ? `juntas-${await live.text()}` : null;
    // Recorded first: a worker stopped halfway leaves the right record for the next one.
    await meta.put(LIVE, new Response(VERSION));
    if (keep !== null && keep !== CACHE) {
      const earlier = (await caches.keys()).filter((k) => k.startsWith('juntas-') && k !== CACHE && k !== META);
      await Promise.all(earlier.filter((k) => k !== keep).map((k) => caches.delete(k)));
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/sync')) return;
  if (req.mode === 'navigate') {
    event.respondWith(fetch(req).catch(() => caches.match('/index.html', { cacheName: CACHE })));
    return;
  }
  // This version's file first, then any other cache's: the previous version's, for a tab
  // opened with it (the others hold hashed names no tab of theirs asks for, or the record).
  // A file whose name has no hash (/doc-worker.js, the icons) is this version's for every tab.
  event.respondWith(caches.match(req, { cacheName: CACHE })
    .then((hit) => hit || caches.match(req))
    .then((hit) => hit || fetch(req)));
});
