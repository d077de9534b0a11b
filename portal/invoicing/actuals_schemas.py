"""API schemas of rate cards, visit imports and UBL (money as decimal strings)."""
from __future__ import annotations

from marshmallow import Schema, fields


class RateSchema(Schema):
    id = fields.Int()
    unit = fields.Str()
    service_type = fields.Str()
    day_type = fields.Str()
    rate = fields.Decimal(as_string=True)
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    variation_id = fields.Int(allow_none=True)


class RateChangeSchema(Schema):
    unit = fields.Str(required=True)
    day_type = fields.Str(load_default="weekday")
    service_type = fields.Str(load_default="")
    rate = fields.Raw(required=True, metadata={"description": "A decimal string with up to 4 decimals, like \"21.5000\""})
    effective_from = fields.Str(required=True, metadata={"description": "ISO date, within the contract"})
    variation = fields.Str(load_default="", metadata={"description": "Record the change as a rate variation "
                                                                      "with these words (optional)"})


class RateChangedSchema(RateSchema):
    adjustments = fields.Method("_adjustments")

    def _adjustments(self, rate):
        return [{"id": a.id, "number": a.number, "kind": a.kind, "corrects_id": a.corrects_id,
                 "total": str(a.total)} for a in getattr(rate, "adjustments", [])]


class ExceptionSchema(Schema):
    id = fields.Int()
    row = fields.Int(attribute="row_number")
    person_ref = fields.Str()
    day = fields.Date()
    status = fields.Str()
    problems = fields.List(fields.Dict())
    paid_minutes = fields.Int()


class VisitImportSchema(Schema):
    id = fields.Int()
    contract_id = fields.Int()
    filename = fields.Str()
    rule = fields.Str()
    visits = fields.Int()
    first_day = fields.Date()
    last_day = fields.Date()
    counts = fields.Dict()
    exceptions = fields.List(fields.Nested(ExceptionSchema))


class InvoiceMadeSchema(Schema):
    id = fields.Int()
    number = fields.Str()
    kind = fields.Str()
    status = fields.Str()
    source = fields.Str()
    contract_id = fields.Int()
    net_total = fields.Decimal(as_string=True)
    vat_total = fields.Decimal(as_string=True)
    total = fields.Decimal(as_string=True)
