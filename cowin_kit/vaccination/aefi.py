"""AEFI (adverse events following immunisation): fixed codes with localised labels, and the
report operation."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import require_scope
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import ValidationFailed
from cowin_kit.vaccination.models import AefiReport, DoseRecord

#: Symptom codes (Brighton Collaboration / WHO AEFI terms); labels are translated in locales/.
SYMPTOMS = {
    "injection_site_reaction": _l("Pain, swelling or redness at the injection site"),
    "fever": _l("Fever"),
    "headache": _l("Headache"),
    "fatigue": _l("Tiredness"),
    "myalgia": _l("Muscle or joint pain"),
    "nausea_vomiting": _l("Nausea or vomiting"),
    "rash": _l("Rash or hives"),
    "syncope": _l("Fainting"),
    "anaphylaxis": _l("Anaphylaxis"),
    "seizure": _l("Seizure"),
    "thrombosis": _l("Blood clot with low platelets"),
    "myocarditis": _l("Myocarditis or pericarditis"),
    "guillain_barre": _l("Guillain-Barré syndrome"),
    "other": _l("Other"),
}
SEVERITIES = {
    "mild": _l("Mild"),
    "moderate": _l("Moderate"),
    "severe": _l("Severe (hospitalised or life-threatening)"),
    "death": _l("Death"),
}
OUTCOMES = {
    "recovered": _l("Recovered"),
    "recovering": _l("Recovering"),
    "not_recovered": _l("Not recovered"),
    "hospitalised": _l("In hospital"),
    "sequelae": _l("Recovered with lasting effects"),
    "died": _l("Died"),
    "unknown": _l("Unknown"),
}


def report_aefi(staff, dose: DoseRecord, *, onset_at: dt.datetime | None, symptoms: list[str],
                severity: str, outcome: str, notes: str = "") -> AefiReport:
    """Record an adverse event after a dose given in the staff user's reach."""
    require_scope(staff, dose.facility, "aefi.report")
    errors: dict[str, list] = {}
    symptoms = list(dict.fromkeys(symptoms or []))
    if not symptoms or any(s not in SYMPTOMS for s in symptoms):
        errors["symptoms"] = [_l("Choose at least one symptom from the list.")]
    if severity not in SEVERITIES:
        errors["severity"] = [_l("Choose a severity from the list.")]
    if outcome not in OUTCOMES:
        errors["outcome"] = [_l("Choose an outcome from the list.")]
    if onset_at is None or onset_at.tzinfo is None:
        errors["onset_at"] = [_l("Give the date and time the symptoms started.")]
    elif onset_at < dose.administered_at - dt.timedelta(hours=1) or onset_at > utcnow():
        errors["onset_at"] = [_l("Onset must be after the dose and not in the future.")]
    if len(notes or "") > 4000:
        errors["notes"] = [_l("At most %(n)s characters.", n=4000)]
    if errors:
        raise ValidationFailed(fields=errors)
    report = AefiReport(dose_record_id=dose.id, reported_by=staff.id, onset_at=onset_at,
                        symptoms=symptoms, severity=severity, outcome=outcome,
                        notes=(notes or "").strip())
    db.session.add(report)
    db.session.flush()
    audit("aefi.report", "aefi", report.id, dose=dose.id, severity=severity)
    db.session.commit()
    return report
