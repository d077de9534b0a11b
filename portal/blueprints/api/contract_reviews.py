"""Contracts due for review and the commissioner's decisions."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.contract_reviews import queries, services
from portal.contract_reviews.schemas import DecisionInSchema, ReviewArgsSchema, ReviewDecisionSchema, ReviewRowSchema
from portal.contracts.queries import get_contract
from portal.errors import NotFound
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint

bp = ApiBlueprint("api_contract_reviews", __name__, description="Contract reviews")


@bp.org_route("/contract-reviews")
@requires("view_contract_reviews")
@bp.arguments(ReviewArgsSchema, location="query")
@bp.response(200, ReviewRowSchema(many=True))
@bp.doc(security=BEARER)
def due(args):
    """Contracts ending within `within` months (3, 6 or 12), with delivered against contracted units,
    invoiced against value, outcomes achieved, returns on time and accepted, and decisions made"""
    return [queries.review_json(row) for row in queries.due_for_review(g.organisation.id, args["within"])]


@bp.org_route("/contract-reviews", methods=["POST"])
@requires("decide_contract_reviews")
@bp.arguments(DecisionInSchema)
@bp.response(201, ReviewDecisionSchema)
@bp.doc(security=BEARER)
def decide(data):
    """Record the decision on a contract: extend (`new_end_date`), vary (`kind` value or other, `description`,
    `value_change` for value), retender or end, with a `reason`"""
    contract = get_contract(data["contract_id"])
    if contract is None or contract.commissioner_id != g.organisation.id:
        raise NotFound("No such contract", field="contract_id")
    return queries.decision_json(services.decide(contract, data, actor=current_user))
