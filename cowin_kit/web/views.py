"""Home page and the language switcher."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request

from cowin_kit.core.i18n import match_locale, remember_locale, supported_locales

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/web")


@bp.get("/")
def index():
    from cowin_kit.web.context import home_blocks

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
