"""Marshmallow schemas for the savings API (money as decimal strings)."""
from __future__ import annotations

from marshmallow import Schema, fields


class QuarterSchema(Schema):
    start = fields.Date()
    baseline = fields.Decimal(as_string=True)
    spend = fields.Decimal(as_string=True)
    realised = fields.Decimal(as_string=True, allow_none=True)


class TargetFiguresSchema(Schema):
    id = fields.Function(lambda f: f.target.id)
    name = fields.Function(lambda f: f.target.name)
    scope = fields.Function(lambda f: f.target.scope)
    programme = fields.Function(lambda f: f.target.programme)
    service_type = fields.Function(lambda f: f.target.service_type)
    collaborative_id = fields.Function(lambda f: f.target.collaborative_id)
    year_start = fields.Function(lambda f: f.target.year_start.isoformat())
    baseline = fields.Decimal(as_string=True)
    target_amount = fields.Decimal(as_string=True)
    spend = fields.Decimal(as_string=True)
    realised = fields.Decimal(as_string=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Decimal(as_string=True))
    quarters = fields.List(fields.Nested(QuarterSchema))
    shares = fields.Function(lambda f: {str(k): {n: str(v) for n, v in parts.items()} for k, parts in f.shares.items()})




