"""Proposals: a provider's drafts and submissions; the addressed commissioner's decisions."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.errors import NotFound
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.proposals import queries, services
from portal.proposals.schemas import ProposalDecisionSchema, ProposalSchema, ProposalWriteSchema, VersionSchema

bp = ApiBlueprint("api_proposals", __name__, description="Proposals with their financial model")


@bp.org_route("/proposals")
@requires("view_proposals")
@bp.response(200, ProposalSchema(many=True))
@bp.doc(security=BEARER)
def proposals():
    """A provider's own proposals (drafts too); a commissioner's submitted ones"""
    return queries.list_proposals()


@bp.org_route("/proposals", methods=["POST"])
@requires("make_proposals")
@bp.arguments(ProposalWriteSchema)
@bp.response(201, ProposalSchema)
@bp.doc(security=BEARER)
def create(data):
    """Write a draft proposal (money and percentages as decimal strings; ``commissioner`` is a slug)"""
    return services.create_proposal(g.organisation, data, actor=current_user)


@bp.org_route("/proposals/<int:proposal_id>")
@requires("view_proposals")
@bp.response(200, ProposalSchema)
@bp.doc(security=BEARER)
def proposal(proposal):
    """One proposal with its financial model worked out"""
    return proposal


@bp.org_route("/proposals/<int:proposal_id>/versions")
@requires("view_proposals")
@bp.response(200, VersionSchema(many=True))
@bp.doc(security=BEARER)
def versions(proposal):
    """The versions frozen at each submission"""
    return queries.versions_of(proposal)


@bp.org_route("/proposals/<int:proposal_id>/submit", methods=["POST"])
@requires("make_proposals")
@bp.response(200, ProposalSchema)
@bp.doc(security=BEARER)
def submit(proposal):
    """Submit a draft to its commissioner (freezes a version)"""
    if proposal.tenant_id != g.organisation.id:
        raise NotFound("No such proposal")
    services.submit_proposal(proposal, actor=current_user)
    return proposal


@bp.org_route("/proposals/<int:proposal_id>/decision", methods=["POST"])
@requires("decide_proposals")
@bp.arguments(ProposalDecisionSchema)
@bp.response(200, ProposalSchema)
@bp.doc(security=BEARER)
def decide(data, proposal):
    """Under review, accept or decline (with a note; an awarded amount for a fund bid)"""
    return services.decide_proposal(proposal, g.organisation, decision=data["decision"], note=data.get("note"),
                                    awarded_amount=data.get("awarded_amount"), actor=current_user)
