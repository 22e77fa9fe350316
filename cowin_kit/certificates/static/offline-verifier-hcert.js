/* The offline verifier's HC1 check (see offline-verifier.js): EU DCC and WHO DDCC:VS, base45,
 * zlib, COSE_Sign1 ES256 over the CWT, the key found by its COSE kid.
 */
(function () {
  "use strict";

  var V = window.OfflineVerifier;  // offline-verifier.js, loaded first
  if (!V) {
    return;
  }
  var ownName = V.ownName, decoder = V.decoder, encoder = V.encoder, toBase64 = V.toBase64,
      base45 = V.base45, plain = V.plain, ecdsa = V.ecdsa, fail = V.fail, revoked = V.revoked;

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
    // "unknown": a routine product's manufacturer (routine.yaml names none): not shown
    var maker = code(v.manufacturer) === "unknown" ? undefined : code(v.manufacturer);
    return { status: "valid", format: "ddcc", name: body.name, birth: body.birthDate,
             vaccine: code(v.brand), type: code(v.vaccine), manufacturer: maker,
             disease: code(v.disease), dose: v.dose, total: v.totalDoses, date: v.date,
             issuer: ((certificate.issuer || {}).identifier || {}).value,
             id: (certificate.hcid || {}).value };
  }

  V.verifyHcert = verifyHcert;
}());
