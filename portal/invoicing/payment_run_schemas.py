"""The payment runs' and remittances' API shapes (money as decimal strings)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class RunBuildSchema(Schema):
    due_by = fields.Date(required=True, metadata={"description": "Approved invoices due by this date (due = first "
                                                                  "submission + 30 days), YYYY-MM-DD"})
    invoice_ids = fields.List(fields.Integer(), validate=validate.Length(min=1, max=5000),
                              metadata={"description": "Only these invoices (default: every one due)"})


class RunPaidSchema(Schema):
    paid_on = fields.Date(required=True)
    payment_reference = fields.String(required=True, validate=validate.Length(min=1, max=60))


class RunInvoiceSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    kind = fields.String()
    status = fields.String()
    provider = fields.String()
    provider_slug = fields.String()
    due = fields.Date(allow_none=True)
    net_total = fields.Decimal(as_string=True)
    vat_total = fields.Decimal(as_string=True)
    total = fields.Decimal(as_string=True)
    signed_total = fields.Decimal(as_string=True)
    approved_by_id = fields.Integer(allow_none=True)


class ProviderTotalSchema(Schema):
    provider = fields.String()
    provider_slug = fields.String()
    invoices = fields.Integer()
    total = fields.Decimal(as_string=True)


class RunSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    status = fields.String()
    due_by = fields.Date()
    total = fields.Decimal(as_string=True)
    created_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    payment_reference = fields.String()


class RunDetailSchema(RunSchema):
    invoices = fields.List(fields.Nested(RunInvoiceSchema))
    providers = fields.List(fields.Nested(ProviderTotalSchema))


class RemittanceSchema(Schema):
    id = fields.Integer()
    payment_run_id = fields.Integer()
    reference = fields.String()
    paid_on = fields.Date()
    payment_reference = fields.String()
    total = fields.Decimal(as_string=True)
    provider_id = fields.Integer(attribute="tenant_id")
    commissioner_id = fields.Integer()
    lines = fields.List(fields.Dict())


def run_detail(run, lines) -> dict:
    from portal.invoicing.payment_runs import by_provider

    invoices = [{"id": l.invoice.id, "number": l.invoice.number, "kind": l.invoice.kind, "status": l.invoice.status,
                 "provider": l.provider, "provider_slug": l.provider_slug, "due": l.due,
                 "net_total": l.invoice.net_total, "vat_total": l.invoice.vat_total, "total": l.invoice.total,
                 "signed_total": l.invoice.signed_total, "approved_by_id": l.invoice.approved_by_id} for l in lines]
    providers = [{"provider": g.provider, "provider_slug": g.provider_slug, "invoices": len(g.lines), "total": g.total}
                 for g in by_provider(lines)]
    return {**{k: getattr(run, k) for k in ("id", "reference", "status", "due_by", "total", "created_at",
                                             "confirmed_at", "paid_on", "payment_reference")},
            "invoices": invoices, "providers": providers}
