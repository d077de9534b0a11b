"""The contract reviews' API shapes."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from portal.contract_reviews.models import DECISIONS, WINDOWS


class ReviewArgsSchema(Schema):
    within = fields.Integer(load_default=6, validate=validate.OneOf(WINDOWS),
                            metadata={"description": "Contracts ending within 3, 6 or 12 months"})


class DecisionInSchema(Schema):
    contract_id = fields.Integer(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(list(DECISIONS)))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    new_end_date = fields.Date(metadata={"description": "extend: the new end date"})
    kind = fields.String(validate=validate.OneOf(["value", "other"]), metadata={"description": "vary: value or other"})
    description = fields.String(validate=validate.Length(max=5000), metadata={"description": "vary: what changes"})
    value_change = fields.String(validate=validate.Length(max=30),
                                 metadata={"description": "vary (value): the change of value, like \"25000.00\""})


class ReviewDecisionSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    decision = fields.String()
    reason = fields.String()
    previous_end_date = fields.String()
    new_end_date = fields.String(allow_none=True)
    variation_id = fields.Integer(allow_none=True)
    decided_at = fields.String()
    decided_by = fields.String(allow_none=True)


class ReviewRowSchema(Schema):
    contract_id = fields.Integer()
    reference = fields.String()
    title = fields.String()
    provider = fields.String()
    service_type = fields.String()
    start_date = fields.String()
    end_date = fields.String()
    value = fields.String()
    invoiced = fields.String()
    invoiced_pct = fields.String(allow_none=True)
    contracted = fields.String(allow_none=True)
    delivered = fields.String(allow_none=True)
    delivered_pct = fields.String(allow_none=True)
    delivery_unit = fields.String()
    returns_due = fields.Integer()
    returns_on_time = fields.Integer()
    returns_accepted = fields.Integer()
    on_time_pct = fields.String(allow_none=True)
    accepted_pct = fields.String(allow_none=True)
    outcomes_reviewed = fields.String(allow_none=True)
    outcomes_achieved = fields.String(allow_none=True)
    outcomes_achieved_pct = fields.String(allow_none=True)
    decisions = fields.List(fields.Nested(ReviewDecisionSchema))
