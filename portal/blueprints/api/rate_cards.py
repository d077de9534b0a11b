"""A contract's rate card: read it (both sides); add or change a rate (the commissioner)."""
from __future__ import annotations

from flask_login import current_user

from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.invoicing import rate_cards
from portal.invoicing.actuals_schemas import RateChangedSchema, RateChangeSchema, RateSchema
from portal.invoicing.queries import rates_of

bp = ApiBlueprint("api_rate_cards", __name__, description="Contracts' rate cards")


@bp.org_route("/contracts/<int:contract_id>/rates")
@requires("view_rate_cards")
@bp.response(200, RateSchema(many=True))
@bp.doc(security=BEARER)
def rates(contract):
    """The contract's rates, by unit, service type, day type and date"""
    return rates_of(contract)


@bp.org_route("/contracts/<int:contract_id>/rates", methods=["POST"])
@requires("manage_rate_cards")
@bp.arguments(RateChangeSchema)
@bp.response(201, RateChangedSchema)
@bp.doc(security=BEARER)
def change_rate(data, contract):
    """Add a rate, closing the one in force the day before; a rate from a past date drafts adjustments
    of the invoices already sent, listed in the answer"""
    variation = None
    if data["variation"].strip():
        start = rate_cards.check_rate(contract, unit=data["unit"], day_type=data["day_type"],
                                      service_type=data["service_type"], rate=data["rate"],
                                      effective_from=data["effective_from"])[4]
        variation = rate_cards.record_rate_variation(contract, effective_from=start, description=data["variation"],
                                                     actor=current_user)
    return rate_cards.change_rate(contract, unit=data["unit"], day_type=data["day_type"],
                                  service_type=data["service_type"], rate=data["rate"],
                                  effective_from=data["effective_from"], actor=current_user, variation=variation)
