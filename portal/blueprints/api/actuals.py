"""Visit actuals (an ECM CSV upload) and UBL: an approved invoice as PEPPOL BIS Billing 3.0 XML, and
a provider's UBL invoice uploaded instead of typed (``POST /invoices/ubl``)."""
from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from portal.contracts.queries import get_contract
from portal.errors import Invalid
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.invoicing import actuals, ubl
from portal.invoicing.actuals_schemas import InvoiceMadeSchema, VisitImportSchema

bp = ApiBlueprint("api_actuals", __name__, description="Visit actuals and UBL invoices")
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "contract_id"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "The visits CSV"},
                   "contract_id": {"type": "integer"}}}}}}}
UBL_BODY = {"requestBody": {"required": True, "content": {
    "application/xml": {"schema": {"type": "string", "description": "A UBL 2.1 Invoice or CreditNote"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string",
                                                                                  "format": "binary"}}}}}}}


def _result(made):
    return {"id": made.id, "contract_id": made.contract_id, "filename": made.filename, "rule": made.rule,
            "visits": made.visits, "first_day": made.first_day, "last_day": made.last_day,
            "counts": actuals.counts(made), "exceptions": actuals.visits_of(made, "exception")}


@bp.org_route("/actuals", methods=["POST"])
@requires("raise_invoices")
@bp.response(201, VisitImportSchema)
@bp.doc(security=BEARER, **UPLOAD_BODY)
def upload():
    """Upload an electronic call monitoring CSV for a contract: 201 with the counts and the exceptions,
    or 422 with every problem by row and column (nothing kept)"""
    raw_id = (request.form.get("contract_id") or "").strip()
    contract = get_contract(int(raw_id)) if raw_id.isdigit() and len(raw_id) < 18 else None
    if contract is None:
        raise Invalid("Give the id of one of your contracts as contract_id", field="contract_id")
    upload_file = request.files.get("file")
    if upload_file is None:
        raise Invalid("Send the visits CSV as the multipart field file", field="file")
    return _result(actuals.import_visits(contract, upload_file.read(), upload_file.filename or "visits.csv",
                                         actor=current_user))


@bp.org_route("/invoices/<int:invoice_id>/ubl")
@requires("view_invoices")
@bp.doc(security=BEARER, responses={"200": {"description": "UBL 2.1 XML", "content": {"application/xml": {}}}})
def invoice_ubl(invoice):
    """An approved (or later) invoice or credit note as PEPPOL BIS Billing 3.0 UBL XML"""
    return Response(ubl.export_invoice(invoice), mimetype="application/xml")


@bp.org_route("/invoices/ubl", methods=["POST"])
@requires("raise_invoices")
@bp.response(201, InvoiceMadeSchema)
@bp.doc(security=BEARER, **UBL_BODY)
def upload_ubl():
    """Make a draft invoice (or credit note) from a UBL document (the body as application/xml, or the
    multipart field file), with the same checks as a typed one"""
    upload_file = request.files.get("file")
    raw = upload_file.read() if upload_file is not None else request.get_data(cache=False)
    return ubl.import_invoice(raw, actor=current_user)
