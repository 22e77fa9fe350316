/* The offline desk (issue #22): keeps the day's pack and a queue of events in IndexedDB,
 * checks secret codes against the pack's PBKDF2 hashes (WebCrypto; at most max_attempts wrong
 * codes per appointment), records doses offline with a client-generated UUID each, and syncs
 * the queue to /api/kit/v1/staff/desk/sync when asked (applied and duplicate events leave the
 * queue; conflicts and invalid events are listed under "Needs attention").
 * Back online, the queue is sent by itself too (a repeat send is harmless: events are idempotent).
 * Not built yet: encryption at rest, walk-ins and AEFI offline (docs/operations.md).
 */
(function () {
  "use strict";
  var root = document.getElementById("offline-desk");
  if (!root) { return; }
  var DB_NAME = "cowin-kit-desk";
  var db = null;

  function t(key) { return root.getAttribute("data-t-" + key) || key; }
  function $(id) { return document.getElementById(id); }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var d = request.result;
        d.createObjectStore("kv");
        d.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
        d.createObjectStore("attention", { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(name, mode, work) {
    return new Promise(function (resolve, reject) {
      var tx = db.transaction(name, mode);
      var request = work(tx.objectStore(name));
      tx.oncomplete = function () { resolve(request ? request.result : undefined); };
      tx.onerror = function () { reject(tx.error); };
    });
  }
  function get(name, key) { return store(name, "readonly", function (s) { return s.get(key); }); }
  function put(name, value, key) {
    return store(name, "readwrite", function (s) { return key === undefined ? s.put(value) : s.put(value, key); });
  }
  function del(name, key) { return store(name, "readwrite", function (s) { return s.delete(key); }); }
  function all(name) { return store(name, "readonly", function (s) { return s.getAll(); }); }
  function clear(name) { return store(name, "readwrite", function (s) { return s.clear(); }); }

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

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function loadPack() {
    return get("kv", "pack").then(function (pack) {
      if (pack && Date.parse(pack.expires_at) < Date.now()) {
        return del("kv", "pack").then(function () { message(t("expired")); return null; });
      }
      return pack || null;
    });
  }

  function renderQueue() {
    return all("queue").then(function (events) {
      $("queue-count").textContent = String(events.length);
      return events;
    });
  }

  function renderAttention() {
    return all("attention").then(function (items) {
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
    if (row.status !== "booked") {
      status.textContent = row.status;
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
      record(pack, row, form.elements.code.value.trim(), form.elements.lot.value.trim());
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
    return put("queue", event).then(function () { message(t("queued")); return render(); });
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
      if (!pack) {
        $("pack-day").textContent = "–";
        if (!$("offline-message").textContent) { message(t("no-pack")); }
        return;
      }
      var lang = document.documentElement.lang || undefined;
      $("pack-day").textContent = new Intl.DateTimeFormat(lang, { dateStyle: "long" })
        .format(new Date(pack.day + "T12:00:00"));
      var queued = {};
      events.forEach(function (e) { if (e.appointment_id) { queued[e.appointment_id] = true; } });
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
    return fetch(root.getAttribute("data-pack"), { credentials: "same-origin",
                                                   headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          // Signed out (or not a desk user): the list of people must not stay on the device.
          // The queue stays: it holds doses given, to sync after signing in again.
          return del("kv", "pack").then(function () { throw new Error("signed out"); });
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (pack) { return put("kv", pack, "pack"); })
      .then(function () { message(""); return render(); })
      .catch(function () { message(t("download-failed")); });
  }

  function sync() {
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
        var work = answer.results.map(function (result, i) {
          var event = events[i];
          var done = del("queue", event.seq);
          if (result.status === "applied" || result.status === "duplicate") { return done; }
          return done.then(function () {
            return put("attention", { id: event.id, label: event.label, code: result.code,
                                      message: result.message });
          });
        });
        return Promise.all(work).then(function () { message(t("synced")); return render(); });
      });
    }).catch(function () { message(t("sync-failed")); });
  }

  var deviceId = null;
  openDb().then(function (opened) {
    db = opened;
    return get("kv", "device");
  }).then(function (device) {
    deviceId = device || crypto.randomUUID();
    return device ? null : put("kv", deviceId, "device");
  }).then(function () {
    $("pack-download").addEventListener("click", download);
    $("queue-sync").addEventListener("click", sync);
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
