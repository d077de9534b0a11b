"""The audit log in the API: each event in words as on the page, with the recorded fields."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from portal.accounts.schemas import PageArgsSchema
from portal.audit.filters import ACTION_GROUPS, SYSTEM
from portal.limits import EARLIEST_DATE, LATEST_DATE

_DATE_MESSAGE = f"Enter a date from {EARLIEST_DATE:%Y-%m-%d} to {LATEST_DATE:%Y-%m-%d}, written like 2026-03-27"


def _date(key: str, description: str):
    return fields.Date(
        data_key=key, validate=validate.Range(min=EARLIEST_DATE, max=LATEST_DATE, error=_DATE_MESSAGE),
        error_messages={"invalid": _DATE_MESSAGE}, metadata={"description": description})


class AuditArgsSchema(PageArgsSchema):
    person = fields.String(validate=validate.Length(max=20, error="Enter a person's id (a number) or portal"),
                           metadata={"description": f"Only what this person did (their user id), or `{SYSTEM}`: "
                                                    "what the portal did by itself"})
    action = fields.String(validate=validate.OneOf(
        list(ACTION_GROUPS), error="Choose one of: " + ", ".join(ACTION_GROUPS)),
        metadata={"description": "Only this kind of action: " + "; ".join(
            f"`{key}`: {label.lower()}" for key, (label, _a, _k) in ACTION_GROUPS.items())})
    date_from = _date("from", "Only events on or after this day (UK time)")
    date_to = _date("to", "Only events on or before this day (UK time)")


class ChangeSchema(Schema):
    what = fields.String(metadata={"description": "What changed, in words (a role, a status, a question)"})
    before = fields.String()
    after = fields.String()


class AuditEventSchema(Schema):
    id = fields.Integer(attribute="event.id")
    created_at = fields.DateTime(attribute="event.created_at")
    description = fields.String(attribute="sentence", metadata={
        "description": "The event in words, as the audit log page says it"})
    changes = fields.List(fields.Nested(ChangeSchema), metadata={"description": "Values before and after"})
    notes = fields.List(fields.String())
    actor = fields.Function(lambda e: e.event.actor.email if e.event.actor else None,
                            metadata={"description": "The email of who did it; null for the portal itself"})
    actor_name = fields.String(attribute="who")
    action = fields.String(attribute="event.action")
    object_type = fields.String(attribute="event.object_type", allow_none=True)
    object_id = fields.String(attribute="event.object_id", allow_none=True)
    details = fields.Dict(attribute="event.details", metadata={"description": "What the service recorded"})
    ip_address = fields.String(attribute="event.ip_address", allow_none=True)
