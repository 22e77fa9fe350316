"""Auditor pages: search the audit log (by actor, action, object, dates) and export it as CSV.

An auditor with an area sees what staff of that area did; national admins and auditors
without an area see everything. The entries themselves are core's (``AuditEntry``); the pages
live in accounts because who may read them is a question of staff roles and reach.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from cowin_kit.accounts import places
from cowin_kit.accounts.models import StaffUser
from cowin_kit.accounts.staff_auth import current_staff
from cowin_kit.accounts.staff_permissions import staff_area_path, staff_required
from cowin_kit.areas.models import Area
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import ValidationFailed
from cowin_kit.core.inputs import INT32_MAX, date_out_of_range
from cowin_kit.core.models import AuditEntry
from cowin_kit.core.spreadsheet import csv_row
from cowin_kit.profiles import get_profile

bp = Blueprint("audit_log", __name__, url_prefix="/staff/audit", template_folder="templates")

AUDIT_ROLES = ("national_admin", "auditor")
PAGE_SIZE = 100
CSV_COLUMNS = ("id", "at", "actor_type", "actor_id", "action", "object_type", "object_id",
               "outcome", "ip", "details")


#: Names for the keys audit entries carry in ``details`` (others are shown as stored).
DETAIL_LABELS = {
    "after": _l("After"), "before": _l("Before"), "old": _l("Before"), "area": _l("Area"),
    "beneficiary": _l("Person"), "people": _l("People"), "results": _l("Results"),
    "count": _l("Count"), "day": _l("Date"), "dose": _l("Dose"), "dose_kind": _l("Dose"),
    "facility": _l("Facility"), "field": _l("Field"), "file": _l("File"), "format": _l("Format"),
    "kind": _l("Kind"), "query": _l("Search"), "reason": _l("Reason"), "role": _l("Role"),
    "rows": _l("Rows"), "session": _l("Session"), "severity": _l("Severity"),
    "username": _l("Username"), "via": _l("Via"), "vaccine": _l("Vaccine"), "lot": _l("Lot"),
    "code": _l("Code"), "actor": _l("Actor"), "aefi": _l("Adverse event"), "outcome": _l("Outcome"),
}
ACTOR_TYPES = {
    "staff": lazy_pgettext("audit actor", "Staff"),
    "citizen": lazy_pgettext("audit actor", "Citizen"),
    "anonymous": lazy_pgettext("audit actor", "Anonymous"),
    "system": lazy_pgettext("audit actor", "System"),
}


def detail_label(key: str) -> str:
    """The translated name of a details key, or the key itself when it has none."""
    label = DETAIL_LABELS.get(key)
    return str(label) if label is not None else key


def actor_names(entries) -> dict[str, str]:
    """Usernames of the staff actors of these entries (one query), by actor id."""
    ids = {int(e.actor_id) for e in entries
           if e.actor_type == "staff" and (e.actor_id or "").isdigit()}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(StaffUser.id, StaffUser.username)
                              .where(StaffUser.id.in_(ids)))
    return {str(user_id): username for user_id, username in rows}


@dataclass
class AuditQuery:
    """The auditor's search: each field narrows the result when given."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    outcome: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_args(cls, args) -> "AuditQuery":
        def day(name):
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            try:
                day = dt.date.fromisoformat(raw)
            except ValueError:
                raise ValidationFailed(fields={name: [_l("Use YYYY-MM-DD.")]}) from None
            if refusal := date_out_of_range(day):
                raise ValidationFailed(fields={name: [refusal]})
            return day

        return cls(actor=(args.get("actor") or "").strip(), action=(args.get("action") or "").strip(),
                   object_type=(args.get("object_type") or "").strip(),
                   object_id=(args.get("object_id") or "").strip(),
                   outcome=(args.get("outcome") or "").strip(),
                   date_from=day("from"), date_to=day("to"))


def _reach_condition(staff):
    """Limit entries to actions of staff inside an area-bound auditor's area."""
    reach = staff_area_path(staff)
    if reach == "":
        return None
    if reach is None:
        return sa.false()
    facilities = places.facility_model()
    staff_ids = (sa.select(sa.cast(StaffUser.id, sa.String))
                 .outerjoin(facilities, facilities.id == StaffUser.facility_id)
                 .join(Area, Area.id == sa.func.coalesce(StaffUser.area_id, facilities.area_id))
                 .where(Area.path.startswith(reach)))
    return sa.and_(AuditEntry.actor_type == "staff", AuditEntry.actor_id.in_(staff_ids))


def build_query(staff, q: AuditQuery) -> sa.Select:
    """Return the SELECT for a search, newest first, within the staff user's reach."""
    query = sa.select(AuditEntry)
    reach = _reach_condition(staff)
    if reach is not None:
        query = query.where(reach)
    if q.actor:
        by_name = sa.select(sa.cast(StaffUser.id, sa.String)).where(StaffUser.username == q.actor)
        query = query.where(sa.or_(AuditEntry.actor_id == q.actor, AuditEntry.actor_id.in_(by_name)))
    if q.action:
        query = query.where(AuditEntry.action.startswith(q.action))
    if q.object_type:
        query = query.where(AuditEntry.object_type == q.object_type)
    if q.object_id:
        query = query.where(AuditEntry.object_id == q.object_id)
    if q.outcome:
        query = query.where(AuditEntry.outcome == q.outcome)
    if q.date_from:
        query = query.where(AuditEntry.at >= _utc_start(q.date_from))
    if q.date_to:
        query = query.where(AuditEntry.at < _utc_start(q.date_to + dt.timedelta(days=1)))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def _utc_start(day: dt.date) -> dt.datetime:
    tz = ZoneInfo(get_profile().timezone or "UTC")
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz).astimezone(dt.timezone.utc)


def csv_rows(query: sa.Select):
    """Yield the CSV text of a query, a chunk of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    result = db.session.execute(query.execution_options(yield_per=500))
    for n, entry in enumerate(result.scalars(), 1):
        # Every text cell through the shared spreadsheet guard (formula injection).
        writer.writerow(csv_row([entry.id, entry.at.isoformat(), entry.actor_type,
                                 entry.actor_id, entry.action, entry.object_type,
                                 entry.object_id, entry.outcome, entry.ip,
                                 json.dumps(entry.details, ensure_ascii=False, sort_keys=True)]))
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.get("/")
@staff_required(AUDIT_ROLES)
def search():
    """Search the audit log."""
    staff = current_staff()
    q = AuditQuery.from_args(request.args)
    page = min(max(1, request.args.get("page", 1, type=int)), INT32_MAX // PAGE_SIZE)
    query = build_query(staff, q)
    entries = db.session.execute(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
                                 ).scalars().all()
    audit("audit.search", None, None, query={k: str(v) for k, v in vars(q).items() if v})
    db.session.commit()
    shown = entries[:PAGE_SIZE]
    return render_template("audit_log/search.html", q=q, entries=shown,
                           page=page, has_next=len(entries) > PAGE_SIZE, args=request.args,
                           actor_names=actor_names(shown), actor_types=ACTOR_TYPES,
                           detail_label=detail_label)


@bp.get("/export.csv")
@staff_required(AUDIT_ROLES)
def export():
    """Stream the search result as CSV."""
    q = AuditQuery.from_args(request.args)
    query = build_query(current_staff(), q)
    audit("audit.export", None, None, query={k: str(v) for k, v in vars(q).items() if v})
    db.session.commit()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Response(stream_with_context(csv_rows(query)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'})
