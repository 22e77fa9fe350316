"""Staff sign-in, sign-out and the staff start page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cowin_kit.accounts import staff_auth
from cowin_kit.accounts.staff_permissions import ROLES, staff_required
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/"):
        return url_for("staff.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form and sign a staff member in."""
    error = None
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
    return render_template("staff/login.html", error=error,
                           username=request.form.get("username", "")), status


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


def role_label(role: str) -> str:
    """Return the localised name of a role."""
    return {
        "national_admin": _("National administrator"),
        "area_admin": _("Area administrator"),
        "facility_manager": _("Facility manager"),
        "vaccinator": _("Vaccinator"),
        "auditor": _("Auditor"),
    }.get(role, role)
