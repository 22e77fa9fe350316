/* The offline shell shared by the kit's installable apps' service workers (the offline
 * verifier, /verifier/sw.js, and the offline desk, /desk/offline/sw.js), which load it with
 * importScripts("/static/web/shell-sw.js") and call serveShell(prefix, version, shell).
 *
 * The shell (the pages, scripts and styles listed) is installed in the cache `prefix + version`
 * and answered from the network when it is there (and the cache refreshed), from the cache when
 * it is not. Nothing else passes through: the apps fetch and keep their data themselves. On
 * activation only this app's older caches (same prefix) are removed: the apps share an origin,
 * and so the browser's cache storage, and one must never empty the other's.
 */
"use strict";

function serveShell(prefix, version, shell) {
  var name = prefix + version;

  self.addEventListener("install", function (event) {
    event.waitUntil(caches.open(name).then(function (cache) { return cache.addAll(shell); })
      .then(function () { return self.skipWaiting(); }));
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (old) {
        return old.indexOf(prefix) === 0 && old !== name;
      }).map(function (old) { return caches.delete(old); }));
    }).then(function () { return self.clients.claim(); }));
  });

  self.addEventListener("fetch", function (event) {
    var url = new URL(event.request.url);
    if (event.request.method !== "GET" || url.origin !== self.location.origin
        || shell.indexOf(url.pathname) < 0) {
      return;
    }
    event.respondWith(fetch(event.request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(name).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname);
    }));
  });
}
