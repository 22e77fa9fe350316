/* The offline desk (issue #22): keeps the day's pack and a queue of events in IndexedDB,
 * checks secret codes against the pack's PBKDF2 hashes (WebCrypto; at most max_attempts wrong
 * codes per appointment), records doses offline with a client-generated UUID each, and syncs
 * the queue to /api/kit/v1/staff/desk/sync when asked (applied and duplicate events leave the
 * queue; conflicts and invalid events are listed under "Needs attention").
 * Back online, the queue is sent by itself too (a repeat send is harmless: events are idempotent).
 * Storage goes through desk-store.js (window.DeskStore): sealed with a key from a passphrase
 * the vaccinator chooses at the first download, locked after every reload, wiped on sign-out,
 * after too many wrong passphrases and when the list expires (docs/operations.md).
 */
(function () {
  "use strict";
  var root = document.getElementById("offline-desk");
  if (!root) { return; }
  var Store = window.DeskStore;
  var Forms = window.DeskForms;  // desk-offline-forms.js: walk-ins, AEFI, device checks
  var lock = "empty";  // "empty" (no data, no key), "locked" (data, key not typed), "open"

  function t(key) { return root.getAttribute("data-t-" + key) || key; }
  function $(id) { return document.getElementById(id); }

  // Every record is encrypted by desk-store.js; these names stay for the code below.
  function get(name, key) { return Store.get(name, key); }
  function put(name, value, key) { return Store.put(name, value, key); }
  function del(name, key) { return Store.del(name, key); }
  function all(name) { return Store.all(name); }
  function clear(name) { return Store.clear(name); }

  function setLock(state) {
    lock = state;
    root.setAttribute("data-lock", state);
    $("desk-setup").hidden = state !== "empty";
    $("desk-unlock").hidden = state !== "locked";
  }

  function message(text) {
    var box = $("offline-message");
    box.textContent = text;
    box.hidden = !text;
  }

  function showState() {
    $("offline-state").textContent = navigator.onLine ? t("online") : t("offline");
  }

  function b64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s);
  }
  function unb64(text) {
    var s = atob(text);
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) { out[i] = s.charCodeAt(i); }
    return out;
  }
  function uuidBytes(id) {
    var hex = id.replace(/-/g, "");
    var out = new Uint8Array(16);
    for (var i = 0; i < 16; i++) { out[i] = parseInt(hex.substr(i * 2, 2), 16); }
    return out;
  }

  /* PBKDF2-SHA256(code, salt || appointment id bytes): as cowin_kit/vaccination/offline.py. */
  function codeHash(pack, appointmentId, code) {
    var salt = unb64(pack.code_hash.salt);
    var full = new Uint8Array(salt.length + 16);
    full.set(salt, 0);
    full.set(uuidBytes(appointmentId), salt.length);
    return crypto.subtle.importKey("raw", new TextEncoder().encode(code), "PBKDF2", false,
                                   ["deriveBits"])
      .then(function (key) {
        return crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: full,
                                          iterations: pack.code_hash.iterations }, key, 256);
      })
      .then(function (bits) { return b64(new Uint8Array(bits)); });
  }

  /* A code typed on an Arabic, Persian or Devanagari keyboard is the same code (the online
   * desk accepts these digits too; the hash and the server compare 0-9). */
  function latinDigits(text) {
    return text.replace(/[\u0660-\u0669\u06f0-\u06f9\u0966-\u096f]/g, function (d) {
      var c = d.charCodeAt(0);
      return String(c - (c >= 0x0966 ? 0x0966 : c >= 0x06f0 ? 0x06f0 : 0x0660));
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function loadPack() {
    if (!Store.unlocked()) { return Promise.resolve(null); }
    if (Date.parse(Store.expiresAt()) < Date.now()) {  // expired while open: wipe it all
      return Store.wipe().then(Store.open).then(function () {
        setLock("empty");
        message(t("expired"));
        return null;
      });
    }
    return get("kv", "pack").then(function (pack) { return pack || null; });
  }

  function renderQueue() {
    var events = Store.unlocked() ? all("queue") : Store.count("queue").then(function (n) {
      return new Array(n);  // locked: only how many are waiting
    });
    return events.then(function (events) {
      $("queue-count").textContent = String(events.length);
      return events;
    });
  }

  function renderAttention() {
    return (Store.unlocked() ? all("attention") : Promise.resolve([])).then(function (items) {
      var list = $("attention");
      list.textContent = "";
      items.forEach(function (item) {
        list.appendChild(el("li", { "data-code": item.code || "" },
                            item.label + ": " + (item.message || item.code)));
      });
      $("attention-section").hidden = items.length === 0;
    });
  }

  function appointmentRow(pack, row, queued) {
    var li = el("li", { "data-appointment": row.appointment_id, "class": "card" });
    li.appendChild(el("strong", {}, row.name_masked));
    li.appendChild(document.createTextNode(" · " + row.reference_id + " · " + row.slot + " · " +
                                           t("dose") + " " + row.dose_number));
    var status = el("p", { "class": "muted status" });
    li.appendChild(status);
    if (queued[row.appointment_id]) {
      status.textContent = t("queued");
      return li;
    }
    if (row.status !== "booked") {  // in words, as the online desk says it
      status.textContent = t(row.status === "completed" ? "vaccinated" : "no-show");
      return li;
    }
    var form = el("form", { "class": "form offline-dose" });
    var codeId = "code-" + row.appointment_id, lotId = "lot-" + row.appointment_id;
    form.appendChild(el("label", { "for": codeId }, t("code")));
    form.appendChild(el("input", { id: codeId, name: "code", inputmode: "numeric",
                                   autocomplete: "off", maxlength: "8", required: "" }));
    form.appendChild(el("label", { "for": lotId }, t("lot")));
    var lot = el("input", { id: lotId, name: "lot", maxlength: "20", required: "",
                            list: "lots-" + row.vaccine });
    var known = (pack.lots || []).filter(function (l) { return l.vaccine === row.vaccine; });
    if (known.length) { lot.value = known[0].lot; }
    form.appendChild(lot);
    form.appendChild(el("button", { type: "submit", "class": "button" }, t("record")));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      record(pack, row, latinDigits(form.elements.code.value.trim()), form.elements.lot.value.trim());
    });
    li.appendChild(form);
    var noShow = el("button", { type: "button", "class": "button secondary" }, t("no-show"));
    noShow.addEventListener("click", function () {
      queue({ id: crypto.randomUUID(), kind: "no_show", appointment_id: row.appointment_id,
              label: row.name_masked + " · " + row.reference_id });
    });
    li.appendChild(noShow);
    return li;
  }

  function queue(event) {
    return put("queue", event).then(function () { return Forms && Forms.queued(event); })
      .then(function () { message(t("queued")); return render(); });
  }

  function render() {
    return Promise.all([loadPack(), renderQueue()]).then(function (got) {
      var pack = got[0], events = got[1];
      var list = $("appointments");
      // The list is drawn again after every change; keep what the vaccinator is typing in
      // another card (and where the cursor is), or a code half typed would vanish.
      var typed = {}, focused = document.activeElement && document.activeElement.id;
      Array.prototype.forEach.call(list.querySelectorAll("input[id]"), function (input) {
        if (input.value !== input.defaultValue) { typed[input.id] = input.value; }
      });
      list.textContent = "";
      if (Forms) { Forms.render(pack); }
      if (!pack) {
        $("pack-day").textContent = "–";
        if (!$("offline-message").textContent) { message(t(lock === "locked" ? "locked" : "no-pack")); }
        return;
      }
      var lang = document.documentElement.lang || undefined;
      $("pack-day").textContent = new Intl.DateTimeFormat(lang, { dateStyle: "long" })
        .format(new Date(pack.day + "T12:00:00"));
      var queued = {};
      events.forEach(function (e) { if (e && e.appointment_id) { queued[e.appointment_id] = true; } });
      pack.appointments.forEach(function (row) { list.appendChild(appointmentRow(pack, row, queued)); });
      Object.keys(typed).forEach(function (id) {
        var input = document.getElementById(id);
        if (input && list.contains(input)) { input.value = typed[id]; }
      });
      var again = focused && document.getElementById(focused);
      if (again && list.contains(again)) { again.focus(); }
      root.setAttribute("data-ready", "yes");
    }).then(renderAttention);
  }

  function record(pack, row, code, lot) {
    var refused = Forms ? Forms.doseRefusal(pack, row) : "";  // eligibility, as online
    if (refused) { message(refused); return Promise.resolve(null); }
    var key = "attempts:" + row.appointment_id;
    return get("kv", key).then(function (attempts) {
      attempts = attempts || 0;
      if (attempts >= pack.code_hash.max_attempts) { message(t("blocked")); return null; }
      return codeHash(pack, row.appointment_id, code).then(function (hash) {
        if (hash !== row.code_hash) {
          return put("kv", attempts + 1, key).then(function () {
            message(attempts + 1 >= pack.code_hash.max_attempts ? t("blocked") : t("wrong-code"));
          });
        }
        var event = { id: crypto.randomUUID(), kind: "dose", reference_id: row.reference_id,
                      appointment_id: row.appointment_id, secret_code: code,
                      vaccine: row.vaccine, lot: lot, dose_number: row.dose_number,
                      administered_at: new Date().toISOString(),
                      label: row.name_masked + " · " + row.reference_id };
        return queue(event);
      });
    });
  }

  function download() {
    var passphrase = $("desk-new-passphrase").value;
    if (lock === "locked") { message(t("locked")); return Promise.resolve(); }
    if (lock === "empty" && passphrase.length < 8) {
      message(t("passphrase-short"));
      $("desk-new-passphrase").focus();
      return Promise.resolve();
    }
    return fetch(root.getAttribute("data-pack"), { credentials: "same-origin",
                                                   headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          // Signed out (or not a desk user): the list of people must not stay on the device.
          // The queue stays: it holds doses given, to sync after signing in again.
          return (Store.unlocked() ? del("kv", "pack") : Promise.resolve()).then(function () {
            throw new Error("signed out");
          });
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (pack) {
        // The first download sets the key: the passphrase and the server's device secret.
        var keyed = lock === "empty" ? Store.setup(passphrase, pack.device_key, pack.expires_at)
          .then(function () { $("desk-new-passphrase").value = ""; setLock("open"); return loadDevice(); })
          : Store.extend(pack.expires_at);
        return keyed.then(function () { return put("kv", pack, "pack"); });
      })
      .then(function () { message(""); return render(); })
      .catch(function () { message(t("download-failed")); });
  }

  function sync() {
    if (!Store.unlocked()) { return Promise.resolve(null); }
    return all("queue").then(function (events) {
      if (!events.length) { return null; }
      var body = events.map(function (e) {
        var copy = {};
        Object.keys(e).forEach(function (k) { if (k !== "seq" && k !== "label") { copy[k] = e[k]; } });
        return copy;
      });
      return fetch(root.getAttribute("data-sync"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-Requested-With": "XMLHttpRequest" },
        body: JSON.stringify({ device_id: deviceId, events: body })
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (answer) {
        var refused = 0;
        var work = answer.results.map(function (result, i) {
          var event = events[i];
          var done = del("queue", event.seq);
          // Sent before: done if it was applied then; a refusal (its answer lost) needs attention.
          if (result.status === "applied" ||
              (result.status === "duplicate" && result.original === "applied")) { return done; }
          refused += 1;
          return done.then(function () {
            return put("attention", { id: event.id, label: event.label, code: result.code,
                                      message: result.message });
          });
        });
        return Promise.all(work).then(function () {
          // "Sent and recorded" only when all were: otherwise say how many were not, and where.
          message(refused ? t("synced-attention").replace("{count}", String(refused)) : t("synced"));
          return render();
        });
      });
    }).catch(function () { message(t("sync-failed")); });
  }

  var deviceId = null;
  function loadDevice() {
    return get("kv", "device").then(function (device) {
      deviceId = device || crypto.randomUUID();
      return device ? null : put("kv", deviceId, "device");
    });
  }

  function unlock(event) {
    event.preventDefault();
    var input = $("desk-passphrase");
    return Store.unlock(input.value).then(function (answer) {
      input.value = "";
      if (answer.ok) {
        setLock("open");
        message("");
        return loadDevice().then(render).then(function () { return navigator.onLine ? sync() : null; });
      }
      if (answer.wiped) {
        setLock("empty");
        message(t("wiped"));
        return render();
      }
      message(t("wrong-passphrase").replace("{count}", String(answer.left)));
      input.focus();
    });
  }

  /* Sign out: wipe this device first. Events not synced yet would be lost: say how many and
   * sign out only when the vaccinator confirms. */
  function signOut(event) {
    event.preventDefault();
    var form = $("desk-signout"), confirm = $("desk-signout-confirm");
    return Store.count("queue").then(function (waiting) {
      if (waiting > 0 && confirm.hidden) {
        message(t("signout-unsynced").replace("{count}", String(waiting)));
        confirm.hidden = false;
        confirm.focus();
        return null;
      }
      return Store.wipe().then(function () { form.submit(); });
    });
  }

  Store.open().then(function (state) {
    if (state === "expired") { message(t("expired")); }
    setLock(state === "locked" ? "locked" : "empty");
    $("desk-unlock").addEventListener("submit", unlock);
    $("desk-signout").addEventListener("submit", signOut);
    $("desk-signout-confirm").addEventListener("click", signOut);
    if (Forms) { Forms.attach({ queue: queue, get: get, put: put, message: message }); }
    $("pack-download").addEventListener("click", download);
    $("queue-sync").addEventListener("click", function () {
      return lock === "locked" ? message(t("locked")) : sync();
    });
    window.addEventListener("online", function () { showState(); sync(); });
    window.addEventListener("offline", showState);
    showState();
    return render();
  }).then(function () { root.setAttribute("data-started", "yes"); });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-worker"),
                                     { scope: root.getAttribute("data-scope") });
  }
})();
