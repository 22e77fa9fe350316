/* Service worker of the offline verifier (served as /verifier/sw.js, scope /verifier/).
 *
 * Installs the verifier page and its scripts in a cache; pages and scripts are answered from
 * the network when it is there (and the cache refreshed), from the cache when it is not. The
 * published keys and the revocation list are fetched by the page itself and kept in its
 * storage with their age. Nothing else is cached: no personal data passes through here.
 */
"use strict";

importScripts("/static/web/shell-sw.js");

serveShell("cowin-kit-verifier-", "v6", [
  "/verifier/",
  "/verifier/manifest.webmanifest",
  "/static/certificates/offline-verifier.js",
  "/static/certificates/offline-verifier-lists.js",
  "/static/certificates/offline-verifier-hcert.js",
  "/static/certificates/offline-verifier-shc.js",
  "/static/certificates/offline-verifier-divoc.js",
  "/static/certificates/offline-verifier-page.js",
  "/static/certificates/vendor/pako/pako_inflate.min.js",
  "/static/certificates/vendor/cbor-x/cbor-x.min.js",
  "/static/certificates/vendor/jsonld/jsonld.min.js",
  "/static/certificates/vendor/jsqr/jsQR.js",
  "/static/certificates/verify-scan.js",
  "/static/web/kit.css"
]);
