/* The offline verifier (/verifier/): checks certificates in the browser, with no server.
 *
 * Once opened online it keeps this instance's published keys and the other issuers' keys it
 * trusts (/api/kit/v1/certificates/keys: "formats" and "trusted", the trust list) and its
 * revocation list (/api/kit/v1/certificates/revocations, kept only when its JWS verifies with
 * this instance's revocation key) in localStorage, refreshes them whenever the network is there, and shows how old they are.
 * The service worker (sw.js) keeps the page and its scripts, so it opens with no network.
 *
 * Formats checked here: EU DCC and WHO DDCC:VS (HC1: base45, zlib, COSE_Sign1 ES256 over the
 * CWT, the key found by its COSE kid: the first 8 bytes of SHA-256 of the DSC), and SMART
 * Health Cards (shc:/ numeric, compact JWS ES256, raw-deflated payload, key by kid), and the
 * DIVOC / CoWIN W3C credential (certificate.json in a zip, or its JSON; linked-data proof
 * Ed25519Signature2018 or RsaSignature2018 as a detached JWS over SHA-256 of the URDNA2015
 * (RDFC-1.0) N-Quads of the proof options and of the credential; key by the kid after "#" in
 * its verificationMethod). The JSON-LD contexts come from the page (data-contexts, the copies
 * the kit ships), never from the network; a vaccination context is accepted only at CoWIN's
 * URL or at the credential's own issuer (as the server's verifier does), and jsonld.js runs in
 * safe mode, so a term the contexts do not define makes the credential unreadable rather than
 * silently unsigned.
 * Libraries: pako (inflate), cbor-x (CBOR), jsonld.js with rdf-canonize (canonical N-Quads),
 * WebCrypto (ECDSA P-256, Ed25519, RSA-PSS, SHA-256).
 *
 * Its scripts, loaded in this order (offline.html), share one namespace, window.OfflineVerifier:
 * offline-verifier.js (this: the page's settings, encodings, signature and key helpers),
 * offline-verifier-lists.js (the cached trust and revocation lists), offline-verifier-hcert.js
 * (HC1), offline-verifier-shc.js (SMART Health Cards), offline-verifier-divoc.js (DIVOC) and
 * offline-verifier-page.js (the form and the answer).
 */
(function () {
  "use strict";

  var KEYS_URL = "/api/kit/v1/certificates/keys";
  var REVOCATIONS_URL = "/api/kit/v1/certificates/revocations";
  var STORE = "cowin-kit-offline-verifier";
  var root = document.getElementById("offline-verifier");
  if (!root) {
    return;
  }
  var text = function (key) { return root.getAttribute("data-" + key) || key; };
  var names = JSON.parse(root.getAttribute("data-names") || "{}");
  var ownName = root.getAttribute("data-issuer-name") || "";
  var decoder = new window.CBOR.Decoder({ mapsAsObjects: false, useRecords: false });
  var encoder = new window.CBOR.Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });

  // -- encodings ---------------------------------------------------------------------------
  function fromBase64(value) {
    var raw = window.atob(value.replace(/-/g, "+").replace(/_/g, "/").replace(/\s/g, "")
      + "===".slice((value.length + 3) % 4));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      out[i] = raw.charCodeAt(i);
    }
    return out;
  }

  function toBase64(bytes) {
    var raw = "";
    for (var i = 0; i < bytes.length; i += 1) {
      raw += String.fromCharCode(bytes[i]);
    }
    return window.btoa(raw);
  }

  var BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

  function base45(value) {
    var out = [];
    for (var i = 0; i < value.length; i += 3) {
      var chunk = value.slice(i, i + 3).split("").map(function (c) {
        var v = BASE45.indexOf(c);
        if (v < 0) {
          throw new Error("UNREADABLE");
        }
        return v;
      });
      if (chunk.length === 3) {
        var n = chunk[0] + chunk[1] * 45 + chunk[2] * 2025;
        if (n > 65535) {
          throw new Error("UNREADABLE");
        }
        out.push(n >> 8, n & 255);
      } else if (chunk.length === 2) {
        var m = chunk[0] + chunk[1] * 45;
        if (m > 255) {
          throw new Error("UNREADABLE");
        }
        out.push(m);
      } else {
        throw new Error("UNREADABLE");
      }
    }
    return new Uint8Array(out);
  }

  function plain(value) {  // CBOR Maps (integer keys) to plain objects, recursively
    if (value instanceof Map) {
      var out = {};
      value.forEach(function (v, k) { out[k] = plain(v); });
      return out;
    }
    if (Array.isArray(value)) {
      return value.map(plain);
    }
    return value;
  }

  function ecdsa(jwk, signature, data) {
    var key = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    return crypto.subtle.importKey("jwk", key, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"])
      .then(function (imported) {
        return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, imported, signature, data);
      });
  }

  function fail(code) {
    var error = new Error(code);
    error.code = code;
    throw error;
  }

  function revoked(data, ids) {
    return (data.revoked || []).some(function (entry) {
      return ids.some(function (id) {
        return id && (id === entry.certificate_id || id === entry.uvci || id === entry.rid);
      });
    });
  }

  // A JWS key by its kid: this instance's (of that format), else a trusted issuer's key set
  // (for SMART Health Cards, only the set of the card's own "iss"). {jwk, alg, name} or null.
  function jwsKey(data, format, kid, iss) {
    var own = (data.formats[format] || []).filter(function (k) { return kid && k.kid === kid; })[0];
    if (own) {
      return { jwk: own.jwk, alg: own.alg, name: ownName };
    }
    var found = null;
    ((data.trusted || {}).jwks || []).forEach(function (keyset) {
      if (found || (iss !== undefined && String(keyset.iss || "").replace(/\/+$/, "") !== String(iss || "").replace(/\/+$/, ""))) {
        return;
      }
      var key = (keyset.keys || []).filter(function (k) { return kid && k.kid === kid; })[0];
      if (key) {
        found = { jwk: key, alg: key.alg, name: keyset.name || keyset.iss };
      }
    });
    return found;
  }

  window.OfflineVerifier = {
    KEYS_URL: KEYS_URL,
    REVOCATIONS_URL: REVOCATIONS_URL,
    STORE: STORE,
    root: root,
    text: text,
    names: names,
    ownName: ownName,
    decoder: decoder,
    encoder: encoder,
    fromBase64: fromBase64,
    toBase64: toBase64,
    base45: base45,
    plain: plain,
    ecdsa: ecdsa,
    fail: fail,
    revoked: revoked,
    jwsKey: jwsKey
  };
}());
