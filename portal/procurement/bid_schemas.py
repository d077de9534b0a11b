"""Marshmallow schemas for the bids API. What a bid is made of is checked by the services (a price,
a lot of the tender, word limits, shares), which name the field at fault; the schemas describe."""
from __future__ import annotations

from marshmallow import Schema, fields

from portal.contracts.schemas import OrganisationRefSchema
from portal.procurement.bid_models import BID_DRAFT


class BidCreateSchema(Schema):
    lot = fields.Raw(required=True, metadata={"type": "integer", "description": "The lot's number: 1, 2..."})
    price = fields.Raw(required=True, metadata={"type": "string", "description": "Pounds, like \"4150000.00\""})
    answers = fields.Raw(load_default=dict, metadata={
        "type": "object", "additionalProperties": {"type": "string"},
        "description": "Answers by quality question number, like {\"1\": \"Our approach...\"}; every question "
                       "of the lot must be answered to submit"})
    members = fields.Raw(load_default=None, metadata={
        "type": "array", "items": {"type": "object", "properties": {
            "organisation": {"type": "string", "description": "The provider's slug"},
            "role": {"type": "string", "enum": ["member", "subcontractor"]},
            "share": {"type": "string", "description": "Per cent of the work, like \"25\""},
            "part": {"type": "string"}}},
        "description": "A consortium's members or sub-contractors (the whole list). Each confirms its part from "
                       "its own account before the bid can be submitted"})
    submit = fields.Boolean(load_default=True, metadata={
        "description": "false keeps it as a draft (to add documents first). Submitting through the API makes the "
                       "bid's declaration on behalf of the organisation."})


class ReceiptRefSchema(Schema):
    number = fields.Integer()
    sha256 = fields.String(metadata={"description": "SHA-256 of the receipt's canonical JSON"})
    submitted_at = fields.DateTime(attribute="created_at")
    action = fields.Function(lambda r: r.contents.get("action"))


class BidCreatedSchema(Schema):
    """What POST /tenders/{id}/bids answers (a ``portal.procurement.bid_api.Outcome``)."""

    id = fields.Function(lambda o: o.bid.id)
    lot = fields.Function(lambda o: o.bid.lot.number)
    status = fields.Function(lambda o: o.bid.status, metadata={
        "description": "draft (not submitted), submitted or withdrawn"})
    receipt = fields.Nested(ReceiptRefSchema, allow_none=True)
    waiting_for = fields.Function(lambda o: [m.member.slug for m in o.bid.members if m.confirmed_at is None],
                                  metadata={"description": "Consortium members that have still to confirm their part"})


class BidDocumentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String(metadata={"description": "Of the plain file, as uploaded"})
    submitted = fields.Function(lambda d: d.status != BID_DRAFT)


class BidMemberSchema(Schema):
    organisation = fields.Nested(OrganisationRefSchema, attribute="member")
    role = fields.String()
    share = fields.Decimal(places=2, as_string=True)
    part = fields.String()
    confirmed_at = fields.DateTime(allow_none=True)


class BidSchema(Schema):
    id = fields.Integer()
    lot = fields.Function(lambda b: b.lot.number)
    provider = fields.Nested(OrganisationRefSchema)
    status = fields.String()
    version = fields.Integer()
    price = fields.Method("_price", metadata={"type": "string", "nullable": True, "description":
                          "Pounds; null for a commissioner until the lot's quality is moderated"})
    price_withheld = fields.Boolean(dump_default=False, metadata={
        "description": "The price is withheld until every bid of the lot has its quality moderated"})
    submitted_at = fields.DateTime(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    receipt_sha256 = fields.String(allow_none=True)
    answers = fields.Method("_answers")
    documents = fields.Function(lambda b: BidDocumentSchema(many=True).dump(
        [d for d in b.documents if d.status != BID_DRAFT]))
    members = fields.Nested(BidMemberSchema, many=True)
    reconfirmation_outstanding = fields.Boolean(metadata={
        "description": "Submitted before an amendment of its lot and not confirmed since"})
    reconfirm_reason = fields.String()

    def _price(self, bid):
        if getattr(bid, "price_withheld", False) or bid.price is None:
            return None
        return f"{bid.price:.2f}"

    def _answers(self, bid) -> dict:
        from portal.procurement.bids import questions_for

        numbers = {str(q.id): str(q.number) for q in questions_for(bid.tender_id, bid.lot_id)}
        return {numbers[key]: value for key, value in bid.answers.items() if key in numbers}


class OpeningSchema(Schema):
    opened_at = fields.DateTime(allow_none=True)
    confirmations = fields.Function(lambda s: len(s.confirmations))
    needed = fields.Integer(metadata={"description": "Confirmations by other people still needed"})


class BidMembershipSchema(Schema):
    id = fields.Integer()
    lead = fields.Nested(OrganisationRefSchema)
    tender = fields.Function(lambda m: {"id": m.tender_id, "reference": m.tender.reference})
    lot = fields.Function(lambda m: m.lot.number if m.lot else None)
    role = fields.String()
    share = fields.Decimal(places=2, as_string=True)
    part = fields.String()
    confirmed_at = fields.DateTime(allow_none=True)
