"""Investment funds (read only): a commissioner's own; the open ones for a provider."""
from __future__ import annotations

from flask import g

from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.proposals import fund_pages
from portal.proposals.schemas import FundSchema

bp = ApiBlueprint("api_funds", __name__, description="Investment funds")


@bp.org_route("/funds")
@requires("view_proposals")
@bp.response(200, FundSchema(many=True))
@bp.doc(security=BEARER)
def funds():
    """A commissioner's funds; for a provider, the funds open for bids now"""
    return fund_pages.index_context(g.organisation)["funds"]


@bp.org_route("/funds/<int:fund_id>")
@requires("view_proposals")
@bp.response(200, FundSchema)
@bp.doc(security=BEARER)
def fund(fund):
    """One fund with its criteria"""
    return fund
