"""Sealed bids: providers submit, withdraw and reconfirm theirs; the commissioner's procurement team
opens them (two people) after the deadline and then lists them."""
from __future__ import annotations

from flask import g, request
from flask_login import current_user

from portal.errors import NotFound
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.procurement import bid_api, bid_documents, bid_members, bid_opening, bid_policy, bid_queries, bids, policy
from portal.procurement.bid_schemas import (BidCreatedSchema, BidCreateSchema, BidDocumentSchema, BidSchema,
                                            BidMembershipSchema, OpeningSchema)

bp = ApiBlueprint("api_bids", __name__, description="Sealed bids")
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "PDF, DOCX, XLSX, CSV, ODT, PNG or JPEG"}}}}}}}


def _own(bid) -> None:
    if not bid_policy.is_own(bid, g.organisation.id):
        raise NotFound("No such bid")


@bp.org_route("/tenders/<int:tender_id>/bids", methods=["POST"])
@requires("submit_bids")
@bp.arguments(BidCreateSchema)
@bp.response(201, BidCreatedSchema, description="Submitted: the receipt is in the answer")
@bp.alt_response(202, schema=BidCreatedSchema, description="Kept as a draft: `submit` was false, or consortium "
                                                           "members (`waiting_for`) have still to confirm their part")
@bp.alt_response(409, description="The deadline for bids has passed")
@bp.doc(security=BEARER)
def submit(data, tender):
    """Save and submit the provider's bid for a lot (a replacement if it has one): until the deadline for bids"""
    outcome = bid_api.save_and_submit(g.organisation, tender, data, actor=current_user)
    return outcome, outcome.status_code


@bp.org_route("/tenders/<int:tender_id>/bids")
@requires("view_bids")
@bp.response(200, BidSchema(many=True))
@bp.alt_response(409, description="The commissioner's bids are sealed (before the deadline and until two people "
                                  "have confirmed the opening)")
@bp.doc(security=BEARER)
def list_bids(tender):
    """A provider's own bids for the tender; for its commissioner, every bid once opened (409 while sealed)"""
    if policy.owns(g.organisation.id, tender):
        return bid_queries.opened_bids(tender)
    return bid_queries.own_bids(tender, g.organisation.id)


@bp.org_route("/tenders/<int:tender_id>/bids/<int:bid_id>/documents", methods=["POST"])
@requires("submit_bids")
@bp.response(201, BidDocumentSchema)
@bp.doc(security=BEARER, **UPLOAD_BODY)
@bp.alt_response(413, description="The file is larger than DOCUMENT_MAX_BYTES")
@bp.alt_response(422, description="No file, an empty file, a virus or a type the portal does not accept")
def upload_document(tender, bid):
    """Add a document to the bid's draft (checked, then encrypted to the tender's key); submit the bid to include it"""
    _own(bid)
    [document] = bid_documents.upload(bid, [request.files.get("file")], actor=current_user)
    return document


@bp.org_route("/tenders/<int:tender_id>/bids/<int:bid_id>/withdraw", methods=["POST"])
@requires("submit_bids")
@bp.response(200, BidCreatedSchema)
@bp.doc(security=BEARER)
def withdraw(tender, bid):
    """Withdraw a submitted bid, until the deadline for bids (a receipt is in the answer)"""
    _own(bid)
    return bid_api.Outcome(bid, bids.withdraw(bid, actor=current_user))


@bp.org_route("/tenders/<int:tender_id>/bids/<int:bid_id>/reconfirm", methods=["POST"])
@requires("submit_bids")
@bp.response(200, BidCreatedSchema)
@bp.doc(security=BEARER)
def reconfirm(tender, bid):
    """Confirm that a bid still stands after an amendment of its lot (a receipt is in the answer)"""
    _own(bid)
    return bid_api.Outcome(bid, bids.reconfirm(bid, declaration=True, actor=current_user))


@bp.org_route("/tenders/<int:tender_id>/open", methods=["POST"])
@requires("open_bids")
@bp.response(200, OpeningSchema)
@bp.alt_response(409, description="Before the deadline, already opened, or the same person confirming twice")
@bp.doc(security=BEARER)
def open_bids(tender):
    """Confirm the opening of the bids (the commissioner's procurement team): the second different person opens them"""
    if not policy.owns(g.organisation.id, tender):
        raise NotFound("No such tender")
    return bid_opening.confirm_opening(tender, actor=current_user)


@bp.org_route("/bid-memberships")
@requires("submit_bids")
@bp.response(200, BidMembershipSchema(many=True))
@bp.doc(security=BEARER)
def memberships():
    """The consortium bids of other providers that name the organisation, to confirm its part"""
    return bid_queries.memberships_of(g.organisation.id)


@bp.org_route("/bid-memberships/<int:bid_member_id>/confirm", methods=["POST"])
@requires("submit_bids")
@bp.response(200, BidMembershipSchema)
@bp.doc(security=BEARER)
def confirm_membership(bid_member):
    """Confirm the organisation's part in another provider's consortium bid"""
    return bid_members.confirm_part(g.organisation, bid_member, actor=current_user)
