"""Web pages of fair access (#21): a session's lottery (public facts; entering, confirming and
declining for the signed-in citizen's people), standby lists, and the staff side: a session's
lottery for managers, "call standby" and priority-group checks at the vaccinator desk."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.accounts.staff_permissions import DESK, MANAGERS, staff_required
from cowin_kit.accounts.staff_web import error_context, form_int, me
from cowin_kit.booking import errors, lottery, operations, standby
from cowin_kit.booking.fair_api import STANDBY_CALLERS
from cowin_kit.booking.fair_api import bp as api_bp
from cowin_kit.booking.fair_api import staff_bp as api_staff_bp
from cowin_kit.booking.fair_models import LotteryRequest, StandbyEntry
from cowin_kit.booking.models import Facility, VaccinationSession
from cowin_kit.booking.scopes import session_scope
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import Forbidden, KitError, ValidationFailed
from cowin_kit.extensions import register_api_blueprint
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.priority import group_evidence
from cowin_kit.registration.models import Beneficiary
from cowin_kit.registration.queries import by_reference, count_lookup, get_owned_beneficiary
from cowin_kit.web.context import add_nav

bp = Blueprint("fair", __name__, template_folder="templates")
staff_bp = Blueprint("fair_staff_pages", __name__, template_folder="templates")


def _my_people():
    account = current_account()
    if account is None:
        return []
    return list(db.session.scalars(sa.select(Beneficiary).where(
        Beneficiary.account_id == account.id).order_by(Beneficiary.id)))


# -- citizens -----------------------------------------------------------------------------------

@bp.get("/lottery/<session_id>")
def lottery_page(session_id):
    """A session's lottery: what anyone may check; the signed-in citizen's requests and offers."""
    found = lottery.round_of(session_id)
    session = operations.load_session(found.session_id)
    people = _my_people()
    mine = {}
    if people:
        mine = {r.beneficiary_id: r for r in db.session.scalars(sa.select(LotteryRequest).where(
            LotteryRequest.round_id == found.id,
            LotteryRequest.beneficiary_id.in_([p.id for p in people])))}
    return render_template("fair/lottery.html", info=lottery.summary(found), session=session,
                           people=people, mine=mine, closes=found.closes_at)


def _back(session_id):
    return redirect(url_for("fair.lottery_page", session_id=session_id))


def _citizen_action(session_id, action):
    """Run an action on the signed-in citizen's person named in the form; say the outcome."""
    try:
        action(current_account(), request.form.get("reference_id", ""))
    except KitError as exc:
        db.session.rollback()
        if exc.code == "BENEFICIARY_NOT_FOUND":  # another account's person: as if not there
            raise
        flash(exc.text(), "error")
    return _back(session_id)


@bp.post("/lottery/<session_id>/enter")
@citizen_required
def lottery_enter(session_id):
    """Enter one of my people in the lottery."""
    def enter(account, reference_id):
        person = get_owned_beneficiary(account, reference_id)
        made = lottery.enter(person, session_id, channel="web")
        flash(_("Entered. Your ticket is %(ticket)s: find it in the published draw.",
                ticket=made.ticket[:16]), "success")

    return _citizen_action(session_id, enter)


@bp.post("/lottery/<session_id>/confirm")
@citizen_required
def lottery_confirm(session_id):
    """Take the offered dose in a slot."""
    def confirm(account, reference_id):
        made = lottery.confirm(lottery.my_request(account, session_id, reference_id),
                               request.form.get("slot", ""))
        flash(_("Confirmed. Secret code: %(code)s", code=made.secret_code), "success")

    return _citizen_action(session_id, confirm)


@bp.post("/lottery/<session_id>/decline")
@citizen_required
def lottery_decline(session_id):
    """Give the offered dose to the next person in the draw."""
    def decline(account, reference_id):
        lottery.decline(lottery.my_request(account, session_id, reference_id))
        flash(_("The dose goes to the next person in the draw."), "success")

    return _citizen_action(session_id, decline)


@bp.get("/standby")
@citizen_required
def standby_page():
    """My people's places on standby lists, and the form to join one."""
    people = _my_people()
    entries = list(db.session.execute(sa.select(StandbyEntry, Facility).join(
        Facility, Facility.id == StandbyEntry.facility_id).where(
        StandbyEntry.beneficiary_id.in_([p.id for p in people] or [0]))
        .order_by(StandbyEntry.date.desc(), StandbyEntry.id)).all())
    return render_template("fair/standby.html", people=people, entries=entries,
                           names={p.id: p for p in people}, form=request.args)


def _standby_form():
    """(person, facility, day) from the form; a bad value is a 422 with the field named."""
    code = (request.form.get("facility_code") or "").strip()
    facility = db.session.scalar(sa.select(Facility).where(Facility.code == code)) \
        if code and len(code) <= 32 else None
    try:
        day = dt.date.fromisoformat((request.form.get("date") or "").strip())
    except ValueError:
        day = None
    person = get_owned_beneficiary(current_account(), request.form.get("reference_id", ""))
    problems = {}
    if facility is None:
        problems["facility_code"] = [_("No centre has this code.")]
    if day is None:
        problems["date"] = [_("Not a date: use YYYY-MM-DD.")]
    if problems:
        raise ValidationFailed(fields=problems)
    return person, facility, day


@bp.post("/standby/join")
@citizen_required
def standby_join():
    """Put one of my people on a centre's standby list for a day."""
    try:
        person, facility, day = _standby_form()
        standby.join(person, facility.id, day, channel="web")
        flash(_("On the standby list. If a dose comes free you get an SMS."), "success")
    except KitError as exc:
        db.session.rollback()
        if exc.code == "BENEFICIARY_NOT_FOUND":
            raise
        flash(exc.text() + " " + " ".join(str(m) for v in exc.fields.values() for m in v),
              "error")
    return redirect(url_for("fair.standby_page"))


@bp.post("/standby/confirm")
@citizen_required
def standby_confirm():
    """Take a standby offer."""
    try:
        person, facility, day = _standby_form()
        entry = standby.my_entry(current_account(), person.reference_id, facility.id, day)
        made = standby.confirm(entry)
        flash(_("Confirmed. Secret code: %(code)s", code=made.secret_code), "success")
    except KitError as exc:
        db.session.rollback()
        if exc.code == "BENEFICIARY_NOT_FOUND":
            raise
        flash(exc.text(), "error")
    return redirect(url_for("fair.standby_page"))


# -- staff ----------------------------------------------------------------------------------------

@staff_bp.route("/admin/sessions/<uuid:session_id>/lottery", methods=["GET", "POST"])
@staff_required(MANAGERS, scope=session_scope, writes=True)
def session_lottery(session_id):
    """Open a session's lottery, follow its requests, draw it after the window closes."""
    session = db.get_or_404(VaccinationSession, session_id)
    context, status = {}, 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "draw":
                lottery.draw(lottery.round_of(session.id), staff=me())
            else:
                lottery.open_round(me(), session, hours=form_int("hours", 24),
                                   confirm_hours=form_int("confirm_hours", 12))
            return redirect(url_for("fair_staff_pages.session_lottery", session_id=session.id))
        except KitError as exc:
            db.session.rollback()
            context, status = error_context(exc), exc.status
            session = db.session.get(VaccinationSession, session_id)
    try:
        info = lottery.summary(lottery.round_of(session.id))
    except errors.LotteryNotFound:
        info = None
    return render_template("fair/staff_lottery.html", session=session, info=info,
                           **context), status


@staff_bp.route("/desk/sessions/<uuid:session_id>/standby", methods=["GET", "POST"])
@staff_required(STANDBY_CALLERS, scope=session_scope, writes=True)
def desk_standby(session_id):
    """"Call standby: N doses left" for a session (the rest of an opened vial, no-shows)."""
    session = db.get_or_404(VaccinationSession, session_id)
    context, status = {}, 200
    if request.method == "POST":
        try:
            declared = standby.call(me(), session, form_int("doses", 0),
                                    dose_kind=request.form.get("dose_kind", "1"),
                                    confirm_minutes=form_int("confirm_minutes", 30))
            flash(_("%(offered)s of %(doses)s doses offered to people on the standby list.",
                    offered=declared.outstanding, doses=declared.doses), "success")
            return redirect(url_for("fair_staff_pages.desk_standby", session_id=session.id))
        except KitError as exc:
            db.session.rollback()
            context, status = error_context(exc), exc.status
            session = db.session.get(VaccinationSession, session_id)
    counts = dict(db.session.execute(sa.select(StandbyEntry.status, sa.func.count()).where(
        StandbyEntry.facility_id == session.facility_id, StandbyEntry.date == session.date)
        .group_by(StandbyEntry.status)).all())
    free = {c.dose_kind: c.available for c in session.capacities}
    return render_template("fair/desk_standby.html", session=session, counts=counts, free=free,
                           **context), status


@staff_bp.route("/desk/priority/<reference_id>", methods=["GET", "POST"])
@staff_required(DESK, writes=True)
def desk_priority(reference_id):
    """Check a person's priority groups at the desk (what to see: the profile's evidence)."""
    staff = me()
    if not staff.facility_id:
        raise Forbidden()
    count_lookup(staff)
    person = by_reference(reference_id)
    context, status = {}, 200
    if request.method == "POST":
        try:
            standby.check_priority(staff, person, request.form.get("group", ""),
                                   request.form.get("outcome", ""),
                                   request.form.get("evidence", ""),
                                   facility_id=staff.facility_id)
            flash(_("Recorded."), "success")
            return redirect(url_for("fair_staff_pages.desk_priority", reference_id=reference_id))
        except KitError as exc:
            db.session.rollback()
            context, status = error_context(exc), exc.status
    audit("beneficiary.view", "beneficiary", person.reference_id, facility=staff.facility_id,
          via="priority")
    db.session.commit()
    profile = get_profile()
    language = profile.default_language
    from flask_babel import get_locale

    language = str(get_locale()).split("_")[0] or language
    groups = [{"id": g.id, "label": g.label(language), "claimed": g.id in (person.groups or []),
               "evidence": group_evidence(profile, g.id, language)}
              for g in profile.eligibility.priority_groups]
    return render_template("fair/desk_priority.html", person=person, groups=groups,
                           **context), status


def fair_status(status: str) -> str:
    """A lottery request's or a standby entry's status, in words."""
    return {"entered": pgettext("fair status", "Entered, waiting for the draw"),
            "offered": pgettext("fair status", "Dose offered: confirm before the deadline"),
            "confirmed": pgettext("fair status", "Confirmed"),
            "declined": pgettext("fair status", "Given to the next person"),
            "expired": pgettext("fair status", "Offer expired"),
            "not_drawn": pgettext("fair status", "Not drawn (yet): waiting in draw order"),
            "skipped": pgettext("fair status", "Skipped: already has a slot"),
            "waiting": pgettext("fair status", "Waiting on the list"),
            "withdrawn": pgettext("fair status", "Withdrawn")}.get(status, status)


def init_app(app) -> None:
    """Pages, native API, the status filter and the citizens' link to standby lists."""
    from flask_babel import lazy_gettext as _l

    app.register_blueprint(bp)
    app.register_blueprint(staff_bp)
    register_api_blueprint(app, api_bp)
    register_api_blueprint(app, api_staff_bp)
    app.add_template_filter(fair_status)
    add_nav(app, "fair.standby_page", _l("Standby lists"), "citizen", order=35)
