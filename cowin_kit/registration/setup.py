"""Wire beneficiary registration into the app: web pages and native API."""

from __future__ import annotations

from flask import Flask

from cowin_kit.accounts.views import register_my_page
from cowin_kit.extensions import register_api_blueprint
from cowin_kit.profiles import get_profile
from cowin_kit.registration import api, children, children_views, next_due, routine_rows, views
from cowin_kit.registration.queries import beneficiaries_of, vaccination_status


def init_app(app: Flask) -> None:
    next_due.install()  # each person's next dose kept with every change to their doses
    routine_rows.install()  # and their open routine doses per antigen
    app.register_blueprint(views.bp)
    app.register_blueprint(children_views.bp)
    register_my_page(my_people)  # the people on the citizen's "My account" page
    register_api_blueprint(app, api.bp)


def my_people(account) -> dict:
    """The account's people and their vaccination status, for the "My account" page."""
    beneficiaries = beneficiaries_of(account)
    profile = get_profile()
    limit = profile.booking.beneficiaries_per_mobile
    return {"beneficiaries": beneficiaries, "status": vaccination_status(beneficiaries),
            "limit": limit, "can_add": len(beneficiaries) < limit,
            "routine": children.routine_due_of(beneficiaries) if profile.routine else {},
            "pregnancy_allowed": profile.routine is not None}
