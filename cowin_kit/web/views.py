"""Home page and the language switcher."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file

from cowin_kit.core.i18n import match_locale, remember_locale, supported_locales
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.branding import branding
from cowin_kit.web.context import home_blocks

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/web")


@bp.get("/")
def index():
    return render_template("web/index.html", home_blocks=home_blocks(current_app))


@bp.route("/language/<lang>", methods=["GET", "POST"])
def set_language(lang: str):
    """Remember the chosen language and go back where the user was."""
    match = match_locale(lang, supported_locales())
    if match:
        remember_locale(match)
    target = request.values.get("next") or "/"
    # Only local paths: never redirect to another site.
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        target = "/"
    return redirect(target)


#: Branding comes from the profile, which changes only with a deployment: cache for an hour.
BRANDING_MAX_AGE = 3600


@bp.get("/branding.css")
def branding_css():
    """The profile's colours as CSS custom properties (a file: no inline styles on pages)."""
    response = current_app.response_class(branding(get_profile()).css(), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = BRANDING_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/branding/emblem.png")
def emblem():
    """The ministry's emblem from the profile folder (404 when the profile has none)."""
    path = branding(get_profile()).emblem
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype="image/png", max_age=BRANDING_MAX_AGE, conditional=True)
