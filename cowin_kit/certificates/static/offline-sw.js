/* Service worker of the offline verifier (served as /verifier/sw.js, scope /verifier/).
 *
 * Installs the verifier page and its scripts in a cache; pages and scripts are answered from
 * the network when it is there (and the cache refreshed), from the cache when it is not. The
 * published keys and the revocation list are fetched by the page itself and kept in its
 * storage with their age. Nothing else is cached: no personal data passes through here.
 */
"use strict";

var CACHE = "cowin-kit-verifier-v4";
var SHELL = [
  "/verifier/",
  "/verifier/manifest.webmanifest",
  "/static/certificates/offline-verifier.js",
  "/static/certificates/vendor/pako/pako_inflate.min.js",
  "/static/certificates/vendor/cbor-x/cbor-x.min.js",
  "/static/certificates/vendor/jsonld/jsonld.min.js",
  "/static/certificates/vendor/jsqr/jsQR.js",
  "/static/certificates/verify-scan.js",
  "/static/web/kit.css"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin
      || SHELL.indexOf(url.pathname) < 0) {
    return;  // the keys and revocations: the page fetches and keeps them itself
  }
  event.respondWith(fetch(event.request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(url.pathname);
  }));
});
