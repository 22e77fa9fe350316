"""Staff sign-in, sign-out and the staff start page."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cowin_kit.accounts import staff_auth
from cowin_kit.accounts.models import StaffUser
from cowin_kit.accounts.sessions import end_sessions
from cowin_kit.accounts.staff_operations import change_password, create_staff_user
from cowin_kit.accounts.staff_permissions import (ADMINS, ROLES, area_filter, staff_area_path,
                                                  staff_required, staff_user_scope)
from cowin_kit.accounts.staff_web import error_context, me, role_label
from cowin_kit.areas.models import Area
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import Forbidden, KitError

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/"):
        return url_for("staff.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form and sign a staff member in."""
    error = retry_after = None
    status = 200
    if request.method == "POST":
        try:
            user = staff_auth.authenticate(request.form.get("username", ""),
                                           request.form.get("password", ""))
            staff_auth.login(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        except KitError as exc:
            db.session.rollback()
            error, status = exc.text(), exc.status
            retry_after = getattr(exc, "retry_after", None)
    response = make_response(render_template("staff/login.html", error=error,
                                             username=request.form.get("username", "")), status)
    if retry_after:  # rate limited: say when to come back
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.post("/logout")
def logout():
    """Sign out."""
    staff_auth.logout()
    return redirect(url_for("staff.login"))


@bp.get("/")
@staff_required(ROLES)
def home():
    """Show what this staff member can do."""
    staff = staff_auth.current_staff()
    return render_template("staff/home.html", staff=staff, role_label=role_label(staff.role))


@bp.route("/password", methods=["GET", "POST"])
@staff_required(ROLES, writes=True)
def password():
    """Change my password."""
    context: dict = {}
    status = 200
    if request.method == "POST":
        try:
            change_password(me(), request.form.get("current", ""), request.form.get("new", ""))
            staff_auth.end_other_sessions(me())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("staff.home"))
        except KitError as exc:
            db.session.rollback()
            context, status = error_context(exc), exc.status
    return render_template("staff/password.html", **context), status


def _reachable_users():
    """Return the staff accounts the signed-in admin may manage."""
    staff = me()
    query = sa.select(StaffUser).order_by(StaffUser.role, StaffUser.username)
    reach = staff_area_path(staff)
    if reach != "":
        facility_ok = area_filter(staff, StaffUser.facility_id)
        area_ok = StaffUser.area_id.in_(sa.select(Area.id).where(Area.path.startswith(reach or "-")))
        query = query.where(sa.or_(facility_ok, area_ok))
    return db.session.execute(query.limit(1000)).scalars().all()


@bp.route("/users", methods=["GET", "POST"])
@staff_required(ADMINS, writes=True)
def users():
    """List the staff accounts in my reach and create new ones."""
    context: dict = {}
    status = 200
    if request.method == "POST":
        form = request.form
        try:
            create_staff_user(role=form.get("role", ""), username=form.get("username", ""),
                              password=form.get("password", ""),
                              full_name=form.get("full_name", ""),
                              area_code=form.get("area_code") or None,
                              facility_code=form.get("facility_code") or None, created_by=me())
            return redirect(url_for("staff.users"))
        except KitError as exc:
            db.session.rollback()
            context, status = error_context(exc), exc.status
    roles = [(r, role_label(r)) for r in ROLES if me().role == "national_admin" or r != "national_admin"]
    return render_template("staff/users.html", users=_reachable_users(), roles=roles,
                           role_label=role_label, form=request.form, **context), status


@bp.post("/users/<int:user_id>/status")
@staff_required(ADMINS, scope=staff_user_scope, writes=True)
def user_status(user_id: int):
    """Deactivate, reactivate or unlock a staff account."""
    user = db.get_or_404(StaffUser, user_id)
    action = request.form.get("action")
    if user.id == me().id and action == "deactivate":
        raise Forbidden()
    if action == "unlock":
        staff_auth.unlock(user)
    elif action in ("activate", "deactivate"):
        user.active = action == "activate"
        if not user.active:  # a deactivated account is signed out everywhere at once
            end_sessions(staff_user_id=user.id)
    else:
        return redirect(url_for("staff.users"))
    audit(f"staff.{action}", "staff_user", user.id)
    db.session.commit()
    return redirect(url_for("staff.users"))
