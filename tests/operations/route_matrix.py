"""Who may call each route of the app: the table the authorisation matrix test checks.

Every endpoint of ``app.url_map`` has one entry in ``ROUTES``; a route added without one makes
``tests/operations/test_authorisation.py`` fail with its name. An entry says who may call it:

- ``public()``: anyone, signed in or not;
- ``citizen(owns=...)``: a signed-in citizen (web session; Bearer token under ``/api/``).
  ``owns``: the URL, query or body names the citizen's own person or appointment, so another
  citizen is refused as if it did not exist (404; the CoWIN surface answers 400 "not found");
- ``staff(roles, scoped=...)``: signed-in staff with one of ``roles``. ``scoped``: the URL (or
  query) names an object that belongs to a place; staff who do not reach that place (area
  subtree or facility) are refused with 403 and an audit entry, as everywhere in the kit.
  ``lists``: a list whose rows belong to places; a marker of the in-scope row must show, the
  out-of-scope row's only to national admins. ``audited``: the audit action each allowed call
  must write, per method (staff look-ups and reads of personal data).

Values written ``{name}`` in ``query``/``body``/``args`` are filled with the object of the
variant under test (``in`` or ``out`` of the caller's scope) built by ``build_objects``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAT, AREA, FM, VAC, AUD = "national_admin", "area_admin", "facility_manager", "vaccinator", "auditor"
SM = "store_manager"
STAFF_ROLES = (NAT, AREA, FM, VAC, AUD, SM)
ADMINS = (NAT, AREA)
MANAGERS = (NAT, AREA, FM)
DESK = (FM, VAC)
REPORTS = (NAT, AREA, AUD)
AUDIT = (NAT, AUD)
STOCK_VIEW = (NAT, AREA, SM, FM, AUD)
STOCK_WRITE = (NAT, SM, FM)
#: A note longer than the API accepts: decision routes are reached (authorisation checked)
#: but nothing is decided, so the matrix does not change the objects it goes on using.
TOO_LONG_NOTE = {"note": "x" * 501}


@dataclass(frozen=True)
class Access:
    kind: str  # "public" | "citizen" | "staff"
    roles: tuple[str, ...] = ()
    #: True, or the methods whose request names a place (a create form's area or facility)
    scoped: bool | tuple[str, ...] = False
    owns: bool = False
    lists: str | None = None
    #: method -> the audit action each allowed call of that method must write
    audited: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    body: dict | None = None
    args: dict = field(default_factory=dict)
    #: The route revokes the Bearer token it is called with (sign-out).
    ends_token: bool = False
    #: Statuses that still mean "let in" (a sign-in form answering 401 to wrong credentials).
    also_ok: tuple[int, ...] = ()


def public(**kw) -> Access:
    return Access("public", **kw)


def citizen(*, owns: bool = False, **kw) -> Access:
    return Access("citizen", owns=owns, **kw)


def staff(roles, *, scoped: bool | tuple[str, ...] = False, **kw) -> Access:
    return Access("staff", tuple(roles), scoped=scoped, **kw)


def new_facility(prefix: str) -> dict:
    """A facility to create in the variant's area (one code per route: a repeat is a 422)."""
    return {"code": f"{prefix}-{{facility_code}}", "name": "New centre",
            "area_code": "{area_code}", "fee_type": "Free"}


WRONG_CODE = {"appointment_id": "{appointment_id}", "secret_code": "0000"}
STATIC = {"filename": "kit.css"}
REF = {"beneficiary_reference_id": "{reference_id}"}
LOTTERY = {"session_id": "{lottery_session_id}"}
REFERENCE = {"reference_id": "{reference_id}"}
STANDBY_FORM = {"reference_id": "{reference_id}", "facility_code": "{facility_code}",
                "date": "2030-01-01"}
STANDBY_API = {"reference_id": "{reference_id}", "facility_id": "{facility_id}",
               "date": "2030-01-01"}
STANDBY = (NAT, AREA, FM, VAC)

ROUTES: dict[str, Access] = {
    # Public pages, health, static files, sign-in forms ----------------------------------
    "web.index": public(),
    "web.set_language": public(args={"lang": "en"}),
    "web.static": public(args=STATIC),
    "web.branding_css": public(),
    "web.emblem": public(also_ok=(404,)),  # 404 when the profile has no emblem
    "static": public(args=STATIC, also_ok=(404,)),  # the app-level folder ships no files
    "booking.static": public(args={"filename": "booking.css"}),
    "certificates.static": public(args={"filename": "verify-scan.js"}),
    "offline_verifier.app_page": public(),
    "offline_verifier.manifest": public(),
    "offline_verifier.service_worker": public(),
    "reporting.static": public(args={"filename": "reporting.css"}),
    "desk.static": public(args={"filename": "desk.css"}),
    "health.healthz": public(),
    "health.readyz": public(),
    # Not public: the metrics token, or a scraper connecting straight from METRICS_NETWORKS
    # (loopback by default: the test client's 127.0.0.1). tests/test_metrics.py checks who.
    "metrics.metrics": public(),
    "booking.find": public(),
    "reporting.dashboard_page": public(args={"code": "{area_code}"}),
    "certificates.verify_page": public(),
    "certificates_well_known.jwks": public(),
    "certificates_well_known.crl": public(args={"kid": "{shc_kid}"}),
    "accounts.signin": public(),
    # Without an OTP on the way these two send the caller back to the sign-in form.
    "accounts.verify": public(also_ok=(302,)),
    "accounts.resend": public(also_ok=(302,)),
    "accounts.signout": public(),
    "staff.login": public(also_ok=(401,)),
    "staff.logout": public(also_ok=(302,)),  # back to the staff sign-in form
    # Native API: public parts
    "api-docs.openapi_json": public(),
    "api-docs.openapi_redoc": public(),
    "citizen_auth.send_otp": public(),
    "citizen_auth.confirm": public(),
    "booking_api.availability": public(),
    "booking_api.session_detail": public(args={"session_id": "{open_session_id}"}),
    "kit_certificates.public_keys": public(),
    "kit_certificates.verify": public(),
    "kit_certificates.revocations": public(),
    "kit_staff.sign_in": public(also_ok=(401,)),
    "kit_staff.sign_out": public(),
    # CoWIN v2: public metadata, searches and OTP
    "cowin_v2.openapi_json": public(),
    "cowin_v2.states": public(),
    "cowin_v2.districts": public(args={"state_id": "{state_id}"}),
    "cowin_v2.public_find_by_pin": public(),
    "cowin_v2.public_find_by_district": public(),
    "cowin_v2.public_calendar_by_pin": public(),
    "cowin_v2.public_calendar_by_district": public(),
    "cowin_v2.public_calendar_by_center": public(),
    "cowin_v2.find_by_lat_long": public(),  # /public/findByLatLong
    "cowin_v2.generate_public_otp": public(),
    "cowin_v2.confirm_public_otp": public(),
    "cowin_v2.generate_mobile_otp": public(),
    "cowin_v2.validate_mobile_otp": public(),
    "cowin_v2.generate_partner_otp": public(),  # API Setu's partner login paths
    "cowin_v2.confirm_partner_otp": public(),
    "certificates_well_known.did_document": public(),
    "certificates_well_known.vaccination_context": public(args={"version": "v1"}),
    "kit_certificates.verify_file": public(),

    # Citizens: web pages (session) -----------------------------------------------------------
    "accounts.my": citizen(),
    "registration.new_beneficiary": citizen(),
    "registration.delete_beneficiary": citizen(owns=True),  # a vaccinated person stays
    "children.new_child": citizen(),
    "children.attach_document": citizen(owns=True),
    "children.new_pregnancy": citizen(owns=True),
    "reminders.settings": citizen(body={"reminders": "on"}),  # the account's own mobile
    "booking.book": citizen(owns=True),
    "booking.appointment": citizen(owns=True),
    "booking.cancel": citizen(owns=True, args={"appointment_id": "{spare_appointment_id}"}),
    "booking.reschedule": citizen(owns=True),
    "booking.slip": citizen(owns=True),
    "booking.slip_pdf": citizen(owns=True),
    "certificates.citizen_certificate": citizen(owns=True),
    "certificates.citizen_download": citizen(owns=True, args={"kind": "divoc_vc", "ext": "json"}),
    "certificates.citizen_correction": citizen(owns=True),
    "certificates.citizen_passport": citizen(owns=True),  # empty form: refused, nothing changes
    # Citizens: native API (Bearer token)
    "citizen_auth.logout": citizen(ends_token=True),
    "beneficiaries.Beneficiaries": citizen(),
    "beneficiaries.BeneficiaryItem": citizen(owns=True),
    "booking_api.book": citizen(owns=True, body={"reference_id": "{reference_id}",
                                                 "session_id": "{open_session_id}", "slot": "x"}),
    "booking_api.appointment": citizen(owns=True),
    "booking_api.reschedule": citizen(owns=True, body={"session_id": "{open_session_id}",
                                                       "slot": "x"}),
    "booking_api.cancel": citizen(owns=True, args={"appointment_id": "{spare_appointment_id}"},
                                  body={"reason": "not a reason"}),
    "booking_api.slip": citizen(owns=True),
    "kit_certificates.certificate": citizen(owns=True),
    "kit_certificates.routine_certificates": citizen(owns=True),
    # The owner already asked for this field: 409, nothing added.
    "kit_certificates.ask_correction": citizen(owns=True, body={"field": "name",
                                                                "new_value": "Asked again"}),
    "kit_certificates.record_passport": citizen(owns=True, body={
        "number": "Z1234567", "surname": "KUMAR", "given_names": "RAVI"}),
    # Citizens: CoWIN v2 protected endpoints (Bearer token from confirmOTP)
    "cowin_v2.genders": citizen(),
    "cowin_v2.id_types": citizen(),
    "cowin_v2.beneficiaries": citizen(),
    "cowin_v2.register_beneficiary": citizen(),
    "cowin_v2.get_captcha": citizen(),
    "cowin_v2.find_by_pin": citizen(),
    "cowin_v2.find_by_district": citizen(),
    "cowin_v2.calendar_by_pin": citizen(),
    "cowin_v2.calendar_by_district": citizen(),
    "cowin_v2.calendar_by_center": citizen(),
    "cowin_v2.find_by_lat_long_protected": citizen(),
    "cowin_v2.schedule": citizen(),  # needs a captcha first: the owner check is booking's
    "cowin_v2.delete_beneficiary": citizen(owns=True, body=REF),
    "cowin_v2.cancel": citizen(owns=True, body={"appointment_id": "{spare_appointment_id}"}),
    "cowin_v2.reschedule": citizen(owns=True, body={"appointment_id": "{appointment_id}",
                                                    "session_id": "{open_session_id}", "slot": "x"}),
    "cowin_v2.appointment_slip": citizen(owns=True, query={"appointment_id": "{appointment_id}"}),
    "cowin_v2.certificate_download": citizen(owns=True, query=REF),
    "cowin_v2.certificate_public_download": citizen(owns=True, query=REF),
    # A person's FHIR record: the citizen themself, or staff reaching where they were vaccinated
    "reporting_api.beneficiary_fhir": Access("citizen", (NAT, AREA, FM, VAC, AUD), scoped=True, owns=True,
                                             audited={"GET": "beneficiary.fhir_export"}),

    # Staff: sign-in area ----------------------------------------------------------------------
    "staff.home": staff(STAFF_ROLES),
    "staff.password": staff(STAFF_ROLES),
    "kit_staff.whoami": staff(STAFF_ROLES),
    # Creating an account in a place out of reach is refused (the form names the facility).
    "staff.users": staff(ADMINS, lists="colleague", scoped=("POST",), body={
        "role": VAC, "username": "new-{facility_code}", "password": "a-long-new-password-1",
        "full_name": "New", "facility_code": "{facility_code}"}),
    "staff.user_status": staff(ADMINS, scoped=True),
    # Facilities and sessions
    "booking_admin.facilities": staff(MANAGERS, lists="facility"),
    "booking_admin.facility_new": staff(ADMINS, scoped=("POST",), body=new_facility("W")),
    "booking_admin.facility_import": staff(ADMINS),
    "booking_admin.facility_edit": staff(MANAGERS, scoped=True),
    "booking_admin.facility_active": staff(ADMINS, scoped=True, body={"active": "1"}),
    "booking_admin.sessions": staff(MANAGERS, scoped=True),
    "booking_admin.session_detail": staff(MANAGERS, scoped=True),
    "booking_admin.session_capacity": staff(MANAGERS, scoped=True),
    "booking_admin.session_cancel": staff(MANAGERS, scoped=True),
    "kit_staff.facility_create": staff(ADMINS, scoped=True, body=new_facility("A")),
    "kit_staff.facility_import": staff(ADMINS),
    "kit_staff.facility_update": staff(MANAGERS, scoped=True),
    "kit_staff.sessions_create": staff(MANAGERS, scoped=True),
    "kit_staff.session_capacity": staff(MANAGERS, scoped=True),
    "kit_staff.session_cancel": staff(MANAGERS, scoped=True),
    # Vaccinator desk. Look-ups reach anyone by exact identifier (walk-ins come from
    # anywhere), so they are not scoped, and every one is audit-logged.
    "desk.today": staff(DESK, lists="person", audited={"GET": "appointments.view"}),
    "desk.find": staff(DESK, body={"q": "{reference_id}"},  # a GET searches nothing
                       audited={"POST": "beneficiary.search"}),
    "desk.person": staff(DESK, audited={"GET": "beneficiary.view"}),
    # Recording a dose with an appointment elsewhere is refused before the code is compared
    # (a wrong code here: in reach the answer is "wrong code", and nothing is recorded).
    "desk.record": staff(DESK, scoped=True, body=WRONG_CODE),
    "desk.walk_in": staff(DESK),
    "newborn.newborn": staff(DESK),
    # Routine doses at the desk (#19): any desk, like a walk-in (the person is looked up by
    # reference, counted); an empty form records nothing.
    "routine_desk.record": staff(DESK),
    "routine_desk.elsewhere": staff(DESK),
    # The immunisation card (#19): staff who reach where the person lives or a facility that
    # vaccinated them (a counted, audited look-up); the citizen for a person of the account.
    "routine_card.desk_card": staff((*DESK, NAT, AREA), scoped=True,
                                    audited={"GET": "beneficiary.view"}),
    "routine_card.citizen_card": citizen(owns=True),
    "desk.day_no_shows": staff(DESK),
    "desk.no_show": staff(DESK, scoped=True),
    "desk.dose": staff((*DESK, NAT, AREA), scoped=True, audited={"GET": "beneficiary.view"}),
    "desk.correct": staff(DESK, scoped=True, audited={"GET": "beneficiary.view"}),
    "kit_staff.desk_appointments": staff(DESK, lists="person",
                                         audited={"GET": "appointments.view"}),
    "kit_staff.desk_lookup": staff(DESK, body={"q": "{reference_id}"},
                                   audited={"POST": "beneficiary.view"}),
    "kit_staff.desk_record": staff(DESK, scoped=True, body={
        **WRONG_CODE, "reference_id": "{reference_id}", "vaccine": "covishield", "lot": "L-1"}),
    "kit_staff.desk_walk_in": staff(DESK),
    "kit_staff.desk_no_show": staff(DESK, scoped=True),
    # Offline desk (#22): the day's pack (a view of the list), and the sync of offline events.
    "kit_staff.desk_pack": staff(DESK, audited={"GET": "appointments.view"}),
    "kit_staff.desk_sync": staff(DESK, body={"events": [{"id": "not-a-uuid", "kind": "dose"}]}),
    "desk_offline.app_page": staff(DESK),  # the app shell: no personal data in the page
    "desk_offline.manifest": public(),
    "desk_offline.service_worker": public(),
    "kit_staff.dose_correct": staff(DESK, scoped=True),
    # Adverse events
    "aefi.reports": staff((*MANAGERS, VAC), lists="lot"),
    "aefi.new": staff((*MANAGERS, VAC), scoped=True),
    "aefi.show": staff((*MANAGERS, VAC), scoped=True, audited={"GET": "beneficiary.view"}),
    "kit_staff.dose_aefi": staff((*MANAGERS, VAC), scoped=True),
    # Certificates: corrections are decided by admins reaching where the dose was given
    "certificates.staff_corrections": staff(ADMINS, lists="correction",
                                            audited={"GET": "certificate.correction.list"}),
    "certificates.staff_decide": staff(ADMINS, scoped=True),  # no decision: 400, nothing done
    "kit_certificates.list_corrections": staff(ADMINS, lists="correction",
                                               audited={"GET": "certificate.correction.list"}),
    "kit_certificates.approve": staff(ADMINS, scoped=True, body=TOO_LONG_NOTE),
    "kit_certificates.reject": staff(ADMINS, scoped=True, body=TOO_LONG_NOTE),
    # Reports: the area in the query must be in reach
    "reporting_staff.index": staff(REPORTS, scoped=True, query={"area": "{area_code}"}),
    "reporting_staff.show": staff(REPORTS, scoped=True, query={"area": "{area_code}"},
                                  args={"kind": "coverage"}),
    "reporting_staff.export": staff(REPORTS, scoped=True, query={"area": "{area_code}"},
                                    args={"kind": "coverage", "fmt": "csv"}),
    "reporting_staff.targets": staff(ADMINS),
    # Audit log
    "audit_log.search": staff(AUDIT, lists="audit", query={"object_type": "marker"},
                              audited={"GET": "audit.search"}),
    "audit_log.export": staff(AUDIT, lists="audit", query={"object_type": "marker"},
                              audited={"GET": "audit.export"}),
    "kit_staff.audit_search": staff(AUDIT, lists="audit", query={"object_type": "marker"},
                                    audited={"GET": "audit.search"}),
    # Fair access (#21): a session's lottery, standby lists, priority checks -----------------
    "fair.lottery_page": public(args=LOTTERY),
    "fair_api.lottery_round": public(args=LOTTERY),
    "fair_api.lottery_draw_json": public(args=LOTTERY),  # 409 before the draw
    # The variant's person holds an appointment for the dose: asked, refused (409), unchanged.
    "fair.lottery_enter": citizen(owns=True, args=LOTTERY, body=REFERENCE),
    "fair.lottery_confirm": citizen(owns=True, args=LOTTERY, body=REFERENCE),
    "fair.lottery_decline": citizen(owns=True, args=LOTTERY, body=REFERENCE),
    "fair.standby_page": citizen(),
    "fair.standby_join": citizen(owns=True, body=STANDBY_FORM),  # no session that day
    "fair.standby_confirm": citizen(owns=True, body=STANDBY_FORM),
    "fair_api.lottery_enter": citizen(owns=True, args=LOTTERY, body=REFERENCE),
    "fair_api.lottery_request": citizen(owns=True, args=LOTTERY),
    "fair_api.lottery_confirm": citizen(owns=True, args=LOTTERY, body={"slot": "x"}),
    "fair_api.lottery_decline": citizen(owns=True, args=LOTTERY),
    "fair_api.standby_join": citizen(owns=True, body=STANDBY_API),
    "fair_api.standby_confirm": citizen(owns=True, body=STANDBY_API),
    # Staff: bodies refused by validation (422), so nothing opens, draws or is offered.
    "fair_staff_pages.session_lottery": staff(MANAGERS, scoped=True,
                                              body={"action": "open", "hours": "0"}),
    "fair_staff_pages.desk_standby": staff(STANDBY, scoped=True, body={"doses": "0"}),
    "fair_staff_pages.desk_priority": staff(DESK, audited={"GET": "beneficiary.view"}),
    "fair_staff.staff_lottery_open": staff(MANAGERS, scoped=True, body={"hours": 0}),
    "fair_staff.staff_lottery_draw": staff(MANAGERS, scoped=True,
                                           args={"session_id": "{lottery_session_id}"}),
    "fair_staff.staff_lottery_enter": staff(DESK, scoped=True, body={"reference_id": "1"}),
    "fair_staff.staff_standby_call": staff(STANDBY, scoped=True, body={"doses": 0}),
    "fair_staff.staff_priority_check": staff(DESK, body={"group": "x", "outcome": "maybe"}),
    # Vaccine stock (#20): store managers reach their area's stores, facility managers their
    # facility's; writes are given bodies that are refused (422) so nothing moves.
    "stock.index": staff(STOCK_VIEW),
    "stock.store": staff(STOCK_VIEW, scoped=True),
    "stock.receive": staff(STOCK_WRITE, scoped=True, body={"lot_number": "bad lot!"}),
    "stock.send": staff(STOCK_WRITE, scoped=True, body={"to_store_id": "x"}),
    "stock.wastage": staff(STOCK_WRITE, scoped=True,
                           body={"lot_id": "{lot_id}", "doses": "0", "reason": "breakage"}),
    "stock.count": staff(STOCK_WRITE, scoped=True, body={"lot_id": "{lot_id}", "counted": "-1"}),
    "stock.add_equipment": staff(STOCK_WRITE, scoped=True, body={"code": "bad code!"}),
    "stock.confirm": staff(STOCK_WRITE, scoped=True, body={"decision": "maybe"}),
    "stock.excursion": staff(STOCK_WRITE, scoped=True),
    "stock.readings": staff(STOCK_WRITE, scoped=True),
    "stock.equipment": staff(STOCK_VIEW, scoped=True),
    # A label too long: the route is reached, no token is made.
    "stock.add_token": staff(STOCK_WRITE, scoped=True, body={"label": "x" * 81}),
    "stock.revoke_token": staff(STOCK_WRITE, scoped=True),
    "stock.lot": staff(STOCK_VIEW),
    "stock.recall": staff((NAT,), body={"reason": ""}),
    "stock.recipients": staff(ADMINS, audited={"GET": "stock.lot.recipients"}),
    "stock.export": staff(STOCK_VIEW, args={"kind": "balances", "fmt": "csv"}),
    "stock_desk.vials": staff(DESK),
    "stock_desk.open_vial": staff(DESK, body={"scan": "x"}),
    "stock_desk.close": staff(DESK, scoped=True, body={"reason": "policy"}),
    "stock_api.readings": staff(STOCK_WRITE, body={"readings": []}),
    "stock_api.inventory_report": staff(STOCK_VIEW, scoped=True,
                                        audited={"GET": "stock.fhir_export"}),
    "stock_api.supply_delivery": staff(STOCK_VIEW, scoped=True,
                                       audited={"GET": "stock.fhir_export"}),
}

URL_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def url_args(rule: str) -> set[str]:
    return {m.group(2) for m in URL_ARG.finditer(rule)}


def fill(template, values: dict):
    """Replace ``{name}`` placeholders (in a string, dict or list) with the variant's values."""
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    if isinstance(template, str):
        return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)
    return template


def build_url(rule: str, access: Access, values: dict) -> str:
    """The rule with its arguments filled: the route's fixed ones, else the variant's objects."""
    from urllib.parse import urlencode

    def one(match):
        name = match.group(2)
        value = fill(access.args[name], values) if name in access.args else values[name]
        return str(value)

    path = URL_ARG.sub(one, rule)
    query = fill(access.query, values)
    return f"{path}?{urlencode(query)}" if query else path


def depends_on_variant(rule: str, access: Access) -> bool:
    """Whether the request differs between the in-scope and the out-of-scope objects."""
    text = repr((access.query, access.body, access.args))
    return bool(url_args(rule) - set(access.args)) or "{" in text


def signed_in_staff(app, username: str, password: str):
    """A test client signed in through the real staff sign-in form; returns it and a CSRF token."""
    client = app.test_client()
    token = csrf_token(client, "/staff/login")
    response = client.post("/staff/login", data={"username": username, "password": password,
                                                 "csrf_token": token})
    assert response.status_code == 302, f"{username} could not sign in: {response.status_code}"
    return client, csrf_token(client, "/staff/password")


def signed_in_citizen(app, mobile: str):
    """(``mobile`` in E.164 form.) A test client signed in through the real OTP forms (web session), and a Bearer token
    from the native API's OTP exchange; returns the client, a CSRF token and the token."""
    from tests.citizen.helpers import last_otp

    client = app.test_client()
    token = csrf_token(client, "/signin")
    assert client.post("/signin", data={"mobile": mobile, "csrf_token": token}).status_code == 302
    response = client.post("/signin/verify", data={"otp": last_otp(mobile), "csrf_token": token})
    assert response.status_code == 302, f"{mobile} could not sign in: {response.status_code}"
    return client, csrf_token(client, "/signout"), api_token(app, mobile)


def api_token(app, mobile: str) -> str:
    """A citizen's Bearer token from the native API's OTP exchange."""
    from tests.citizen.helpers import last_otp

    sent = app.test_client().post("/api/kit/v1/auth/otp", json={"mobile": mobile})
    confirmed = app.test_client().post("/api/kit/v1/auth/otp/confirm", json={
        "txn_id": sent.get_json()["txn_id"], "otp": last_otp(mobile)})
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    return confirmed.get_json()["token"]


def csrf_token(client, url: str) -> str:
    """The CSRF token of a form page, as this client's session holds it.

    Flask-WTF caches the token in ``g``, which lives as long as the app context; the tests keep
    one pushed across requests, so the cache is dropped first (else another client's token)."""
    from flask import g

    g.pop("csrf_token", None)
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"{url} has no CSRF token"
    return match.group(1)


def build_objects(db, world, accounts: dict) -> dict[str, dict]:
    """For each variant (``in``: facility FA inside everyone's scope; ``out``: FB, reached only
    by national admins), the citizen account's vaccinated person with a certificate and a pending
    correction, a session with their appointment, an AEFI report, a colleague and an audit
    entry; returns the values that fill URLs, queries and bodies."""
    from cowin_kit.booking import lottery
    from cowin_kit.certificates import issuance, operations
    from cowin_kit.api.cowin_v2.areaids import external_id
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.core.db import utcnow
    from cowin_kit.core.models import AuditEntry
    from cowin_kit.vaccination.models import AefiReport
    from tests.operations.conftest import make_appointment, make_dose, make_person, make_session
    from tests.factories import make_staff

    shc_kid = keystore().keys("shc")[0].kid
    variants = {}
    for variant, code, area in (("in", "FA", world.areas["A"]), ("out", "FB", world.areas["B"])):
        facility = world.facilities[code]
        account = accounts[variant]
        person = make_person(db, name=f"Person {code}", account=account)
        dose = make_dose(db, person, facility)
        dose.lot = f"LOT-{code}"
        issuance.issue_for_dose(dose)
        db.session.commit()
        correction = operations.request_correction(account, person.reference_id, "name",
                                                   f"Corrected {code}")
        booked = make_session(db, facility)  # holds the appointments
        appointment = make_appointment(db, booked, person, dose_number=2)
        spare = make_appointment(db, booked, make_person(db, name=f"Spare {code}",
                                                         account=account))
        planned = make_session(db, facility)  # the one staff routes may cancel
        lottery_session = make_session(db, facility)  # its doses go by a lottery (#21)
        lottery.open_round(None, lottery_session)
        report = AefiReport(dose_record_id=dose.id, onset_at=utcnow(), symptoms=["fever"],
                            severity="mild", outcome="recovered")
        db.session.add(report)
        colleague = make_staff(db, VAC, f"colleague-{code}", facility=facility)
        db.session.add(AuditEntry(actor_type="staff", actor_id=str(colleague.id), action="marker",
                                  object_type="marker", object_id=f"marker-{code}",
                                  outcome="ok", details={}))
        db.session.flush()
        variants[variant] = {
            "facility_id": facility.id, "facility_code": code, "session_id": planned.id, "open_session_id": booked.id,
            "lottery_session_id": lottery_session.id,
            "appointment_id": appointment.id, "spare_appointment_id": spare.id,
            "dose_id": dose.id, "aefi_id": report.id, "user_id": colleague.id,
            "request_id": correction.id, "reference_id": person.reference_id,
            "area_code": area.code, "state_id": external_id(area), "shc_kid": shc_kid,
            "markers": {"person": f"Person {code}", "facility": f"Centre {code}",
                        "lot": f"LOT-{code}", "colleague": f"colleague-{code}",
                        "correction": f"Corrected {code}", "audit": f"marker-{code}"},
        }
    from tests.stock.matrix import stock_objects

    for variant, code in (("in", "FA"), ("out", "FB")):
        variants[variant].update(stock_objects(db, world, world.facilities[code]))
    db.session.commit()
    return variants
