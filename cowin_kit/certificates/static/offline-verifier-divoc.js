/* The offline verifier's DIVOC / CoWIN W3C credential check (see offline-verifier.js):
 * certificate.json in a zip or its JSON, a linked-data proof over URDNA2015 N-Quads, the
 * JSON-LD contexts from the page only (jsonld.js in safe mode).
 */
(function () {
  "use strict";

  var V = window.OfflineVerifier;  // offline-verifier.js, loaded first
  if (!V) {
    return;
  }
  var root = V.root, fromBase64 = V.fromBase64, fail = V.fail, revoked = V.revoked,
      jwsKey = V.jwsKey;

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

  V.divocCredential = divocCredential;
  V.verifyDivoc = verifyDivoc;
}());
