"""A commissioner's money figures: spend against value, the approval queue, days to pay, payment runs."""
from __future__ import annotations

from flask import g
from marshmallow import Schema, fields

from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.invoicing import spend

bp = ApiBlueprint("api_spend", __name__, description="Spend against contract value, invoices and days to pay")


class SpendSchema(Schema):
    by_provider = fields.List(fields.Dict())
    by_service_type = fields.List(fields.Dict())
    overall = fields.Dict(allow_none=True)
    awaiting_approval = fields.List(fields.Dict())
    queried = fields.List(fields.Dict())
    days_to_pay = fields.Dict()
    payment_runs = fields.List(fields.Dict())


@bp.org_route("/spend")
@requires("view_dashboards")
@bp.response(200, SpendSchema)
@bp.doc(security=BEARER)
def spend_figures():
    """Spend (approved and paid, credit notes taking away) against contract value per provider and type of
    service; invoices awaiting approval and queried, with their age; days to pay per month; payment runs"""
    return spend.spend_json(spend.spend_report(g.organisation.id))
