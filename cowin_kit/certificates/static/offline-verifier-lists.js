/* The offline verifier's cached trust and revocation lists (see offline-verifier.js): kept in
 * localStorage with their age, refreshed whenever the network is there; the revocation list
 * only when its JWS verifies with this instance's revocation key.
 */
(function () {
  "use strict";

  var V = window.OfflineVerifier;  // offline-verifier.js, loaded first
  if (!V) {
    return;
  }
  var KEYS_URL = V.KEYS_URL, REVOCATIONS_URL = V.REVOCATIONS_URL, STORE = V.STORE, root = V.root,
      text = V.text, fromBase64 = V.fromBase64, toBase64 = V.toBase64, ecdsa = V.ecdsa,
      revoked = V.revoked;

  // -- the cached trust and revocation lists -------------------------------------------------
  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(STORE) || "null");
    } catch (error) {
      return null;
    }
  }

  function save(data) {
    window.localStorage.setItem(STORE, JSON.stringify(data));
  }

  function ageText(data) {
    if (!data) {
      return text("never");
    }
    var minutes = Math.max(0, Math.round((Date.now() - data.fetched) / 60000));
    var format = new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: "auto" });
    if (minutes < 60) {
      return format.format(-minutes, "minute");
    }
    if (minutes < 60 * 48) {
      return format.format(-Math.round(minutes / 60), "hour");
    }
    return format.format(-Math.round(minutes / 1440), "day");
  }

  function showAge() {
    var data = load();
    document.getElementById("lists-age").textContent = ageText(data);
    document.getElementById("lists-state").textContent = navigator.onLine ? text("online") : text("offline");
    document.getElementById("lists-warning").hidden = root.getAttribute("data-lists-warning") !== "revocations";
    root.setAttribute("data-ready", data ? "yes" : "no");
  }

  function refresh() {
    if (!navigator.onLine) {
      showAge();
      return Promise.resolve(false);
    }
    return Promise.all([fetch(KEYS_URL, { cache: "no-store" }), fetch(REVOCATIONS_URL, { cache: "no-store" })])
      .then(function (responses) {
        if (!responses[0].ok || !responses[1].ok) {
          throw new Error("lists");
        }
        return Promise.all([responses[0].json(), responses[1].json()]);
      })
      .then(function (bodies) {
        var formats = bodies[0].formats || {};
        var trusted = bodies[0].trusted || {};
        return signedRevocations(bodies[1], formats.eu_dcc || [], load()).then(function (list) {
          if (!list) {  // not the list this instance signed: keep the cached lists, and say so
            root.setAttribute("data-lists-warning", "revocations");
            showAge();
            return false;
          }
          return Promise.all([withKids(formats.eu_dcc || []), withKids(trusted.hcert || [])]).then(function () {
            root.removeAttribute("data-lists-warning");
            save({ fetched: Date.now(), formats: formats, trusted: trusted, revoked: list.revoked || [],
                   revocations_generated: list.generated_at });
            showAge();
            return true;
          });
        });
      })
      .catch(function () {
        showAge();
        return false;
      });
  }

  // JSON with its object keys sorted, to compare two parsed documents
  function canonicalJson(value) {
    if (Array.isArray(value)) {
      return "[" + value.map(canonicalJson).join(",") + "]";
    }
    if (value && typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (name) {
        return JSON.stringify(name) + ":" + canonicalJson(value[name]);
      }).join(",") + "}";
    }
    return JSON.stringify(value === undefined ? null : value);
  }

  // The revocation list the API sent, if its JWS (ES256) verifies with one of this instance's
  // published document-signer keys (the revocation key), the list sent is the list signed, and
  // it is not older than the list already kept; else null. With no such key published nothing
  // can be signed yet: only an empty list is taken then.
  function signedRevocations(body, keys, cached) {
    if (!keys.length) {
      return Promise.resolve(body.jws || (body.revoked || []).length ? null : body);
    }
    var parts = String(body.jws || "").split(".");
    var header;
    var signed;
    try {
      header = JSON.parse(new TextDecoder().decode(fromBase64(parts[0])));
      signed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64(parts[1])));
    } catch (error) {
      return Promise.resolve(null);
    }
    var key = keys.filter(function (k) { return header && k.kid === header.kid; })[0];
    if (parts.length !== 3 || !key || header.alg !== "ES256" || !signed || !Array.isArray(signed.revoked)) {
      return Promise.resolve(null);
    }
    return ecdsa(key.jwk, fromBase64(parts[2]), new TextEncoder().encode(parts[0] + "." + parts[1]))
      .then(function (ok) {
        var same = canonicalJson(signed.revoked) === canonicalJson(body.revoked || []);
        var older = cached && cached.revocations_generated && signed.generated_at < cached.revocations_generated;
        return ok && same && !older ? signed : null;
      }, function () { return null; });
  }

  // the COSE kid of each document-signer certificate: SHA-256 of its DER, first 8 bytes
  function withKids(keys) {
    return Promise.all(keys.map(function (key) {
      if (!key.certificate) {
        return Promise.resolve(key);
      }
      return crypto.subtle.digest("SHA-256", fromBase64(key.certificate)).then(function (hash) {
        key.cose_kid = toBase64(new Uint8Array(hash).slice(0, 8));
        return key;
      });
    }));
  }

  V.load = load;
  V.showAge = showAge;
  V.refresh = refresh;
}());
