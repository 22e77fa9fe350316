"""Beneficiaries, registration, schedule / reschedule / cancel, slip and certificate downloads."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, jsonify, request
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.api.cowin_v2.auth import check_captcha
from cowin_kit.api.cowin_v2.availability import slot_from_cowin, slot_to_cowin
from cowin_kit.api.cowin_v2.blueprint import bp
from cowin_kit.api.cowin_v2.common import (InvalidParameter, MissingParameter, arg, format_date,
                                           int_arg, json_body, pick, token_required)
from cowin_kit.areas.models import Area
from cowin_kit.booking.changes import cancel as cancel_one
from cowin_kit.booking.changes import reschedule as move
from cowin_kit.booking.models import Appointment
from cowin_kit.booking.operations import book
from cowin_kit.booking.queries import owned_appointment
from cowin_kit.booking.slip import slip_pdf_response
from cowin_kit.certificates import downloads
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError
from cowin_kit.core.i18n import current_locale_id
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.phones import mask_mobile
from cowin_kit.registration.operations import add_beneficiary
from cowin_kit.registration.operations import delete_beneficiary as delete
from cowin_kit.registration.queries import (beneficiaries_of, get_owned_beneficiary,
                                            vaccination_status)
from cowin_kit.vaccination.models import DoseRecord

STATUS = {"none": "Not Vaccinated", "partial": "Partially Vaccinated", "full": "Vaccinated"}


def _language() -> str:
    return current_locale_id().split("_")[0]


def _centre_fields(session) -> dict:
    facility = session.facility
    area = db.session.get(Area, facility.area_id)
    ids = [int(p) for p in (area.path or "").strip("/").split("/") if p] if area else []
    chain = {a.level: a for a in db.session.scalars(sa.select(Area).where(Area.id.in_(ids)))}
    if area:
        chain[area.level] = area

    language = get_profile().default_locale.split("_")[0]

    requested = _language()

    def name(level: int, lang: str = language) -> str:
        a = chain.get(level)
        return (a.names.get(lang) or a.name) if a else ""

    # API Setu's AppointmentResponseSchema: the centre's fields, each name also localised
    # (*_l, in the requested language), CoWIN's "Not Applicable" where there is no block.
    return {"center_id": facility.id, "name": facility.name, "name_l": facility.name,
            "address": facility.address, "address_l": facility.address,
            "state_name": name(1), "state_name_l": name(1, requested),
            "district_name": name(2), "district_name_l": name(2, requested),
            "block_name": name(3) or "Not Applicable",
            "block_name_l": name(3, requested) or "Not Applicable",
            "pincode": str(facility.postal_code or ""),
            "lat": facility.lat if facility.lat is not None else 0,
            "long": facility.lon if facility.lon is not None else 0,
            "from": facility.opens.strftime("%H:%M:%S"), "to": facility.closes.strftime("%H:%M:%S"),
            "fee_type": facility.fee_type}


def _beneficiary_json(beneficiary, status) -> dict:
    profile = get_profile()
    language = _language()
    doses = {d.dose_number: d for d in db.session.scalars(
        sa.select(DoseRecord).where(DoseRecord.beneficiary_id == beneficiary.id))}
    vaccine = ""
    if status.last_vaccine:
        vaccine = profile.vaccine(status.last_vaccine).name
    gender = next((g.label(language) for g in profile.genders if g.code == beneficiary.gender),
                  beneficiary.gender)
    try:
        doc_label = profile.id_document(beneficiary.id_doc_type).label(language)
    except KitError:
        doc_label = beneficiary.id_doc_type
    mobile = ""
    if beneficiary.account_id:
        account = db.session.get(CitizenAccount, beneficiary.account_id)
        mobile = mask_mobile(account.mobile)[-4:] if account else ""
    appointments = []
    for appointment in status.appointments:
        session = appointment.session
        appointments.append({"appointment_id": str(appointment.id), **_centre_fields(session),
                             "dose": appointment.dose_number, "session_id": str(session.id),
                             "date": format_date(session.date),
                             "slot": slot_to_cowin(appointment.slot)})
    return {
        "beneficiary_reference_id": beneficiary.reference_id, "name": beneficiary.name,
        "birth_year": str(beneficiary.birth_year), "gender": gender, "mobile_number": mobile,
        "photo_id_type": doc_label, "photo_id_number": beneficiary.id_masked,
        "comorbidity_ind": "Y" if beneficiary.comorbidity else "N",
        "vaccination_status": STATUS[status.state], "vaccine": vaccine,
        "dose1_date": format_date(doses[1].administered_on) if 1 in doses else "",
        "dose2_date": format_date(doses[2].administered_on) if 2 in doses else "",
        "appointments": appointments,
    }


@bp.get("/appointment/beneficiaries")
@token_required
def beneficiaries():
    people = beneficiaries_of(g.cowin_account)
    status = vaccination_status(people)
    return jsonify({"beneficiaries": [_beneficiary_json(b, status[b.id]) for b in people]})


@bp.post("/registration/beneficiary/new")
@token_required
def register_beneficiary():
    body = json_body()
    profile = get_profile()
    gender_option = pick(arg("gender_id", source=body), list(profile.genders),
                         lambda g: g.code, lambda g: g.labels.values())
    doc_option = pick(arg("photo_id_type", source=body), list(profile.id_documents),
                      lambda d: d.id, lambda d: d.labels.values())
    gender = gender_option.code if gender_option else str(body.get("gender_id"))
    doc_type = doc_option.id if doc_option else str(body.get("photo_id_type"))
    beneficiary = add_beneficiary(
        g.cowin_account, name=str(arg("name", source=body)),
        birth_year=int_arg("birth_year", source=body), gender=gender, id_doc_type=doc_type,
        id_number=str(arg("photo_id_number", source=body)),
        comorbidity=str(body.get("comorbidity_ind", "N")).upper() == "Y",
        locale=current_locale_id())
    return jsonify({"beneficiary_reference_id": beneficiary.reference_id})


@bp.post("/registration/beneficiary/delete")
@token_required
def delete_beneficiary():
    body = json_body()
    delete(g.cowin_account, str(arg("beneficiary_reference_id", source=body)))
    return "", 204


def _owned(reference_id: str):
    return get_owned_beneficiary(g.cowin_account, str(reference_id))


@bp.post("/appointment/schedule")
@token_required
def schedule():
    """Book the same session and slot for one or more beneficiaries of this account.

    All or nothing: if any beneficiary cannot be booked, the ones already booked are cancelled
    again and the error is reported. The confirmation number is the first appointment's id."""
    body = json_body()
    check_captcha(g.cowin_account.id, body.get("captcha"))
    refs = body.get("beneficiaries")
    if not isinstance(refs, list) or not refs:
        raise MissingParameter(_l("Input parameter missing"))
    dose = int_arg("dose", required=False, source=body)
    session_id = str(arg("session_id", source=body))
    slot = slot_from_cowin(str(arg("slot", source=body)))
    people = [_owned(ref) for ref in dict.fromkeys(str(r) for r in refs)]
    key = request.headers.get("Idempotency-Key")
    booked = []
    try:
        for person in people:
            booked.append(book(person, session_id, slot, dose_number=dose, channel="api",
                               idempotency_key=f"{key}:{person.reference_id}" if key else None))
    except KitError:
        for appointment in booked:
            cancel_one(appointment, reason="group_booking_failed", offer=False)
        raise
    return jsonify({"appointment_confirmation_no": str(booked[0].id)})


def _group(appointment_id: str, refs: list[str] | None = None):
    """The appointment and the ones booked with it (same account, session, slot and dose)."""
    first = owned_appointment(g.cowin_account, appointment_id)
    people = {b.id: b for b in beneficiaries_of(g.cowin_account)}
    if refs is not None:
        wanted = {b.id for b in people.values() if b.reference_id in set(map(str, refs))}
        if len(wanted) != len(set(map(str, refs))):
            raise InvalidParameter(_l("Unknown beneficiary reference id"))
    else:
        wanted = set(people)
    group = db.session.scalars(sa.select(Appointment).where(
        Appointment.session_id == first.session_id, Appointment.slot == first.slot,
        Appointment.dose_number == first.dose_number, Appointment.status == "booked",
        Appointment.beneficiary_id.in_(wanted))).all()
    if first.beneficiary_id in wanted and first not in group and first.status == "booked":
        group.append(first)
    return first, group


@bp.post("/appointment/reschedule")
@token_required
def reschedule():
    body = json_body()
    first, group = _group(str(arg("appointment_id", source=body)))
    session_id = str(arg("session_id", source=body))
    slot = slot_from_cowin(str(arg("slot", source=body)))
    for appointment in group or [first]:
        move(appointment, session_id, slot)
    return "", 204


@bp.post("/appointment/cancel")
@token_required
def cancel():
    body = json_body()
    refs = body.get("beneficiariesToCancel")
    first, group = _group(str(arg("appointment_id", source=body)),
                          refs if isinstance(refs, list) and refs else None)
    for appointment in group or [first]:
        cancel_one(appointment, reason="citizen")
    return "", 204


@bp.get("/appointment/appointmentslip/download")
@token_required
def appointment_slip():
    return slip_pdf_response(owned_appointment(g.cowin_account, str(arg("appointment_id"))))


def _certificate_pdf(reference_id: str):
    return downloads.certificate_pdf_response(_owned(reference_id))


@bp.get("/registration/certificate/download")
@token_required
def certificate_download():
    return _certificate_pdf(str(arg("beneficiary_reference_id")))


@bp.get("/registration/certificate/public/download")
@token_required
def certificate_public_download():
    return _certificate_pdf(str(arg("beneficiary_reference_id")))

