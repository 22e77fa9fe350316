"""The citizen's reminder setting: SMS reminders of due doses on or off for the account's mobile
(the reminder text links here)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError
from cowin_kit.profiles.phones import mask_mobile
from cowin_kit.reminders import operations

bp = Blueprint("reminders", __name__, template_folder="templates")


class BadChoice(KitError):
    status = 400
    code = "BAD_CHOICE"
    default_message = _l("Choose whether to receive reminders.")


@bp.route("/my/reminders", methods=["GET", "POST"])
@citizen_required
def settings():
    account = current_account()
    if request.method == "POST":
        choice = request.form.get("reminders")
        if choice not in ("on", "off"):
            raise BadChoice()
        changed = operations.set_opt_out(account.mobile, choice == "off", source="citizen",
                                         account_id=account.id)
        db.session.commit()
        if changed:
            flash(_("Reminders are off.") if choice == "off" else _("Reminders are on."))
        return redirect(url_for("reminders.settings"))
    return render_template("reminders/settings.html", masked_mobile=mask_mobile(account.mobile),
                           opted_out=operations.opted_out(account.mobile))
