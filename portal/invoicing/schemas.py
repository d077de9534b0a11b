"""Marshmallow schemas for the invoices API. Money is sent and answered as decimal strings; the
lines' values are checked by the service (``portal.invoicing.services``), which names each
problem by line: ``{"lines": {"0": {"quantity": ["..."]}}}``."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from portal.accounts.schemas import id_field, limit_field, offset_field
from portal.invoicing.models import KINDS, STATUSES
from portal.invoicing.workflow import DECISIONS

MONEY = {"type": "string", "example": "123.45"}


class InvoiceListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    contract = id_field("one of your contracts", metadata={"description": "A contract id"})
    kind = fields.String(validate=validate.OneOf(KINDS))
    limit = limit_field(200, 500)
    offset = offset_field()


class InvoiceLineInputSchema(Schema):
    """A line as sent: quantity, unit_price and vat_rate as decimal strings (never numbers with a
    fractional part in JSON: they are floats). Leave unit_price out to price from the rate card."""
    description = fields.String()
    quantity = fields.String(metadata={"example": "12.5"})
    unit = fields.String(metadata={"description": "hour, visit, week, night, session or block"})
    unit_price = fields.String(metadata={"example": "21.50", "description": "Up to 4 decimals; empty: the rate card"})
    vat_category = fields.String(metadata={"description": "S, Z, E (the default) or O"})
    vat_rate = fields.String(metadata={"example": "0"})
    line_start = fields.String(metadata={"format": "date"})
    line_end = fields.String(metadata={"format": "date"})
    service_type = fields.String()
    day_type = fields.String()


def _lines_field():
    # Each line's values go to the service as sent, so that every problem is named by line.
    return fields.List(fields.Raw(), metadata={"description": "The lines: each as LineInput describes"})


class InvoiceCreateSchema(Schema):
    contract_id = id_field("one of your contracts", required=True)
    number = fields.Raw(required=True, metadata={"type": "string"})
    buyer_reference = fields.Raw(load_default="", metadata={"type": "string"})
    period_start = fields.Raw(required=True, metadata={"type": "string", "format": "date"})
    period_end = fields.Raw(required=True, metadata={"type": "string", "format": "date"})
    note = fields.String(load_default="")
    kind = fields.String(load_default="invoice", validate=validate.OneOf(KINDS))
    corrects_id = id_field("the invoice this credit note corrects", load_default=None, allow_none=True)
    lines = _lines_field()


class InvoicePatchSchema(Schema):
    version = fields.Integer(required=False, allow_none=True,
                             metadata={"description": "The lock_version you read (optional; a 409 if it changed)"})
    number = fields.Raw(metadata={"type": "string"})
    buyer_reference = fields.Raw(metadata={"type": "string"})
    period_start = fields.Raw(metadata={"type": "string", "format": "date"})
    period_end = fields.Raw(metadata={"type": "string", "format": "date"})
    note = fields.String()
    lines = _lines_field()


class InvoiceSubmitSchema(Schema):
    confirm_warnings = fields.Boolean(load_default=False, metadata={
        "description": "Confirm the checks' warnings (a 422 lists them when there are any and this is false)"})


class InvoiceDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    comment = fields.String(load_default="")
    line_comments = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict,
                                metadata={"description": "A query's questions by line position (1, 2...)"})


class InvoiceAnswerSchema(Schema):
    comment = fields.String(load_default="")
    line_answers = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


class InvoiceFindingSchema(Schema):
    code = fields.String()
    message = fields.String()
    line = fields.Integer(allow_none=True)


class InvoiceVatSchema(Schema):
    category = fields.String()
    rate = fields.Function(lambda part: f"{part.rate:.2f}", metadata={"type": "string", "example": "20.00"})
    taxable = fields.Decimal(as_string=True)
    vat = fields.Decimal(as_string=True)


class InvoiceLineSchema(Schema):
    position = fields.Integer()
    description = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit = fields.String()
    unit_price = fields.Decimal(as_string=True)
    price_source = fields.String()
    card_rate = fields.Decimal(as_string=True, allow_none=True)
    vat_category = fields.String()
    vat_rate = fields.Decimal(as_string=True)
    line_start = fields.Date(allow_none=True)
    line_end = fields.Date(allow_none=True)
    day_type = fields.String()
    net = fields.Decimal(as_string=True)
    workings = fields.String()
    query = fields.String()
    answer = fields.String()


class InvoiceEventSchema(Schema):
    action = fields.String()
    comment = fields.String()
    line_comments = fields.Dict()
    at = fields.DateTime()
    by = fields.Function(lambda e: e.user.display_name if e.user else None)


class InvoiceSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    contract_id = fields.Integer()
    number = fields.String()
    buyer_reference = fields.String()
    corrects_id = fields.Integer(allow_none=True)
    period_start = fields.Date()
    period_end = fields.Date()
    issue_date = fields.Date(allow_none=True)
    currency = fields.String()
    net_total = fields.Decimal(as_string=True, metadata=MONEY)
    vat_total = fields.Decimal(as_string=True, metadata=MONEY)
    total = fields.Decimal(as_string=True, metadata=MONEY)
    source = fields.String()
    note = fields.String()
    warnings = fields.List(fields.Nested(InvoiceFindingSchema))
    lock_version = fields.Integer()
    submitted_at = fields.DateTime(allow_none=True)
    first_submitted_at = fields.DateTime(allow_none=True)
    first_approved_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    decision_comment = fields.String()
    paid_on = fields.Date(allow_none=True)


class InvoiceAttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    size = fields.Integer(attribute="size_bytes", metadata={"description": "Bytes"})
    content_type = fields.String(allow_none=True)


class InvoiceAttachSchema(Schema):
    document_id = id_field("a checked document of your library", required=True)


class InvoiceDetailSchema(InvoiceSchema):
    lines = fields.List(fields.Nested(InvoiceLineSchema))
    vat_breakdown = fields.Method("_breakdown")
    history = fields.Method("_history")
    attachments = fields.Method("_attachments", metadata={"description": "Documents attached to the invoice"})

    def _attachments(self, invoice):
        from portal.invoicing.attachments import attachments_of

        return InvoiceAttachmentSchema(many=True).dump(attachments_of(invoice))

    def _breakdown(self, invoice):
        from portal.invoicing.money import totals

        return InvoiceVatSchema(many=True).dump(totals(invoice.lines).breakdown)

    def _history(self, invoice):
        from portal.invoicing.queries import history_of

        return InvoiceEventSchema(many=True).dump(history_of(invoice))
