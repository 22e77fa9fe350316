"""Native API: the signed-in citizen's beneficiaries."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.registration import operations, queries
from cowin_kit.registration.schemas import BeneficiaryCreateSchema, BeneficiarySchema

bp = Blueprint("beneficiaries", __name__, url_prefix="/api/kit/v1/beneficiaries",
               description="People registered under the signed-in mobile number")
SECURITY = [{"citizenBearer": []}]


def _with_status(beneficiaries):
    status = queries.vaccination_status(beneficiaries)
    for b in beneficiaries:
        b.vaccination_status = status[b.id].state
        b.doses = status[b.id].doses
    return beneficiaries


@bp.route("")
class Beneficiaries(MethodView):
    decorators = [citizen_required]

    @bp.doc(security=SECURITY)
    @bp.response(200, BeneficiarySchema(many=True))
    def get(self):
        """List the beneficiaries registered under this mobile."""
        return _with_status(queries.beneficiaries_of(current_account()))

    @bp.doc(security=SECURITY)
    @bp.arguments(BeneficiaryCreateSchema)
    @bp.response(201, BeneficiarySchema)
    def post(self, data):
        """Register a person under this mobile (identity document checked by the profile)."""
        beneficiary = operations.add_beneficiary(current_account(), **data)
        return _with_status([beneficiary])[0]


@bp.route("/<reference_id>")
class BeneficiaryItem(MethodView):
    decorators = [citizen_required]

    @bp.doc(security=SECURITY)
    @bp.response(200, BeneficiarySchema)
    def get(self, reference_id):
        """Show one of this mobile's beneficiaries."""
        return _with_status([queries.get_owned_beneficiary(current_account(), reference_id)])[0]

    @bp.doc(security=SECURITY)
    @bp.response(204)
    def delete(self, reference_id):
        """Remove a beneficiary who has no recorded dose (open appointments are cancelled)."""
        operations.delete_beneficiary(current_account(), reference_id)
