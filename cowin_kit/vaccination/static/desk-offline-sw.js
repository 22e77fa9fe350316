/* Service worker of the offline desk (served as /desk/offline/sw.js, scope /desk/offline/).
 *
 * Caches the desk shell (the page, its script and styles): answered from the network when it
 * is there (and the cache refreshed), from the cache when it is not. The pack and the sync go
 * to the API directly and are never cached here: the page keeps the pack in IndexedDB.
 */
"use strict";

var CACHE = "cowin-kit-desk-v1";
var SHELL = [
  "/desk/offline/",
  "/desk/offline/manifest.webmanifest",
  "/desk/static/desk/desk-offline.js",
  "/static/web/kit.css"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("cowin-kit-desk-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin
      || SHELL.indexOf(url.pathname) < 0) {
    return;
  }
  event.respondWith(fetch(event.request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(url.pathname);
  }));
});
