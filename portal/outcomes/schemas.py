"""The outcomes dashboard's JSON (portal.outcomes.views.report_json), documented for the API."""
from __future__ import annotations

from marshmallow import Schema, fields


class OutcomeCellSchema(Schema):
    suppressed = fields.Boolean(metadata={"description": "Built on fewer than `threshold` people: no figures"})
    reviewed = fields.Integer(allow_none=True)
    achieved = fields.Integer(allow_none=True)
    rate = fields.String(allow_none=True, metadata={"description": "Per cent, as a string"})


class ProviderCellSchema(OutcomeCellSchema):
    slug = fields.String(allow_none=True)
    name = fields.String(allow_none=True)


class ServiceTypeCellSchema(OutcomeCellSchema):
    service_type = fields.String()


class LocalityCellSchema(OutcomeCellSchema):
    locality = fields.String()


class TrendCellSchema(OutcomeCellSchema):
    period_start = fields.String(metadata={"description": "The month, YYYY-MM-DD"})


class BenchmarkSchema(Schema):
    q1 = fields.String(allow_none=True)
    median = fields.String(allow_none=True)
    q3 = fields.String(allow_none=True)
    providers = fields.Integer(allow_none=True)


class OutcomeFiguresSchema(Schema):
    outcome = fields.String()
    text = fields.String()
    overall = fields.Nested(OutcomeCellSchema, allow_none=True)
    benchmark = fields.Nested(BenchmarkSchema, allow_none=True)
    providers = fields.List(fields.Nested(ProviderCellSchema))
    service_types = fields.List(fields.Nested(ServiceTypeCellSchema))
    localities = fields.List(fields.Nested(LocalityCellSchema))
    trend = fields.List(fields.Nested(TrendCellSchema))


class MeasureFigureSchema(Schema):
    code = fields.String()
    type = fields.String()
    provider = fields.String(allow_none=True, metadata={"description": "A provider's slug; null for all providers"})
    figure = fields.String(allow_none=True)
    figure_is = fields.String(metadata={"description": "mean or total"})


class OutcomeReportSchema(Schema):
    framework = fields.String()
    period_from = fields.String(metadata={"description": "The first month, YYYY-MM-DD"})
    period_to = fields.String(metadata={"description": "The last month, YYYY-MM-DD"})
    threshold = fields.Integer()
    outcomes = fields.List(fields.Nested(OutcomeFiguresSchema))
    measures = fields.List(fields.Nested(MeasureFigureSchema))
