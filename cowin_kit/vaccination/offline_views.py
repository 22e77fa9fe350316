"""The offline desk app (issue #22): ``/desk/offline/`` is an installable page (manifest,
service worker scoped to ``/desk/offline/``) that downloads the day's pack, records doses
offline in an IndexedDB queue (codes checked against the pack's PBKDF2 hashes with WebCrypto)
and syncs the queue when the network is back. The page itself holds no personal data: the
pack is fetched by its script (static/desk-offline.js) from ``/api/kit/v1/staff/desk/pack``.
Everything the page keeps in IndexedDB is encrypted by static/desk-store.js (a key from the
vaccinator's passphrase and the pack's ``device_key``), locked after a reload and wiped on the
app's sign-out, after five wrong passphrases and at the pack's expiry.
Walk-ins (ID checked on the device), AEFI reports and the eligibility check before a dose are
in static/desk-offline-forms.js; what is left is listed in docs/operations.md, "Offline desk".
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from cowin_kit.accounts.staff_permissions import DESK, staff_required

bp = Blueprint("desk_offline", __name__, url_prefix="/desk/offline", template_folder="templates")
STATIC = Path(__file__).resolve().parent / "static"


@bp.get("/")
@staff_required(DESK)
def app_page():
    """The offline desk (works offline once opened; holds no personal data itself)."""
    return render_template("desk/offline.html", language=str(get_locale() or "en"))


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest (install on the home screen)."""
    body = {"name": _("Offline desk"), "short_name": _("Desk"),
            "start_url": url_for(".app_page"), "scope": url_for(".app_page"),
            "display": "standalone", "background_color": "#ffffff",
            "lang": str(get_locale() or "en")}
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")


@bp.get("/sw.js")
def service_worker():
    """The service worker, served under /desk/offline/ so that it controls the app page."""
    return current_app.response_class((STATIC / "desk-offline-sw.js").read_bytes(),
                                      mimetype="text/javascript")
