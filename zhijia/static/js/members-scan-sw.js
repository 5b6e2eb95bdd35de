/* Service worker of the scan page (served at /console/members/scan/sw.js, scope /console/members/scan/): keeps the
 * page and the files it loaded so a scanner at a gate with no network can still open it and verify offline.
 * Network first; the cached copy only when the network fails. API calls are never cached (the page falls back to
 * offline verification itself, with the key and revocation list it keeps in localStorage). */
const CACHE = "zhijia-scan-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const urls = (event.data && event.data.cache) || [];
  const own = urls.filter((u) => new URL(u, self.location.origin).origin === self.location.origin &&
                                 !new URL(u, self.location.origin).pathname.startsWith("/api/"));
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(own)).then(() => {
    if (event.source) event.source.postMessage({ cached: own.length });
  }).catch(() => { if (event.source) event.source.postMessage({ cached: 0 }); }));
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  event.respondWith(fetch(req).then((res) => {
    if (res.ok && res.type === "basic" && !res.redirected) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(req, copy));
    }
    return res;
  }).catch(() => caches.match(req, { ignoreSearch: req.mode === "navigate", ignoreVary: true }).then((hit) => hit ||
    new Response("离线且本机没有缓存此页", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } }))));
});
