/* The offline desk's own checks and forms (issue #22), beside desk-offline.js:
 * - identity document checks (desk-id-checks.js, loaded first) are used by the walk-in form;
 * - eligibility of a dose from the rules in force on the pack's day (pack.device.eligibility),
 *   as the server's schedule engine decides it (cowin_kit/profiles/schedule.py);
 * - the walk-in form (a new person and their dose 1) and the AEFI form (after a dose given
 *   today, queued or synced), each queuing an event the sync endpoint accepts.
 * No country is named here: every rule comes from the pack. The server checks it all again.
 * The checks are plain functions (exported for Node too, where the tests compare them with
 * the server's); the forms start when desk-offline.js calls DeskForms.attach().
 */
(function (global) {
  "use strict";

  // ID-document checks: desk-id-checks.js (loaded before this script).
  var ids = global.DeskIdChecks || {};

  // -- eligibility: the schedule engine's answer for a dose given on the pack's day ----------
  function parseDay(text) {
    var p = text.split("-").map(Number);
    return { y: p[0], m: p[1], d: p[2] };
  }
  function dayString(y, m, d) {
    return y + "-" + (m < 10 ? "0" : "") + m + "-" + (d < 10 ? "0" : "") + d;
  }
  /* A date plus {years, months, days}: months first, the day clipped to the month's end (as
   * Python's isodate), then the days. */
  function addDuration(text, duration) {
    var p = parseDay(text);
    var months = p.y * 12 + (p.m - 1) + duration.years * 12 + duration.months;
    var y = Math.floor(months / 12), m = months % 12 + 1;
    var last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    var day = new Date(Date.UTC(y, m - 1, Math.min(p.d, last)) + duration.days * 86400000);
    return dayString(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate());
  }
  function ageOn(rules, person, day) {
    var on = parseDay(day);
    if (rules.age_on === "year_end" || !person.birth_date) { return on.y - person.birth_year; }
    var born = parseDay(person.birth_date);
    return on.y - born.y - ((on.m < born.m || (on.m === born.m && on.d < born.d)) ? 1 : 0);
  }
  function dateReaching(rules, person, age) {
    if (rules.age_on === "year_end" || !person.birth_date) { return dayString(person.birth_year + age, 1, 1); }
    var born = parseDay(person.birth_date);
    return addDuration(dayString(born.y, born.m, born.d), { years: age, months: 0, days: 0 });
  }
  function within(age, min, max) {
    return (min === null || min === undefined || age >= min) && (max === null || max === undefined || age <= max);
  }
  function shares(a, b) { return (a || []).some(function (x) { return (b || []).indexOf(x) >= 0; }); }

  /* Why ``vaccine`` may not be given as ``doseNumber`` on the pack's day, or null:
   * {code, number, date, allowed, due}. person: {birth_year, birth_date, groups};
   * history: [{vaccine, dose_number, date, is_booster}]. */
  function refusal(rules, person, history, vaccine, doseNumber) {
    var day = rules.day, age = ageOn(rules, person, day);
    history = history.slice().sort(function (a, b) {
      return a.date < b.date ? -1 : a.date > b.date ? 1 : a.dose_number - b.dose_number;
    });
    var primary = history.filter(function (h) { return !h.is_booster; });
    var due, allowed;
    if (!primary.length) {
      if (age < rules.min_age) { return { code: "TOO_YOUNG" }; }
      if (rules.phases && !rules.phases.some(function (p) {
        return (!p.groups.length || shares(p.groups, person.groups)) && within(age, p.min_age, p.max_age);
      })) { return { code: "NOT_YET_ELIGIBLE" }; }
      var scheduled = rules.schedules.map(function (s) { return s.vaccine; });
      allowed = rules.vaccines.filter(function (v) {
        return scheduled.indexOf(v.id) >= 0 && within(age, v.min_age, v.max_age);
      }).map(function (v) { return v.id; });
      if (!allowed.length) { return { code: "NOT_ELIGIBLE" }; }
      due = 1;
    } else {
      var schedule = rules.schedules.filter(function (s) { return s.vaccine === primary[0].vaccine; })[0];
      if (!schedule) { return { code: "NOT_ELIGIBLE" }; }
      var last = history[history.length - 1].date, earliest;
      due = history.length + 1;
      if (primary.length < schedule.doses) {
        earliest = addDuration(primary[primary.length - 1].date, schedule.min_intervals[primary.length - 1]);
        allowed = schedule.products;
      } else {
        var booster = rules.boosters.filter(function (b) { return b.after.indexOf(schedule.vaccine) >= 0; })[0];
        var given = history.filter(function (h) { return h.is_booster; }).length;
        if (!booster || given >= booster.count) { return { code: "SERIES_COMPLETE" }; }
        if (!booster.terms) { return { code: "TOO_EARLY", number: due, date: null }; }  // opens later
        earliest = addDuration(last, booster.terms.min_interval);
        if (!shares(booster.terms.groups, person.groups)) {
          var reaching = dateReaching(rules, person, booster.terms.min_age);
          if (reaching > earliest) { earliest = reaching; }
        }
        allowed = booster.terms.products;
      }
      if (earliest > day) { return { code: "TOO_EARLY", number: due, date: earliest }; }
    }
    if (doseNumber && Number(doseNumber) !== due) { return { code: "WRONG_DOSE", due: due, number: doseNumber }; }
    if (allowed.indexOf(vaccine) < 0) {
      return { code: "PRODUCT_NOT_ALLOWED", number: due, vaccine: vaccine, allowed: allowed };
    }
    return null;
  }

  var api = { addDuration: addDuration, refusal: refusal };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  if (typeof document === "undefined") { return; }

  // -- the forms ------------------------------------------------------------------------------
  var box = document.getElementById("desk-forms");
  var desk = null, current = null;  // desk-offline.js's functions; the pack on show
  function t(key) { return (box && box.getAttribute("data-t-" + key)) || key; }
  function $(id) { return document.getElementById(id); }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return values[name] === undefined ? all : String(values[name]);
    });
  }
  function option(select, value, label) {
    var node = document.createElement("option");
    node.value = value;
    node.textContent = label;
    select.appendChild(node);
  }
  function options(select, items) {
    var keep = select.value;
    select.textContent = "";
    items.forEach(function (item) { option(select, item[0], item[1]); });
    if (keep && items.some(function (i) { return i[0] === keep; })) { select.value = keep; }
  }
  function showError(id, text) {
    var node = $(id);
    node.textContent = text || "";
    node.hidden = !text;
    if (text) { desk.message(""); }
  }
  function productName(pack, id) {
    var v = (pack.vaccines || []).filter(function (x) { return x.id === id; })[0];
    return v ? v.name : id;
  }
  function formatDay(text) {
    var lang = document.documentElement.lang || undefined;
    return new Intl.DateTimeFormat(lang, { dateStyle: "medium" }).format(new Date(text + "T12:00:00"));
  }

  /* The localised reason for a refusal (``refusal()``), or "". */
  function refusalText(pack, why) {
    if (!why) { return ""; }
    var key = why.code === "TOO_EARLY" && !why.date ? "NOT_YET_ELIGIBLE" : why.code;
    return fill(t("elig-" + key.toLowerCase().replace(/_/g, "-")), {
      number: why.number, due: why.due, date: why.date ? formatDay(why.date) : "",
      vaccine: why.vaccine ? productName(pack, why.vaccine) : "",
      allowed: (why.allowed || []).map(function (v) { return productName(pack, v); }).join(", ") || "—"
    });
  }

  /* desk-offline.js asks this before recording an appointment's dose. */
  function doseRefusal(pack, row) {
    if (!pack.device) { return ""; }
    return refusalText(pack, refusal(pack.device.eligibility,
                                     { birth_year: row.birth_year, groups: row.groups || [] },
                                     row.history || [], row.vaccine, row.dose_number));
  }

  function sessionVaccines(pack) {
    var seen = [];
    (pack.sessions || []).forEach(function (s) { if (seen.indexOf(s.vaccine) < 0) { seen.push(s.vaccine); } });
    return seen;
  }

  function fillWalkIn(pack) {
    var device = pack.device;
    $("walkin-year-row").hidden = device.birth === "date";
    $("walkin-date-row").hidden = device.birth !== "date";
    options($("walkin-gender"), device.genders.map(function (g) { return [g.code, g.label]; }));
    options($("walkin-id-type"), device.id_documents.map(function (d) { return [d.id, d.label]; }));
    options($("walkin-vaccine"), sessionVaccines(pack).map(function (v) { return [v, productName(pack, v)]; }));
    var lot = $("walkin-lot");
    if (!lot.value) {
      var known = (pack.lots || []).filter(function (l) { return l.vaccine === $("walkin-vaccine").value; });
      if (known.length) { lot.value = known[0].lot; }
    }
  }

  function walkIn(event) {
    event.preventDefault();
    var pack = current, form = $("walkin-form"), device = pack.device;
    var rule = device.id_documents.filter(function (d) { return d.id === form.elements.id_doc_type.value; })[0];
    var name = form.elements.name.value.trim();
    var birthDate = device.birth === "date" ? form.elements.birth_date.value : "";
    var zeros = device.digit_zeros || [];
    var birthYear = Number(birthDate ? birthDate.slice(0, 4) : ids.asciiDigits(form.elements.birth_year.value, zeros).trim());
    if (!name) { return showError("walkin-error", t("name")); }
    if (!birthYear || birthYear < 1900 || birthYear > parseDay(device.eligibility.day).y) {
      return showError("walkin-error", t(device.birth === "date" ? "birth-date" : "birth-year"));
    }
    var checked = ids.checkId(rule, ids.asciiDigits(form.elements.id_number.value, zeros));
    if (!checked.ok) {
      return showError("walkin-error", fill(t("id-" + checked.reason), { example: rule.example || "—" }));
    }
    var person = { birth_year: birthYear, birth_date: birthDate || null, groups: [] };
    var minAge = Math.max(rule.min_age || 0, device.eligibility.min_age || 0);
    if (ageOn(device.eligibility, person, device.eligibility.day) < minAge) {
      return showError("walkin-error", fill(t("under-age"), { age: minAge }));
    }
    var vaccine = form.elements.vaccine.value;
    var why = refusalText(pack, refusal(device.eligibility, person, [], vaccine, 1));
    if (why) { return showError("walkin-error", why); }
    var lot = form.elements.lot.value.trim();
    if (!lot) { return showError("walkin-error", t("lot")); }
    var session = (pack.sessions || []).filter(function (s) { return s.vaccine === vaccine; })[0];
    var queued = { id: crypto.randomUUID(), kind: "walk_in", session_id: session ? session.session_id : null,
                   name: name, birth_year: birthYear, gender: form.elements.gender.value,
                   id_doc_type: rule.id, id_number: checked.number, vaccine: vaccine, lot: lot,
                   administered_at: new Date().toISOString(),
                   label: name.split(/\s+/).map(function (w) { return w.charAt(0) + "\u2022\u2022\u2022"; }).join(" ") };
    if (birthDate) { queued.birth_date = birthDate; }
    showError("walkin-error", "");
    return desk.queue(queued).then(function () {
      ["name", "birth_year", "birth_date", "id_number"].forEach(function (f) { form.elements[f].value = ""; });
    });
  }

  /* Doses given today that an AEFI report can be about: recorded on this device (queued or
   * synced: kept in "recent-doses") and the pack's appointments completed before download. */
  function recentDoses(pack) {
    return desk.get("kv", "recent-doses").then(function (kept) {
      var doses = kept && kept.day === pack.day ? kept.doses.slice() : [];
      var listed = doses.map(function (d) { return d.reference_id + ":" + d.dose_number; });
      pack.appointments.forEach(function (row) {
        if (row.status === "completed" && listed.indexOf(row.reference_id + ":" + row.dose_number) < 0) {
          doses.push({ key: "ref:" + row.reference_id + ":" + row.dose_number, label: row.name_masked + " · " +
                       row.reference_id, reference_id: row.reference_id, dose_number: row.dose_number });
        }
      });
      return doses;
    });
  }

  function fillAefi(pack) {
    var aefi = pack.device.aefi;
    var symptoms = $("aefi-symptoms");
    if (!symptoms.childNodes.length) {
      aefi.symptoms.forEach(function (s) {
        var label = document.createElement("label"), input = document.createElement("input");
        label.className = "desk-choice";
        input.type = "checkbox";
        input.name = "symptoms";
        input.value = s.code;
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + s.label));
        symptoms.appendChild(label);
      });
    }
    options($("aefi-severity"), aefi.severities.map(function (s) { return [s.code, s.label]; }));
    options($("aefi-outcome"), aefi.outcomes.map(function (s) { return [s.code, s.label]; }));
    return recentDoses(pack).then(function (doses) {
      options($("aefi-dose"), doses.map(function (d) { return [d.key, d.label]; }));
      $("aefi-form").hidden = !doses.length;
      $("aefi-none").hidden = doses.length > 0;
    });
  }

  function reportAefi(event) {
    event.preventDefault();
    var pack = current, form = $("aefi-form");
    return recentDoses(pack).then(function (doses) {
      var dose = doses.filter(function (d) { return d.key === form.elements.dose.value; })[0];
      var symptoms = Array.prototype.filter.call(form.querySelectorAll("input[name=symptoms]"),
                                                 function (i) { return i.checked; }).map(function (i) { return i.value; });
      if (!dose) { return showError("aefi-error", t("aefi-dose")); }
      if (!symptoms.length) { return showError("aefi-error", t("aefi-symptoms")); }
      var onset = form.elements.onset_at.value ? new Date(form.elements.onset_at.value) : new Date();
      if (isNaN(onset.getTime()) || onset.getTime() > Date.now() ||
          (dose.at && onset.getTime() < Date.parse(dose.at) - 3600000)) {
        return showError("aefi-error", t("aefi-onset"));
      }
      var queued = { id: crypto.randomUUID(), kind: "aefi", onset_at: onset.toISOString(),
                     symptoms: symptoms, severity: form.elements.severity.value,
                     outcome: form.elements.outcome.value, notes: form.elements.notes.value.trim(),
                     label: t("aefi") + " · " + dose.label };
      if (dose.event) { queued.dose_event = dose.event; } else {
        queued.reference_id = dose.reference_id;
        queued.dose_number = dose.dose_number;
      }
      showError("aefi-error", "");
      return desk.queue(queued).then(function () {
        form.reset();
      });
    });
  }

  /* desk-offline.js calls this for every event it queues: doses are kept for AEFI reports
   * (the queue forgets them once synced). */
  function queued(event) {
    if (event.kind !== "dose" && event.kind !== "walk_in") { return Promise.resolve(); }
    var pack = current;
    return desk.get("kv", "recent-doses").then(function (kept) {
      var doses = kept && pack && kept.day === pack.day ? kept.doses : [];
      doses.push({ key: "event:" + event.id, event: event.id, label: event.label, at: event.administered_at,
                   reference_id: event.reference_id, dose_number: event.dose_number });
      return desk.put("kv", { day: pack ? pack.day : "", doses: doses }, "recent-doses");
    });
  }

  /* desk-offline.js calls this after drawing the list (pack null: nothing on the device). */
  function render(pack) {
    current = pack && pack.device ? pack : null;
    if (!box) { return null; }
    box.hidden = !current;
    if (!current) { return null; }
    fillWalkIn(current);
    return fillAefi(current);
  }

  function attach(functions) {
    desk = functions;
    if (!box) { return; }
    $("walkin-form").addEventListener("submit", walkIn);
    $("aefi-form").addEventListener("submit", reportAefi);
    $("walkin-vaccine").addEventListener("change", function () { $("walkin-lot").value = ""; fillWalkIn(current); });
  }

  api.attach = attach;
  api.render = render;
  api.doseRefusal = doseRefusal;
  api.queued = queued;
  global.DeskForms = api;
})(typeof window !== "undefined" ? window : this);
