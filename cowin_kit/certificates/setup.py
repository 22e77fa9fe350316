"""Wire the certificates domain: signals, pages, native API, navigation."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from cowin_kit.extensions import register_api_blueprint
from cowin_kit.vaccination.signals import dose_corrected, dose_recorded
from cowin_kit.web.context import add_nav

from . import api, card_views, issuance, offline, scopes, views


def init_app(app: Flask) -> None:
    # weak=False: module-level functions; connect once per process (blinker ignores repeats)
    dose_recorded.connect(issuance.on_dose_recorded, weak=False)
    dose_corrected.connect(issuance.on_dose_corrected, weak=False)
    scopes.register()  # correction requests: places for staff permissions
    app.register_blueprint(views.bp)
    app.register_blueprint(views.well_known)
    app.register_blueprint(offline.bp)  # the offline verifier app (/verifier/)
    app.register_blueprint(card_views.bp)  # immunisation cards (routine schedule)
    register_api_blueprint(app, api.blp)
    add_nav(app, "certificates.verify_page", _l("Verify a certificate"), section="public", order=60)
