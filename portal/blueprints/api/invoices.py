"""Invoices and credit notes: list, raise, read, change, submit, and the commissioner's decision.
The same services as the pages; money as decimal strings."""
from __future__ import annotations

from flask import redirect
from flask_login import current_user

from portal.contracts.queries import get_contract
from portal.errors import Invalid
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.invoicing import attachments, queries, services, workflow
from portal.invoicing.models import CREDIT_NOTE
from portal.invoicing.schemas import (InvoiceAttachmentSchema, InvoiceAttachSchema, InvoiceDecisionSchema,
                                      InvoiceCreateSchema, InvoiceDetailSchema, InvoiceListArgsSchema,
                                      InvoicePatchSchema, InvoiceSchema, InvoiceSubmitSchema)

bp = ApiBlueprint("api_invoices", __name__, description="Invoices, credit notes and their approval")


@bp.org_route("/invoices")
@requires("view_invoices")
@bp.arguments(InvoiceListArgsSchema, location="query")
@bp.response(200, InvoiceSchema(many=True))
@bp.doc(security=BEARER)
def invoices(args):
    """Invoices and credit notes, newest period first (a commissioner's: those sent to it)"""
    return queries.list_invoices(statuses=[args["status"]] if args.get("status") else None,
                                 contract_id=args.get("contract"), kind=args.get("kind"),
                                 limit=args["limit"], offset=args["offset"])


@bp.org_route("/invoices", methods=["POST"], endpoint="create_invoice")
@requires("raise_invoices")
@bp.arguments(InvoiceCreateSchema)
@bp.response(201, InvoiceDetailSchema)
@bp.alt_response(422, description="Per-field and per-line errors (`lines` by index); nothing was saved")
@bp.doc(security=BEARER)
def create_invoice(data):
    """Raise a draft invoice (or, with kind credit_note and corrects_id, a credit note); money as decimal strings"""
    contract = get_contract(data["contract_id"])
    if contract is None:
        raise Invalid("Choose one of your contracts", field="contract_id")
    fields = dict(number=data["number"], lines=data.get("lines") or [], actor=current_user, note=data["note"])
    if data["kind"] == CREDIT_NOTE:
        corrects = queries.get_invoice_by_id_for_credit(data.get("corrects_id"))
        if corrects is None or corrects.contract_id != contract.id:
            raise Invalid("Choose a submitted invoice of the same contract for this credit note to correct",
                          field="corrects_id")
        return workflow.raise_credit_note(corrects, buyer_reference=data["buyer_reference"], source="api", **fields)
    invoice = services.create_invoice(contract, period_start=data["period_start"], period_end=data["period_end"],
                                      buyer_reference=data["buyer_reference"], source="api", **fields)
    workflow.refresh_warnings(invoice)
    return invoice


@bp.org_route("/invoices/<int:invoice_id>", endpoint="invoice_detail")
@requires("view_invoices")
@bp.response(200, InvoiceDetailSchema)
@bp.doc(security=BEARER)
def invoice_detail(invoice):
    """One invoice: lines with their workings, VAT breakdown, warnings and history"""
    return invoice


@bp.org_route("/invoices/<int:invoice_id>", methods=["PATCH"], endpoint="patch_invoice")
@requires("raise_invoices")
@bp.arguments(InvoicePatchSchema)
@bp.response(200, InvoiceDetailSchema)
@bp.alt_response(409, description="Submitted (no longer changeable) or changed since `version`")
@bp.doc(security=BEARER)
def patch_invoice(data, invoice):
    """Change a draft or queried invoice; `lines`, when sent, replace every line"""
    version = data.pop("version", None)
    services.update_invoice(invoice, actor=current_user, expected_version=version, **data)
    workflow.refresh_warnings(invoice)
    return invoice


@bp.org_route("/invoices/<int:invoice_id>/submit", methods=["POST"], endpoint="submit_invoice")
@requires("raise_invoices")
@bp.arguments(InvoiceSubmitSchema)
@bp.response(200, InvoiceDetailSchema)
@bp.alt_response(422, description="Refused by the checks (`errors.checks`), or warnings to confirm")
@bp.doc(security=BEARER)
def submit_invoice(data, invoice):
    """Submit (or resubmit after a query); send confirm_warnings true once you have read the warnings"""
    workflow.submit(invoice, actor=current_user, confirm_warnings=data["confirm_warnings"])
    return invoice


@bp.org_route("/invoices/<int:invoice_id>/decision", methods=["POST"], endpoint="decide_invoice")
@requires("approve_invoices")
@bp.arguments(InvoiceDecisionSchema)
@bp.response(200, InvoiceDetailSchema)
@bp.alt_response(403, description="You raised or changed it, or gave its first approval")
@bp.doc(security=BEARER)
def decide_invoice(data, invoice):
    """Approve, query (a question; per line with line_comments) or reject (a reason) a submitted invoice"""
    workflow.decide(invoice, decision=data["decision"], comment=data["comment"], line_comments=data["line_comments"],
                    actor=current_user)
    return invoice


@bp.org_route("/invoices/<int:invoice_id>/attachments", methods=["POST"], endpoint="attach_to_invoice")
@requires("raise_invoices")
@bp.arguments(InvoiceAttachSchema)
@bp.response(201, InvoiceAttachmentSchema)
@bp.alt_response(409, description="The invoice is no longer a draft or queried")
@bp.doc(security=BEARER)
def attach_to_invoice(data, invoice):
    """Attach a checked document of your library (upload it first with POST /documents) to a draft or queried invoice"""
    return attachments.attach(invoice, data["document_id"], actor=current_user)


@bp.org_route("/invoices/<int:invoice_id>/attachments/<int:invoice_attachment_id>", methods=["DELETE"],
              endpoint="remove_invoice_attachment")
@requires("raise_invoices")
@bp.response(204)
@bp.alt_response(409, description="The invoice is no longer a draft or queried")
@bp.doc(security=BEARER)
def remove_invoice_attachment(invoice, attachment):
    """Remove a document from a draft or queried invoice (it stays in your library)"""
    attachments.remove(invoice, attachment, actor=current_user)


@bp.org_route("/invoices/<int:invoice_id>/attachments/<int:invoice_attachment_id>", endpoint="invoice_attachment")
@requires("view_invoices")
@bp.response(303, description="Redirect to a presigned link that works for 60 seconds")
@bp.doc(security=BEARER)
def invoice_attachment(invoice, attachment):
    """Download a document attached to an invoice"""
    return redirect(attachments.download_url(invoice, attachment, actor=current_user), 303)
