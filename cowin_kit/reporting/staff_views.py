"""Ministry report pages (staff, limited to their area): tables, streamed CSV/XLSX, targets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import sqlalchemy as sa
from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import (ADMINS, AUDITOR, require_scope,
                                                  staff_area_path, staff_required)
from cowin_kit.accounts.staff_web import error_context, form_date, me
from cowin_kit.areas.models import Area
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import Forbidden, KitError, NotFound, ValidationFailed
from cowin_kit.profiles import get_profile
from cowin_kit.reporting import equity, exports
from cowin_kit.reporting.labels import PageCells, area_name, local_today
from cowin_kit.reporting.operations import TargetsRejected, import_targets
from cowin_kit.reporting.queries import child_areas
from cowin_kit.reporting.catalog import all_reports
from cowin_kit.reporting.reports import Params

bp = Blueprint("reporting_staff", __name__, url_prefix="/staff/reports",
               template_folder="templates")

REPORT_ROLES = (*ADMINS, AUDITOR)
PAGE_ROWS = 200
MAX_UPLOAD = 5 * 1024 * 1024
FROM_AFTER_TO = _l("The start date is after the end date.")
CHOOSE_FILE = _l("Choose a CSV file to upload.")
TOO_LARGE = _l("The file is larger than 5 MB.")
NOT_UTF8 = _l("Save the file as UTF-8 CSV and try again.")


def _reach() -> str:
    path = staff_area_path(me())
    if path is None:
        raise Forbidden()
    return path


def _params() -> Params:
    """Read area and dates from the query string, keeping the area inside the user's reach."""
    reach = _reach()
    code = (request.args.get("area") or "").strip()
    if code:
        area = db.session.scalar(sa.select(Area).where(Area.code == code))
        if area is None:
            raise NotFound()
        require_scope(me(), area, f"route:{request.endpoint}")  # refused and logged
    elif reach:
        area = db.session.get(Area, int(reach.strip("/").split("/")[-1]))
    else:
        area = None
    today = local_today()
    date_to = form_date("to") or today
    date_from = form_date("from") or date_to - dt.timedelta(days=29)
    if date_from > date_to:
        raise ValidationFailed(fields={"from": [str(FROM_AFTER_TO)]})
    return Params(area=area, date_from=date_from, date_to=date_to, today=today,
                  cohort=request.args.get("cohort"),
                  antigen=(request.args.get("antigen") or "").strip() or None,
                  status=(request.args.get("status") or "").strip() or None,
                  after=(request.args.get("after") or "").strip() or None)


def _report(kind: str, params: Params | None = None):
    report = all_reports().get(kind)
    if report is None:
        raise NotFound()
    if report.check is not None and params is not None:
        report.check(params)
    return report


def _audit_view(report, params: Params, how: str) -> None:
    if report.personal:
        filters = {"antigen": params.antigen, "status": params.status} if report.by_antigen \
            else {}
        audit(f"report.{how}", "report", report.kind,
              area=params.area.code if params.area else None,
              date_from=params.date_from.isoformat(), date_to=params.date_to.isoformat(),
              **{k: v for k, v in filters.items() if v})
        db.session.commit()


def _antigen_choices() -> list[tuple[str, str]]:
    routine = get_profile().routine
    return [(a.id, a.name) for a in routine.antigens] if routine is not None else []


@bp.get("/")
@staff_required(REPORT_ROLES)
def index():
    params = _params()
    return render_template("reporting/reports_index.html", reports=all_reports().values(),
                           params=params, areas=child_areas(params.area),
                           area_title=area_name(params.area), equity=equity.shares(params))


@bp.get("/<kind>")
@staff_required(REPORT_ROLES)
def show(kind: str):
    params = dataclasses.replace(_params(), limit=PAGE_ROWS + 1)  # one more: say there are more
    report = _report(kind, params)
    _audit_view(report, params, "view")
    rows = list(itertools.islice(report.rows(params, lambda n: None), PAGE_ROWS + 1))
    more = len(rows) > PAGE_ROWS
    next_key = params.keys[PAGE_ROWS - 1] if more and report.paged else None
    return render_template("reporting/report.html", report=report, params=params,
                           rows=rows[:PAGE_ROWS], more=more, next_key=next_key,
                           antigens=_antigen_choices() if report.by_antigen else (),
                           cells=PageCells(report.columns),
                           area_title=area_name(params.area), areas=child_areas(params.area))


@bp.get("/<kind>.<fmt>")
@staff_required(REPORT_ROLES)
def export(kind: str, fmt: str):
    """Stream the whole report as CSV or XLSX."""
    params = _params()
    report = _report(kind, params)
    if fmt not in exports.FORMATS:
        raise NotFound()
    _audit_view(report, params, "export")
    chunks = (exports.csv_chunks(report, params) if fmt == "csv"
              else exports.xlsx_chunks(report, params))
    name = exports.filename(report, params, fmt)
    return Response(stream_with_context(chunks), mimetype=exports.FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@bp.route("/targets", methods=["GET", "POST"])
@staff_required(ADMINS, writes=True)
def targets():
    """Upload target populations (CSV: area_code, age_band, population)."""
    context: dict = {"saved": None, "row_errors": []}
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise ValidationFailed(fields={"file": [str(CHOOSE_FILE)]})
            data = upload.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                raise ValidationFailed(fields={"file": [str(TOO_LARGE)]})
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationFailed(fields={"file": [str(NOT_UTF8)]}) from None
            context["saved"] = import_targets(text, get_profile(), allowed_path=_reach())
        except TargetsRejected as exc:
            db.session.rollback()
            context.update(error_context(exc), row_errors=exc.errors)
            return render_template("reporting/targets.html", **context), 422
        except KitError as exc:
            db.session.rollback()
            context.update(error_context(exc))
            return render_template("reporting/targets.html", **context), exc.status
    return render_template("reporting/targets.html", **context)

