// 网格通 phone app service worker: keeps the app's pages and assets so they open without signal.
// Pages are fetched from the network first (always fresh when online) and from the cache when
// offline. Form posts are not touched: field.js queues them in IndexedDB and sends them later.
var CACHE = "civicgrid-field-v1";
var SHELL = ["/m/", "/m/report", "/m/visits", "/m/patrol", "/m/grid", "/m/outbox",
             "/css/app.css", "/js/field.js", "/m/manifest.json", "/m/icon.svg"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // One by one: a page that fails (signed out) does not stop the others.
    return Promise.all(SHELL.map(function (url) {
      return fetch(url, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
        if (response.ok) return cache.put(url, response);
      }).catch(function () {});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function cacheable(url) {
  return url.origin === self.location.origin &&
    (url.pathname.indexOf("/m/") === 0 || url.pathname === "/css/app.css" || url.pathname === "/js/field.js");
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || !cacheable(url)) return;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) {
      if (hit) return hit;
      // A visit form for someone not opened before: the visit list, which is cached.
      return caches.match(url.pathname.indexOf("/m/visits") === 0 ? "/m/visits" : "/m/").then(function (fallback) {
        return fallback || new Response("<!doctype html><meta charset=utf-8><title>离线</title><p>当前没有网络，该页面尚未缓存。已填写的记录保存在手机上，恢复网络后自动上传。</p>",
          { headers: { "Content-Type": "text/html; charset=utf-8" } });
      });
    });
  }));
});
