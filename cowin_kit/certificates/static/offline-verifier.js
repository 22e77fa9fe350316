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

  // -- HC1: EU DCC and WHO DDCC:VS -----------------------------------------------------------
  function verifyHcert(payload, data) {
    var compressed = base45(payload.slice(4));
    var raw;
    try {
      raw = compressed[0] === 0x78 ? window.pako.inflate(compressed) : compressed;
    } catch (error) {
      fail("UNREADABLE");
    }
    var cose = decoder.decode(raw);
    if (cose && cose.tag === 18) {
      cose = cose.value;
    }
    if (!Array.isArray(cose) || cose.length !== 4) {
      fail("NOT_A_CERTIFICATE");
    }
    var headers = cose[0].length ? decoder.decode(cose[0]) : new Map();
    var kid = headers.get(4) || (cose[1] instanceof Map ? cose[1].get(4) : null);
    var claims = decoder.decode(cose[2]);
    var hcert = claims.get(-260);
    if (!(hcert instanceof Map)) {
      fail("NOT_A_CERTIFICATE");
    }
    var kidText = kid ? toBase64(new Uint8Array(kid)) : null;
    var own = (data.formats.eu_dcc || []).map(function (key) { return { key: key, name: ownName }; });
    var trusted = ((data.trusted || {}).hcert || []).map(function (key) { return { key: key, name: key.name }; });
    var keys = own.concat(trusted).filter(function (entry) {
      return entry.key.jwk && entry.key.jwk.kty === "EC" && (!kidText || entry.key.cose_kid === kidText);
    });
    if (!keys.length) {
      fail("UNKNOWN_ISSUER");
    }
    var signed = encoder.encode(["Signature1", new Uint8Array(cose[0]), new Uint8Array(0), new Uint8Array(cose[2])]);
    return keys.reduce(function (found, entry) {
      return found.then(function (match) {
        return match || ecdsa(entry.key.jwk, new Uint8Array(cose[3]), signed).then(function (ok) {
          return ok ? entry : null;
        });
      });
    }, Promise.resolve(null)).then(function (match) {
      if (!match) {
        fail("BAD_SIGNATURE");
      }
      var now = Date.now() / 1000;
      var result = hcert.has(1) ? dccResult(plain(hcert.get(1))) : ddccResult(plain(hcert.get(2)));
      if (claims.get(6) > now + 300) {
        fail("NOT_YET_VALID");
      }
      if (claims.get(4) < now) {
        result.status = "expired";
      }
      result.issuer_name = match.name;
      if (revoked(data, [result.id, result.uvci])) {
        result.status = "revoked";
      }
      return result;
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

  function dccResult(body) {
    var v = (body.v || [])[0] || {};
    var n = body.nam || {};
    return { status: "valid", format: "eu_dcc", name: [n.gn, n.fn].filter(Boolean).join(" ") || n.fnt,
             birth: body.dob, vaccine: v.mp, type: v.vp, manufacturer: v.ma, disease: v.tg,
             dose: v.dn, total: v.sd, date: v.dt, issuer: v.is, id: v.ci, uvci: v.ci };
  }

  function ddccResult(body) {
    var v = body.vaccination || {};
    var code = function (c) { return (c || {}).code; };
    var certificate = body.certificate || {};
    return { status: "valid", format: "ddcc", name: body.name, birth: body.birthDate,
             vaccine: code(v.brand), type: code(v.vaccine), manufacturer: code(v.manufacturer),
             disease: code(v.disease), dose: v.dose, total: v.totalDoses, date: v.date,
             issuer: ((certificate.issuer || {}).identifier || {}).value,
             id: (certificate.hcid || {}).value };
  }

  // -- SMART Health Cards ----------------------------------------------------------------------
  function verifyShc(payload, data) {
    var jws = payload.trim();
    if (jws.indexOf("shc:/") === 0) {
      var digits = jws.slice(5);
      if (!/^\d+$/.test(digits) || digits.length % 2) {
        fail("UNREADABLE");
      }
      jws = "";
      for (var i = 0; i < digits.length; i += 2) {
        jws += String.fromCharCode(parseInt(digits.slice(i, i + 2), 10) + 45);
      }
    }
    var parts = jws.split(".");
    if (parts.length !== 3) {
      fail("UNREADABLE");
    }
    var header = JSON.parse(new TextDecoder().decode(fromBase64(parts[0])));
    var body = JSON.parse(new TextDecoder().decode(window.pako.inflateRaw(fromBase64(parts[1]))));
    var key = jwsKey(data, "shc", header.kid, body.iss);
    if (!key || header.alg !== "ES256" || key.jwk.kty !== "EC") {
      fail("UNKNOWN_ISSUER");
    }
    var signed = new TextEncoder().encode(parts[0] + "." + parts[1]);
    return ecdsa(key.jwk, fromBase64(parts[2]), signed).then(function (ok) {
      if (!ok) {
        fail("BAD_SIGNATURE");
      }
      var entries = (((body.vc || {}).credentialSubject || {}).fhirBundle || {}).entry || [];
      var patient = {};
      var shots = [];
      entries.forEach(function (entry) {
        var resource = entry.resource || {};
        if (resource.resourceType === "Patient") {
          patient = resource;
        } else if (resource.resourceType === "Immunization") {
          shots.push(resource);
        }
      });
      var last = shots[shots.length - 1] || {};
      var name = (patient.name || [{}])[0];
      var result = { status: "valid", format: "shc", name: name.text || [].concat(name.given || [], [name.family]).join(" "),
                     birth: patient.birthDate, vaccine: (((last.vaccineCode || {}).coding || [])[0] || {}).code,
                     dose: shots.length, date: last.occurrenceDateTime, issuer: body.iss,
                     id: (body.vc || {}).rid, issuer_name: key.name };
      if (revoked(data, [result.id])) {
        result.status = "revoked";
      }
      return result;
    });
  }

  // -- DIVOC / CoWIN W3C verifiable credential ------------------------------------------------
  var contexts = JSON.parse(root.getAttribute("data-contexts") || "{}");
  var COWIN_VACCINATION = "https://cowin.gov.in/credentials/vaccination/";
  var SECURITY_V2 = "https://w3id.org/security/v2";
  var PROOF_TYPES = { EdDSA: "Ed25519Signature2018", PS256: "RsaSignature2018" };

  function latin1(textValue) {  // a string of byte values (the QR's "binary string"), or null
    var out = new Uint8Array(textValue.length);
    for (var i = 0; i < textValue.length; i += 1) {
      var c = textValue.charCodeAt(i);
      if (c > 255) {
        return null;
      }
      out[i] = c;
    }
    return out;
  }

  function unzipCertificate(bytes) {  // certificate.json from the zip's first local file entry
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 30 || view.getUint32(0, true) !== 0x04034b50) {
      fail("NOT_A_CERTIFICATE");
    }
    var method = view.getUint16(8, true);
    var size = view.getUint32(18, true);
    var nameLength = view.getUint16(26, true);
    var start = 30 + nameLength + view.getUint16(28, true);
    var name = new TextDecoder().decode(bytes.subarray(30, 30 + nameLength));
    if (name !== "certificate.json" || start > bytes.length) {
      fail("NOT_A_CERTIFICATE");
    }
    var body = bytes.subarray(start, size ? start + size : bytes.length);
    try {
      return method === 8 ? window.pako.inflateRaw(body) : method === 0 ? body : fail("UNREADABLE");
    } catch (error) {
      return fail(error.code || "UNREADABLE");
    }
  }

  // The credential in what was pasted or scanned: its JSON, the QR's text (a zip read as a
  // Latin-1 string), or the kit's "text" download (the QR bytes in base64). Else null.
  function divocCredential(payload) {
    var value = payload.trim();
    var bytes = null;
    if (value.charAt(0) === "{") {
      bytes = new TextEncoder().encode(value);
    } else if (value.slice(0, 2) === "PK") {
      bytes = latin1(payload);
    } else if (/^[A-Za-z0-9+/\s]{16,}={0,2}$/.test(value)) {
      var raw = fromBase64(value.replace(/\s/g, ""));
      try {  // the QR bytes are the zip's Latin-1 string, UTF-8 encoded
        bytes = latin1(new TextDecoder("utf-8", { fatal: true }).decode(raw)) || raw;
      } catch (error) {
        bytes = raw;
      }
    }
    if (!bytes) {
      return null;
    }
    if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
      bytes = unzipCertificate(bytes);
    } else if (String.fromCharCode(bytes[0]).trim() !== "" && bytes[0] !== 0x7b) {
      return null;
    }
    try {
      var doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      return doc && typeof doc === "object" && !Array.isArray(doc) ? doc : fail("NOT_A_CERTIFICATE");
    } catch (error) {
      return fail(error.code || "NOT_A_CERTIFICATE");
    }
  }

  // The kit's copies of the contexts; a vaccination context only at CoWIN or at the issuer.
  function documentLoader(issuer) {
    var own = typeof issuer === "string" ? issuer.replace(/\/+$/, "") + "/credentials/vaccination/" : null;
    return function (url) {
      var key = url;
      if (own && url.indexOf(own) === 0 && /^v[12]$/.test(url.slice(own.length))) {
        key = COWIN_VACCINATION + url.slice(own.length);
      }
      var documentValue = contexts[key] || contexts[key.replace(/\/+$/, "")];
      if (!documentValue) {
        return Promise.reject(Object.assign(new Error("context " + url), { code: "UNREADABLE" }));
      }
      return Promise.resolve({ contextUrl: null, documentUrl: url, document: documentValue });
    };
  }

  function canonicalDigest(doc, loader) {
    return window.jsonld.canonize(doc, { algorithm: "RDFC-1.0", format: "application/n-quads",
                                         documentLoader: loader, safe: true })
      .then(function (nquads) { return crypto.subtle.digest("SHA-256", new TextEncoder().encode(nquads)); },
            function () { fail("UNREADABLE"); });
  }

  function verifyLinkedData(alg, jwk, signature, data) {
    var imported;
    if (alg === "EdDSA" && jwk.kty === "OKP" && jwk.crv === "Ed25519") {
      imported = crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" },
                                         false, ["verify"])
        .then(function (key) { return crypto.subtle.verify({ name: "Ed25519" }, key, signature, data); });
    } else if (alg === "PS256" && jwk.kty === "RSA") {
      imported = crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e }, { name: "RSA-PSS", hash: "SHA-256" },
                                         false, ["verify"])
        .then(function (key) {
          return crypto.subtle.verify({ name: "RSA-PSS", saltLength: 32 }, key, signature, data);
        });
    } else {
      return Promise.resolve(false);
    }
    return imported.catch(function (error) {
      if (error && error.name === "NotSupportedError") {
        fail("BROWSER_UNSUPPORTED");  // e.g. no Ed25519 in this browser's WebCrypto (Chrome < 137)
      }
      return false;
    });
  }

  function verifyDivoc(signed, data) {
    var proof = signed.proof;
    if (!proof || typeof proof !== "object" || Array.isArray(proof)) {
      fail("NOT_A_CERTIFICATE");
    }
    var parts = String(proof.jws || "").split(".");
    var header;
    try {
      header = JSON.parse(new TextDecoder().decode(fromBase64(parts[0])));
    } catch (error) {
      fail("UNREADABLE");
    }
    if (parts.length !== 3 || parts[1] !== "" || !header || header.b64 !== false
        || JSON.stringify(header.crit) !== '["b64"]' || PROOF_TYPES[header.alg] !== proof.type) {
      fail("UNREADABLE");
    }
    var kid = String(proof.verificationMethod || "").split("#").pop();
    var key = jwsKey(data, "divoc_vc", kid);
    if (!key) {
      fail("UNKNOWN_ISSUER");
    }
    var doc = {};
    Object.keys(signed).forEach(function (name) {
      if (name !== "proof") {
        doc[name] = signed[name];
      }
    });
    var options = { "@context": SECURITY_V2 };
    Object.keys(proof).forEach(function (name) {
      if (name !== "jws") {
        options[name] = proof[name];
      }
    });
    var loader = documentLoader(doc.issuer);
    return Promise.all([canonicalDigest(options, loader), canonicalDigest(doc, loader)]).then(function (digests) {
      var prefix = new TextEncoder().encode(parts[0] + ".");
      var message = new Uint8Array(prefix.length + 64);
      message.set(prefix, 0);
      message.set(new Uint8Array(digests[0]), prefix.length);
      message.set(new Uint8Array(digests[1]), prefix.length + 32);
      return verifyLinkedData(header.alg, key.jwk, fromBase64(parts[2]), message);
    }).then(function (ok) {
      if (!ok) {
        fail("BAD_SIGNATURE");
      }
      var subject = doc.credentialSubject || {};
      var evidence = (doc.evidence || [{}]).slice(-1)[0] || {};
      var result = { status: "valid", format: "divoc_vc", name: subject.name, age: subject.age,
                     vaccine: evidence.vaccine, manufacturer: evidence.manufacturer, dose: evidence.dose,
                     total: evidence.totalDoses, date: evidence.date, issuer: doc.issuer,
                     id: evidence.certificateId ? String(evidence.certificateId) : "",
                     issuer_name: key.name };
      var until = String(evidence.effectiveUntil || "").slice(0, 10);
      if (until && until < new Date().toISOString().slice(0, 10)) {
        result.status = "expired";
      }
      if (revoked(data, [result.id])) {
        result.status = "revoked";
      }
      return result;
    });
  }

  // -- the page --------------------------------------------------------------------------------
  function verify(payload) {
    var data = load();
    var value = payload.trim();
    if (!data) {
      return Promise.reject(Object.assign(new Error("NO_LISTS"), { code: "NO_LISTS" }));
    }
    try {
      if (value.indexOf("HC1:") === 0) {
        return verifyHcert(value, data);
      }
      if (value.indexOf("shc:/") === 0 || /^ey[^.]*\.[^.]+\.[^.]+$/.test(value)) {
        return verifyShc(value, data);
      }
      var credential = divocCredential(payload);
      if (credential) {
        return verifyDivoc(credential, data);
      }
      return Promise.reject(Object.assign(new Error("NOT_A_CERTIFICATE"), { code: "NOT_A_CERTIFICATE" }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  function named(table, code) {
    return code ? ((names[table] || {})[code] || code) : "";
  }

  function show(result) {
    var out = document.getElementById("offline-result");
    out.className = "verify-result verify-" + result.status;
    out.setAttribute("data-status", result.status);
    out.setAttribute("data-format", result.format || "");
    out.removeAttribute("data-reason");
    var rows = [
      ["name", result.name], ["birth", result.birth], ["age", result.age],
      ["vaccine", named("products", result.vaccine)], ["type", named("types", result.type)],
      ["manufacturer", named("manufacturers", result.manufacturer)], ["disease", named("diseases", result.disease)],
      ["dose", result.total ? result.dose + " / " + result.total : result.dose], ["date", result.date],
      ["issuer", result.issuer_name || result.issuer], ["id", result.id]
    ];
    out.innerHTML = "";
    var heading = document.createElement("h2");
    heading.textContent = text("status-" + result.status);
    heading.setAttribute("tabindex", "-1");
    out.appendChild(heading);
    var list = document.createElement("dl");
    rows.forEach(function (row) {
      if (row[1] === undefined || row[1] === null || row[1] === "") {
        return;
      }
      var term = document.createElement("dt");
      term.textContent = text("label-" + row[0]);
      var value = document.createElement("dd");
      var bdi = document.createElement("bdi");
      bdi.textContent = String(row[1]);
      value.appendChild(bdi);
      list.appendChild(term);
      list.appendChild(value);
    });
    out.appendChild(list);
    out.hidden = false;
    heading.focus();
  }

  function showError(code) {
    var out = document.getElementById("offline-result");
    out.className = "verify-result verify-invalid";
    out.setAttribute("data-status", "invalid");
    out.setAttribute("data-reason", code);
    out.innerHTML = "";
    var heading = document.createElement("h2");
    heading.textContent = text("status-invalid");
    heading.setAttribute("tabindex", "-1");
    var reason = document.createElement("p");
    reason.textContent = text("reason-" + code) === "reason-" + code ? text("reason-UNREADABLE") : text("reason-" + code);
    out.appendChild(heading);
    out.appendChild(reason);
    out.hidden = false;
    heading.focus();
  }

  document.getElementById("offline-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var payload = document.getElementById("offline-payload").value;
    var out = document.getElementById("offline-result");
    ["data-status", "data-format", "data-reason"].forEach(function (name) { out.removeAttribute(name); });
    out.hidden = true;  // no earlier answer stays on screen while this one is checked
    verify(payload).then(show, function (error) {
      showError(error.code || (/^[A-Z_]+$/.test(error.message) ? error.message : "UNREADABLE"));
    });
  });
  document.getElementById("lists-refresh").addEventListener("click", function () { refresh(); });
  window.addEventListener("online", function () { refresh(); });
  window.addEventListener("offline", showAge);
  showAge();
  refresh();
  window.setInterval(showAge, 60000);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-worker"), { scope: root.getAttribute("data-scope") });
  }
}());
