// RadZ's Service Worker: keeps the page, the runtime and the model package so that a second
// visit works with the server gone. URLs that carry their content hash (?v= for runtime files,
// ?sha256= for package files) are served from the cache first; everything else (the page,
// runtime.json, manifest.json) from the network first, falling back to the cache offline.
const CACHE = 'radz-v1';

// The page's own files are fetched before this worker controls the page: keep them now.
const SHELL = ['./', 'index.html', 'app.js', 'protocol.mjs', 'providers.mjs', 'style.css', 'worker.js', 'LICENSE.txt', 'THIRD_PARTY_NOTICES.md'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== self.location.origin) return;
  const hashed = url.searchParams.has('v') || url.searchParams.has('sha256');
  e.respondWith(hashed ? cacheFirst(e.request) : networkFirst(e.request));
});

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const r = await fetch(request);
  if (r.ok) await cache.put(request, r.clone());
  return r;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const r = await fetch(request);
    if (r.ok) await cache.put(request, r.clone());
    return r;
  } catch (err) {
    const hit = await cache.match(request, { ignoreSearch: true, ignoreVary: true })
      || (request.mode === 'navigate' ? await cache.match('./') : undefined);
    if (hit) return hit;
    throw err;
  }
}
