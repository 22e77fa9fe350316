/* The offline verifier's SMART Health Card check (see offline-verifier.js): shc:/ numeric,
 * compact JWS ES256, raw-deflated payload, key by kid.
 */
(function () {
  "use strict";

  var V = window.OfflineVerifier;  // offline-verifier.js, loaded first
  if (!V) {
    return;
  }
  var fromBase64 = V.fromBase64, ecdsa = V.ecdsa, fail = V.fail, revoked = V.revoked,
      jwsKey = V.jwsKey;

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

  V.verifyShc = verifyShc;
}());
