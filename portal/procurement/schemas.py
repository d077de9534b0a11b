"""Marshmallow schemas for the tenders API."""
from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate

from portal.accounts.schemas import limit_field, offset_field
from portal.contracts.models import SERVICE_TYPES
from portal.contracts.schemas import OrganisationRefSchema
from portal.procurement import policy, regimes
from portal.procurement.services import MAX_LOTS, VALUE_MAX


def _aware(value: datetime) -> None:
    if value.tzinfo is None:
        raise ValidationError("Give the time zone, like 2027-02-26T12:00:00+00:00 (UK time in winter)")


def _text(limit: int, what: str, *, required: bool = True):
    def check(value: str) -> None:
        if required and not value.strip():
            raise ValidationError(f"Enter {what}")
        if len(value.strip()) > limit:
            raise ValidationError(f"Shorten {what} to {limit} characters or fewer")

    options = {"required": True} if required else {"load_default": ""}
    return fields.String(validate=check, metadata={"maxLength": limit}, **options)


def _value(description: str = "Pounds, as a string", **options):
    return fields.Decimal(places=2, as_string=True, validate=validate.Range(
        min=0, max=VALUE_MAX, error=f"Enter an amount from £0 to £{VALUE_MAX:,}, like 250000.00"),
        metadata={"minimum": 0, "maximum": float(VALUE_MAX), "description": description}, **options)


class LotSchema(Schema):
    number = fields.Integer(dump_only=True)
    title = _text(200, "the lot's title")
    description = _text(20000, "the lot's description", required=False)
    estimated_value = _value(required=True)


class TenderSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    title = fields.String()
    status = fields.Function(lambda t: policy.status_at(t), metadata={
        "description": "draft, published (open for bids), closed (the deadline for bids has passed), evaluation, "
                       "awarded or cancelled"})
    regime = fields.String(metadata={"description": "scotland, england or below_threshold"})
    service_type = fields.String()
    commissioner = fields.Nested(OrganisationRefSchema)
    published_at = fields.DateTime()
    clarification_deadline = fields.DateTime(metadata={"description": "Questions are accepted until then"})
    answer_deadline = fields.DateTime(metadata={"description": "The procurement team answers questions until then"})
    submission_deadline = fields.DateTime(metadata={"description": "Bids are accepted until then"})


class AmendmentSchema(Schema):
    number = fields.Integer()
    reason = fields.String()
    changes = fields.Dict(metadata={"description": "Each changed field: its label, and its value before and after, "
                                                   "in words"})
    created_at = fields.DateTime()


class TenderDetailSchema(TenderSchema):
    description = fields.String()
    accelerated = fields.Boolean()
    electronic = fields.Boolean()
    evaluation_on = fields.Date()
    award_on = fields.Date()
    standstill_end = fields.DateTime()
    contract_start = fields.Date()
    estimated_value = fields.Decimal(as_string=True)
    cancel_reason = fields.String()
    lots = fields.List(fields.Nested(LotSchema))
    amendments = fields.List(fields.Nested(AmendmentSchema))
    supplier_list = fields.Function(
        lambda t: {"id": t.supplier_list_id, "name": t.supplier_list.name if t.supplier_list else None}
        if t.supplier_list_id else None,
        metadata={"description": "A mini-competition: only this approved supplier list's members on the "
                                 "publication day see the tender (null: every provider)"})


class TenderCreateSchema(Schema):
    reference = _text(60, "the tender reference")
    title = _text(200, "the title")
    description = _text(20000, "the description", required=False)
    service_type = fields.String(required=True, validate=validate.OneOf(list(SERVICE_TYPES)))
    regime = fields.String(required=True, validate=validate.OneOf(list(regimes.REGIMES)))
    accelerated = fields.Boolean(load_default=False)
    electronic = fields.Boolean(load_default=True)
    published_at = fields.AwareDateTime(required=True, validate=_aware, metadata={
        "description": "When the tender is planned to be published"})
    submission_deadline = fields.AwareDateTime(required=True, validate=_aware)
    estimated_value = _value("The value of a tender without lots, in pounds", load_default=None)
    lots = fields.List(fields.Nested(LotSchema), load_default=None, validate=validate.Length(
        min=1, max=MAX_LOTS, error=f"Give from 1 to {MAX_LOTS} lots, or leave lots out for one"))


class QuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    status = fields.String(load_default="", validate=validate.OneOf(["", "open", "closed", "draft", "evaluation",
                                                                     "awarded", "cancelled"]))
    mine = fields.Boolean(load_default=False, metadata={"description": "Only the organisation's own tenders"})


class OcdsBulkArgsSchema(Schema):
    """A page of the bulk download: published tenders in a stable order (``links.next`` names the next)."""
    limit = limit_field(100, 500)
    offset = offset_field()


class AmendSchema(Schema):
    """What changes (only the fields given), and why."""

    reason = _text(2000, "the reason for the change")
    title = fields.String(validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=20000))
    clarification_deadline = fields.AwareDateTime(validate=_aware)
    answer_deadline = fields.AwareDateTime(validate=_aware)
    submission_deadline = fields.AwareDateTime(validate=_aware)
    evaluation_on = fields.Date()
    award_on = fields.Date()
    standstill_end = fields.AwareDateTime(validate=_aware)
    contract_start = fields.Date()


class EvaluationSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000), metadata={
        "description": "Why the evaluation starts with clarification questions unanswered (needed only then)"})
