// Keeps the verify page for when the server cannot be reached (CERT-3): network first, so an online load always
// brings the newest revocation list, and the last copy otherwise. The fragment never reaches the network or the
// cache key: one copy serves every presentation.
const CACHE = 'fieldtrail-verify-1';
const PAGES = ['/V', '/v'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.add('/V')).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !PAGES.includes(url.pathname)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put('/V', copy)));
        }
        return response;
      })
      .catch(() => caches.match('/V').then((cached) => cached || Response.error())),
  );
});
