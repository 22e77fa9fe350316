/* The offline desk's encrypted store (issue #22, item 4): everything the desk keeps in
 * IndexedDB (the pack, the queue of events, the attention list, the code-attempt counters) is
 * sealed with AES-GCM-256 (WebCrypto), a fresh random 12-byte IV per record, the store name
 * (and key) as additional data so that records cannot be swapped between places.
 *
 * The key: PBKDF2-SHA256(passphrase the vaccinator chooses, salt = the 32-byte device secret
 * the server hands out with the pack), `iterations` from the pack too. It is a non-extractable
 * CryptoKey held only in memory: after a reload the store is "locked" until the passphrase is
 * typed again. A wrong passphrase fails the AES-GCM check of a sealed constant; after
 * MAX_TRIES wrong ones in a row everything is wiped. Only the key's metadata is in clear (the
 * secret, iterations, the sealed check value, the wipe time, the count of wrong tries): none of
 * it is personal data. Past `expires_at` the whole database is deleted on the next open, and so
 * is anything left that this store cannot read (an older, unencrypted layout).
 * See docs/operations.md, "Encryption at rest and wiping".
 *
 * API (window.DeskStore, every call returns a Promise):
 *   open()                       -> "empty" | "locked" | "expired" (expired: it was just wiped)
 *   setup(passphrase, deviceKey, expiresAt)   a fresh key for an empty store; unlocked after
 *   unlock(passphrase)           -> {ok: true} | {ok: false, left: n} | {ok: false, wiped: true}
 *   extend(expiresAt)            move the wipe time (a new pack was downloaded)
 *   get(store, key) put(store, value[, key]) del(store, key) all(store) clear(store)
 *   count(store)                 (works while locked: counts sealed records)
 *   wipe()                       delete the database and forget the key
 * Synchronous: DeskStore.unlocked(), DeskStore.expiresAt().
 */
(function () {
  "use strict";
  var DB_NAME = "cowin-kit-desk";
  var VERSION = 2;  // 1 kept everything in clear: upgrading deletes it
  var STORES = { kv: {}, queue: { keyPath: "seq", autoIncrement: true },
                 attention: { keyPath: "id" } };
  var MAX_TRIES = 5;
  var CHECK = "cowin-kit-desk-key";
  var db = null, key = null, names = null, meta = null;

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, VERSION);
      req.onupgradeneeded = function () {
        var d = req.result;
        // Whatever an older version left (in clear) goes: it cannot be trusted or read.
        Array.prototype.slice.call(d.objectStoreNames).forEach(function (name) {
          d.deleteObjectStore(name);
        });
        d.createObjectStore("meta");
        Object.keys(STORES).forEach(function (name) {
          var spec = STORES[name];
          d.createObjectStore(name, spec.keyPath ? spec : undefined);
        });
      };
      req.onsuccess = function () {
        // Another tab wipes or upgrades the database: let go of it and start again (its key
        // and data are gone for this tab too).
        req.result.onversionchange = function () {
          req.result.close();
          key = null;
          location.reload();
        };
        resolve(req.result);
      };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(name, mode, work) {
    return new Promise(function (resolve, reject) {
      if (!db) { throw new Error("closed"); }  // being wiped: a rejection, not a crash
      var t = db.transaction(name, mode);
      var req = work(t.objectStore(name));
      t.oncomplete = function () { resolve(req ? req.result : undefined); };
      t.onerror = function () { reject(t.error); };
      t.onabort = function () { reject(t.error); };
    });
  }

  function saveMeta() { return tx("meta", "readwrite", function (s) { return s.put(meta, "key"); }); }

  function b64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s);
  }
  function unb64(text) {
    var s = atob(text), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) { out[i] = s.charCodeAt(i); }
    return out;
  }

  /* PBKDF2 -> an HKDF base -> the AES-GCM key of the records and an HMAC key that turns the kv
   * store's keys ("attempts:<appointment id>") into opaque ones. All non-extractable. */
  function derive(passphrase, secret, iterations) {
    var subtle = crypto.subtle, none = new Uint8Array(0);
    function hkdf(base, info, algorithm, uses) {
      return subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: none,
                                info: new TextEncoder().encode(info) }, base, algorithm, false, uses);
    }
    return subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false,
                            ["deriveBits"])
      .then(function (material) {
        return subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: unb64(secret),
                                   iterations: iterations }, material, 256);
      })
      .then(function (bits) { return subtle.importKey("raw", bits, "HKDF", false, ["deriveKey"]); })
      .then(function (base) {
        return Promise.all([
          hkdf(base, "cowin-kit desk records", { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]),
          hkdf(base, "cowin-kit desk names", { name: "HMAC", hash: "SHA-256", length: 256 }, ["sign"])
        ]);
      })
      .then(function (keys) { return { records: keys[0], names: keys[1] }; });
  }

  function nameOf(k) {
    return crypto.subtle.sign("HMAC", names, new TextEncoder().encode(String(k)))
      .then(function (mac) { return b64(new Uint8Array(mac)); });
  }

  function seal(withKey, value, aad) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var plain = new TextEncoder().encode(JSON.stringify(value));
    return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv,
                                   additionalData: new TextEncoder().encode(aad) }, withKey, plain)
      .then(function (data) { return { iv: iv, data: new Uint8Array(data) }; });
  }

  function open_(withKey, box, aad) {
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv,
                                   additionalData: new TextEncoder().encode(aad) }, withKey, box.data)
      .then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); });
  }

  function need() {
    if (!key) { return Promise.reject(new Error("locked")); }
    return Promise.resolve(key);
  }

  function wipe() {
    key = null;
    names = null;
    meta = null;
    if (db) { db.close(); db = null; }
    return new Promise(function (resolve, reject) {
      var req = indexedDB.deleteDatabase(DB_NAME);
      req.onsuccess = function () { resolve(); };
      req.onerror = function () { reject(req.error); };
      req.onblocked = function () { resolve(); };  // deleted once other tabs close it
    });
  }

  function hasLeftovers() {
    return Promise.all(Object.keys(STORES).map(function (name) {
      return tx(name, "readonly", function (s) { return s.count(); });
    })).then(function (counts) { return counts.some(function (n) { return n > 0; }); });
  }

  function open() {
    return openDb().then(function (opened) {
      db = opened;
      return tx("meta", "readonly", function (s) { return s.get("key"); });
    }).then(function (found) {
      meta = found || null;
      if (meta && Date.parse(meta.expires_at) < Date.now()) {
        return wipe().then(function () { return openDb(); })
          .then(function (d) { db = d; return "expired"; });
      }
      if (meta) { return "locked"; }
      // Data without a key can be read by no one: wipe it.
      return hasLeftovers().then(function (left) {
        return left ? wipe().then(openDb).then(function (d) { db = d; return "empty"; })
                    : "empty";
      });
    });
  }

  function setup(passphrase, deviceKey, expiresAt) {
    return derive(passphrase, deviceKey.secret, deviceKey.iterations).then(function (k) {
      return seal(k.records, CHECK, "meta").then(function (check) {
        meta = { secret: deviceKey.secret, iterations: deviceKey.iterations, check: check,
                 expires_at: expiresAt, tries: 0 };
        return saveMeta();
      }).then(function () { key = k.records; names = k.names; });
    });
  }

  function unlock(passphrase) {
    if (!meta) { return Promise.resolve({ ok: false, wiped: true }); }
    return derive(passphrase, meta.secret, meta.iterations).then(function (k) {
      return open_(k.records, meta.check, "meta").then(function (value) {
        if (value !== CHECK) { throw new Error("check"); }
        key = k.records;
        names = k.names;
        meta.tries = 0;
        return saveMeta().then(function () { return { ok: true }; });
      }, function () {
        meta.tries = (meta.tries || 0) + 1;
        if (meta.tries >= MAX_TRIES) {
          return wipe().then(openDb).then(function (d) { db = d; return { ok: false, wiped: true }; });
        }
        return saveMeta().then(function () { return { ok: false, left: MAX_TRIES - meta.tries }; });
      });
    });
  }

  function extend(expiresAt) {
    meta.expires_at = expiresAt;
    return saveMeta();
  }

  function aadOf(name, k) { return STORES[name].keyPath ? name : name + "\n" + k; }

  /* The key a record is stored under: kv keys as an HMAC (opaque), the others as they are. */
  function storedKey(name, k) {
    return STORES[name].keyPath || k === undefined ? Promise.resolve(k) : nameOf(k);
  }

  function get(name, k) {
    return need().then(function (withKey) {
      return storedKey(name, k).then(function (at) {
        return tx(name, "readonly", function (s) { return s.get(at); });
      }).then(function (box) {
        return box ? open_(withKey, box, aadOf(name, k)) : undefined;
      });
    });
  }

  function unbox(withKey, name, box) {
    var spec = STORES[name];
    return open_(withKey, box, aadOf(name)).then(function (value) {
      if (spec.keyPath) { value[spec.keyPath] = box[spec.keyPath]; }
      return value;
    });
  }

  function all(name) {
    return need().then(function (withKey) {
      return tx(name, "readonly", function (s) { return s.getAll(); }).then(function (boxes) {
        return Promise.all(boxes.map(function (box) { return unbox(withKey, name, box); }));
      });
    });
  }

  function put(name, value, k) {
    var spec = STORES[name];
    return need().then(function (withKey) {
      var clear = value;
      if (spec.keyPath) {  // the key stays outside the sealed box (a number or a random UUID)
        clear = {};
        Object.keys(value).forEach(function (f) { if (f !== spec.keyPath) { clear[f] = value[f]; } });
      }
      return Promise.all([seal(withKey, clear, aadOf(name, k)), storedKey(name, k)])
        .then(function (got) {
          var box = got[0], at = got[1];
          if (spec.keyPath && value[spec.keyPath] !== undefined) { box[spec.keyPath] = value[spec.keyPath]; }
          return tx(name, "readwrite", function (s) { return spec.keyPath ? s.put(box) : s.put(box, at); });
        });
    });
  }

  function del(name, k) {
    return need().then(function () { return storedKey(name, k); }).then(function (at) {
      return tx(name, "readwrite", function (s) { return s.delete(at); });
    });
  }

  function clear(name) {
    return tx(name, "readwrite", function (s) { return s.clear(); });
  }

  function count(name) {
    if (!db) { return Promise.resolve(0); }  // being wiped
    return tx(name, "readonly", function (s) { return s.count(); });
  }

  window.DeskStore = {
    open: open, setup: setup, unlock: unlock, extend: extend, wipe: wipe,
    get: get, put: put, del: del, all: all, clear: clear, count: count,
    unlocked: function () { return key !== null; },
    expiresAt: function () { return meta ? meta.expires_at : null; },
    MAX_TRIES: MAX_TRIES
  };
})();
