"""Marshmallow schemas for the approved supplier lists API."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from portal.contracts.models import SERVICE_TYPES
from portal.contracts.schemas import OrganisationRefSchema
from portal.procurement.supplier_list_models import DESCRIPTION_LIMIT, MEMBER_STATUSES, NAME_LIMIT, REASON_LIMIT
from portal.procurement.supplier_lists import london_day


def _text(limit: int, what: str, *, required: bool = True):
    def check(value: str) -> None:
        if required and not value.strip():
            raise ValidationError(f"Enter {what}")
        if len(value.strip()) > limit:
            raise ValidationError(f"Shorten {what} to {limit:,} characters or fewer")

    options = {"required": True} if required else {"load_default": ""}
    return fields.String(validate=check, metadata={"maxLength": limit}, **options)


class SupplierListMemberSchema(Schema):
    id = fields.Integer()
    provider = fields.Nested(OrganisationRefSchema)
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    status = fields.Function(lambda m: m.status_on(london_day()), metadata={
        "description": f"Today: {', '.join(MEMBER_STATUSES)} (upcoming: starts later)"})
    removed_at = fields.DateTime(allow_none=True)
    removed_reason = fields.String()


class SupplierListSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    service_type = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    commissioner = fields.Nested(OrganisationRefSchema)
    members = fields.List(fields.Nested(SupplierListMemberSchema), metadata={
        "description": "Every membership for the commissioner; a provider's own only, for a provider"})


class SupplierListWriteSchema(Schema):
    name = _text(NAME_LIMIT, "the name of the list")
    description = _text(DESCRIPTION_LIMIT, "the description", required=False)
    service_type = fields.String(required=True, validate=validate.OneOf(list(SERVICE_TYPES)))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)


class SupplierListMemberCreateSchema(Schema):
    provider = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "The provider's short name (slug)"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)


class SupplierListMemberDatesSchema(Schema):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)


class SupplierListMemberRemoveSchema(Schema):
    reason = _text(REASON_LIMIT, "the reason for removing the provider")


class TenderRestrictionSchema(Schema):
    supplier_list_id = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=1), metadata={
        "description": "One of the commissioner's lists; null opens the tender to every provider"})


class SupplierListRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class RestrictedTenderSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    supplier_list = fields.Nested(SupplierListRefSchema, allow_none=True, metadata={
        "description": "Only the list's members on the publication day see the tender once published"})
