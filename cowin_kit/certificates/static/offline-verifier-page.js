/* The offline verifier's page (see offline-verifier.js): the form, the answer shown, the lists'
 * age and refresh, and the service worker's registration. Loaded last.
 */
(function () {
  "use strict";

  var V = window.OfflineVerifier;  // offline-verifier.js, loaded first
  if (!V) {
    return;
  }
  var root = V.root, text = V.text, names = V.names, load = V.load, showAge = V.showAge,
      refresh = V.refresh, verifyHcert = V.verifyHcert, verifyShc = V.verifyShc,
      divocCredential = V.divocCredential, verifyDivoc = V.verifyDivoc;

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
