/* The offline desk's identity document checks (issue #22), loaded before desk-offline-forms.js:
 * they run on the device from the pack's rules (pack.device.id_documents: format, normalisation
 * and a generic check algorithm named there, with its parameters). No country is named here:
 * every rule comes from the pack, and the server checks it all again. Plain functions, exported
 * for Node too (the tests compare them with the server's), and as window.DeskIdChecks.
 */
(function (global) {
  "use strict";

  // -- identity documents: generic check algorithms keyed by name ---------------------------
  var VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]];
  var VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]];

  function digits(text) { return /^[0-9]+$/.test(text) ? text.split("").map(Number) : null; }

  /* Each returns null when the number passes, else "format", "length" or "check". */
  var ALGORITHMS = {
    none: function () { return null; },
    luhn: function (number, p) {
      var d = digits(number.slice(p.skip || 0));
      if (!d) { return "format"; }
      var sum = 0;
      d.reverse().forEach(function (x, i) {
        if (i % 2) { x *= 2; if (x > 9) { x -= 9; } }
        sum += x;
      });
      return sum % 10 === 0 ? null : "check";
    },
    verhoeff: function (number) {
      var d = digits(number);
      if (!d) { return "format"; }
      var c = 0;
      d.reverse().forEach(function (x, i) { c = VERHOEFF_D[c][VERHOEFF_P[i % 8][x]]; });
      return c === 0 ? null : "check";
    },
    mod11_weighted: function (number, p) {
      var d = digits(number);
      if (!d) { return "format"; }
      if (d.length !== p.weights.length + 1) { return "length"; }
      var modulus = p.modulus || 11, sum = 0;
      p.weights.forEach(function (w, i) { sum += w * d[i]; });
      var remainder = ((sum % modulus) + modulus) % modulus;  // Python's % is never negative
      var expected = p.complement ? modulus - remainder : remainder;
      return expected % 10 === d[d.length - 1] ? null : "check";
    },
    icao_731: function (number) {
      if (number.length < 2 || !/[0-9]$/.test(number)) { return "format"; }
      var sum = 0;
      for (var i = 0; i < number.length - 1; i++) {
        var ch = number.charAt(i), value;
        if (/[0-9]/.test(ch)) { value = Number(ch); } else if (/[A-Z]/.test(ch)) {
          value = ch.charCodeAt(0) - 55;
        } else if (ch === "<") { value = 0; } else { return "format"; }
        sum += value * [7, 3, 1][i % 3];
      }
      return sum % 10 === Number(number.charAt(number.length - 1)) ? null : "check";
    },
    /* Weighted digit sum modulo ``modulus`` picks the expected check character in each of
     * ``tables``; the character after the weighted digits must be one of them. */
    weighted_mod_table: function (number, p) {
      var d = digits(number.slice(0, p.weights.length));
      if (!d || d.length !== p.weights.length) { return "format"; }
      if (number.length === p.weights.length) { return null; }  // printed without it
      if (number.length !== p.weights.length + 1) { return "length"; }
      var sum = 0;
      p.weights.forEach(function (w, i) { sum += w * d[i]; });
      var r = sum % p.modulus, last = number.charAt(p.weights.length);
      return p.tables.some(function (table) { return table.charAt(r) === last; }) ? null : "check";
    }
  };

  /* Digits of the scripts whose zeros are given (pack.device.digit_zeros) as 0-9. */
  function asciiDigits(text, zeros) {
    return String(text || "").replace(/./g, function (ch) {
      var code = ch.charCodeAt(0);
      for (var i = 0; i < zeros.length; i++) {
        var zero = zeros[i].charCodeAt(0);
        if (code >= zero && code < zero + 10) { return String(code - zero); }
      }
      return ch;
    });
  }

  function normalizeId(rule, raw) {
    var text = String(raw || "").trim().split("").filter(function (ch) {
      return rule.remove.indexOf(ch) < 0;
    }).join("");
    return rule.upper ? text.toUpperCase() : text;
  }

  /* {ok: true, number} or {ok: false, reason: "empty" | "format" | "length" | "check"}. */
  function checkId(rule, raw) {
    var number = normalizeId(rule, raw);
    if (!number) { return { ok: false, reason: "empty" }; }
    if (!new RegExp("^(?:" + rule.format + ")$").test(number)) { return { ok: false, reason: "format" }; }
    var check = rule.check || { algorithm: "none" };
    var algorithm = ALGORITHMS[check.algorithm];
    if (!algorithm) { return { ok: true, number: number }; }  // unknown here: the server checks
    if ((check.exempt || []).indexOf(number) >= 0) { return { ok: true, number: number }; }
    var reason = algorithm(number, check);
    return reason ? { ok: false, reason: reason } : { ok: true, number: number };
  }

  var api = { ALGORITHMS: ALGORITHMS, checkId: checkId, normalizeId: normalizeId, asciiDigits: asciiDigits };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  global.DeskIdChecks = api;
})(typeof window !== "undefined" ? window : this);
