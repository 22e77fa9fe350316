/* Service worker of the offline desk (served as /desk/offline/sw.js, scope /desk/offline/).
 *
 * Caches the desk shell (the page, its script and styles): answered from the network when it
 * is there (and the cache refreshed), from the cache when it is not. The pack and the sync go
 * to the API directly and are never cached here: the page keeps the pack in IndexedDB.
 */
"use strict";

importScripts("/static/web/shell-sw.js");

serveShell("cowin-kit-desk-", "v4", [
  "/desk/offline/",
  "/desk/offline/manifest.webmanifest",
  "/desk/static/desk/desk-store.js",
  "/desk/static/desk/desk-offline.js",
  "/desk/static/desk/desk-id-checks.js",
  "/desk/static/desk/desk-offline-forms.js",
  "/static/web/kit.css"
]);
