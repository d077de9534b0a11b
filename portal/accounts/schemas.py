"""Marshmallow schemas for the accounts and organisation API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from portal.accounts.api_tokens import DAYS_MESSAGE, DEFAULT_DAYS, MAX_DAYS, READ, SCOPES
from portal.limits import BIGINT_MAX, MAX_OFFSET


class TokenRequestSchema(Schema):
    email = fields.Email(required=True, metadata={"example": "staff@riverside-care.example"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))
    label = fields.String(load_default="API token", validate=validate.Length(max=100))
    code = fields.String(load_only=True, validate=validate.Length(max=20), metadata={
        "description": "The 6-digit code from the person's authenticator app: required when they use MFA"})
    organisation = fields.String(load_default=None, allow_none=True, error_messages={
        "invalid": "Give the organisation's slug as text, like riverside-care"}, validate=validate.Length(max=63), metadata={
        "description": "The slug of the one organisation the token is for; may be left out by a person whose role "
                       "uses the API in one organisation only", "example": "riverside-care"})
    scopes = fields.List(
        fields.String(validate=validate.OneOf(SCOPES, error="Choose scopes from read and write")),
        error_messages={"invalid": 'Give the scopes as a list, like ["read"] or ["read", "write"]'},
        load_default=lambda: [READ], validate=validate.Length(min=1, error="Choose at least one scope: read or write"),
        metadata={"description": "`read`: GET only; `write`: every method (includes read). Default: read"})
    expires_in_days = fields.Integer(load_default=DEFAULT_DAYS, strict=True, validate=validate.Range(
        min=1, max=MAX_DAYS, error=DAYS_MESSAGE), error_messages={"invalid": DAYS_MESSAGE, "null": DAYS_MESSAGE}, metadata={"description": f"From 1 to {MAX_DAYS}; default {DEFAULT_DAYS}"})


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Send as `Authorization: Bearer <token>`"})
    id = fields.Integer(required=True)
    organisation = fields.String(required=True, metadata={"description": "The slug of the token's organisation"})
    scopes = fields.List(fields.String(), required=True)
    expires_at = fields.DateTime(required=True)


class OrganisationSchema(Schema):
    slug = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"enum": ["provider", "commissioner"]})


class MyOrganisationSchema(OrganisationSchema):
    role = fields.String()


class TokenInfoSchema(Schema):
    organisation = fields.String(metadata={"description": "The slug of the one organisation the token is for"})
    scopes = fields.List(fields.String())
    expires_at = fields.DateTime()


class MeSchema(Schema):
    email = fields.Email()
    full_name = fields.String()
    platform_admin = fields.Boolean()
    organisations = fields.List(fields.Nested(MyOrganisationSchema))
    roles = fields.List(fields.String(), metadata={"description": "The person's role in the token's organisation"})
    token = fields.Nested(TokenInfoSchema)


class MemberUserSchema(Schema):
    email = fields.Email()
    full_name = fields.String()


class MembershipSchema(Schema):
    id = fields.Integer()
    role = fields.String()
    created_at = fields.DateTime()
    user = fields.Nested(MemberUserSchema)


def limit_field(default: int, maximum: int):
    return fields.Integer(load_default=default, validate=validate.Range(
        min=1, max=maximum, error=f"Enter a limit from 1 to {maximum:,} (items per answer)"))


def offset_field():
    return fields.Integer(load_default=0, validate=validate.Range(
        min=0, max=MAX_OFFSET, error=f"Enter an offset from 0 to {MAX_OFFSET:,} (items to skip)"))


def id_field(what: str, **kwargs):
    """An id in a query or a body: out of the id column's range is a message, not a database error."""
    return fields.Integer(validate=validate.Range(min=1, max=BIGINT_MAX, error=f"Enter the id of {what}"), **kwargs)


class PageArgsSchema(Schema):
    limit = limit_field(50, 200)
    offset = offset_field()
