"""UBL (PEPPOL BIS Billing 3.0): an approved invoice and a credit note exported, parsed back and
every total checked; a provider's UBL invoice uploaded through the API, with the same checks."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import defusedxml.ElementTree as ET
import pytest

from tests import factories

NS = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
CREDIT = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"


@pytest.fixture()
def approved(app, contract_setup):
    contract = contract_setup["contract"]
    factories.rate(contract, "20.0000", effective_from=date(2025, 1, 1))
    invoice = factories.priced_invoice(
        contract, number="FERN-0426", period_start=date(2026, 4, 1), period_end=date(2026, 4, 30), status="approved",
        lines=[{"description": "Care", "quantity": "10.5", "unit": "hour", "day_type": "weekday",
                "line_start": "2026-04-01", "line_end": "2026-04-10"},
               {"description": "Sleepover", "quantity": "3", "unit": "night", "unit_price": "85.125"},
               {"description": "Equipment hire", "quantity": "1", "unit": "block", "unit_price": "33.335",
                "vat_category": "S", "vat_rate": "20"}])
    factories.user("finance@fern.example", memberships=[(contract_setup["provider"], "finance")])
    factories.user("fin@clyde.example", memberships=[(contract_setup["commissioner"], "finance")])
    return contract_setup, invoice


def _get(client, api_token, email, invoice_id):
    return client.get(f"/api/v1/invoices/{invoice_id}/ubl", headers={"Authorization": f"Bearer {api_token(email)}"})


def _amount(element, path) -> Decimal:
    return Decimal(element.find(path, NS).text)


def test_an_approved_invoice_exports_as_peppol_ubl_and_every_total_adds_up(app, client, approved, api_token):
    setup, invoice = approved
    answer = _get(client, api_token, "fin@clyde.example", invoice.id)
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    root = ET.fromstring(answer.data)
    assert root.tag == INVOICE
    assert root.find("cbc:CustomizationID", NS).text == ("urn:cen.eu:en16931:2017#compliant#"
                                                         "urn:fdc:peppol.eu:2017:poacc:billing:3.0")
    assert root.find("cbc:ProfileID", NS).text == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert root.find("cbc:InvoiceTypeCode", NS).text == "380" and root.find("cbc:ID", NS).text == "FERN-0426"
    assert root.find("cac:ContractDocumentReference/cbc:ID", NS).text == "CLY-001"
    assert root.find("cbc:BuyerReference", NS).text == "CLY-001"
    assert root.find("cac:InvoicePeriod/cbc:StartDate", NS).text == "2026-04-01"
    assert root.find("cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name", NS).text == "Fern Care"
    assert root.find("cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name", NS).text == "Clyde HSCP"
    lines = root.findall("cac:InvoiceLine", NS)
    # 10.5 × 20 = 210.00; 3 × 85.125 = 255.375 -> 255.38; 1 × 33.335 -> 33.34 at 20 % VAT: 6.668 -> 6.67
    assert [(l.find("cbc:InvoicedQuantity", NS).get("unitCode"), _amount(l, "cbc:LineExtensionAmount"))
            for l in lines] == [("HUR", Decimal("210.00")), ("DAY", Decimal("255.38")), ("E48", Decimal("33.34"))]
    for line in lines:
        quantity, price = _amount(line, "cbc:InvoicedQuantity"), _amount(line, "cac:Price/cbc:PriceAmount")
        assert (quantity * price).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP") == \
            _amount(line, "cbc:LineExtensionAmount")
    subtotals = {(s.find("cac:TaxCategory/cbc:ID", NS).text, s.find("cac:TaxCategory/cbc:Percent", NS).text):
                 (_amount(s, "cbc:TaxableAmount"), _amount(s, "cbc:TaxAmount"))
                 for s in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)}
    assert subtotals == {("E", "0"): (Decimal("465.38"), Decimal("0.00")), ("S", "20"): (Decimal("33.34"), Decimal("6.67"))}
    assert _amount(root, "cac:TaxTotal/cbc:TaxAmount") == sum(v for _, v in subtotals.values()) == Decimal("6.67")
    totals = root.find("cac:LegalMonetaryTotal", NS)
    line_total = sum(_amount(l, "cbc:LineExtensionAmount") for l in lines)
    assert _amount(totals, "cbc:LineExtensionAmount") == line_total == Decimal("498.72")
    assert _amount(totals, "cbc:TaxExclusiveAmount") == line_total
    assert _amount(totals, "cbc:TaxInclusiveAmount") == _amount(totals, "cbc:PayableAmount") == Decimal("505.39")
    assert _amount(totals, "cbc:PayableAmount") == invoice.total


def test_a_credit_note_exports_as_a_ubl_credit_note(app, client, approved, api_token):
    from portal.extensions import db
    from portal.invoicing.models import Invoice
    from portal.tenants.context import tenant_context

    setup, invoice = approved
    credit = factories.invoice_row(setup["contract"], number="FERN-0426-CN", kind="credit_note", corrects=invoice,
                                   status="approved", period_start=date(2026, 4, 1), period_end=date(2026, 4, 30),
                                   lines=(("Missed visit", "1", "hour", "20.00"),))
    answer = _get(client, api_token, "finance@fern.example", credit.id)
    root = ET.fromstring(answer.data)
    assert root.tag == CREDIT and root.find("cbc:CreditNoteTypeCode", NS).text == "381"
    assert root.find("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", NS).text == "FERN-0426"
    assert root.find("cac:CreditNoteLine/cbc:CreditedQuantity", NS).get("unitCode") == "HUR"
    assert _amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == Decimal("20.00")
    with app.app_context(), tenant_context(setup["provider"].id):
        assert db.session.get(Invoice, credit.id).total == Decimal("20.00")
        db.session.rollback()


def test_an_invoice_not_yet_approved_has_no_ubl(app, client, approved, api_token):
    setup, _ = approved
    submitted = factories.invoice_row(setup["contract"], number="FERN-SUB")
    answer = _get(client, api_token, "finance@fern.example", submitted.id)
    assert answer.status_code == 409 and "approved" in answer.get_json()["message"]


def _upload(client, api_token, body: bytes):
    return client.post("/api/v1/invoices/ubl", data=body, content_type="application/xml",
                       headers={"Authorization": f"Bearer {api_token('finance@fern.example')}"})


def test_a_provider_uploads_a_ubl_invoice_instead_of_typing_it(app, client, approved, api_token):
    setup, invoice = approved
    exported = _get(client, api_token, "finance@fern.example", invoice.id).data
    made = _upload(client, api_token, exported.replace(b">FERN-0426<", b">FERN-0426-UBL<"))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["number"], body["status"], body["source"]) == ("FERN-0426-UBL", "draft", "ubl")
    assert (body["net_total"], body["vat_total"], body["total"]) == ("498.72", "6.67", "505.39")
    again = _upload(client, api_token, exported.replace(b">FERN-0426<", b">FERN-0426-UBL<"))
    assert again.status_code == 422 and "already used the invoice number" in str(again.get_json())


@pytest.mark.parametrize("change, words", [
    ((b"<cbc:LineExtensionAmount currencyID=\"GBP\">255.38<", b"<cbc:LineExtensionAmount currencyID=\"GBP\">255.39<"),
     "Line 2: its amount £255.39 is not its quantity × price"),
    ((b"<cbc:PayableAmount currencyID=\"GBP\">505.39<", b"<cbc:PayableAmount currencyID=\"GBP\">500.00<"),
     "PayableAmount £500.00 does not match its lines"),
    ((b">CLY-001</cbc:ID></cac:ContractDocumentReference>", b">NOPE-9</cbc:ID></cac:ContractDocumentReference>"),
     "None of your contracts has the reference “NOPE-9”"),
    ((b"<cbc:ID>clyde-hscp</cbc:ID>", b"<cbc:ID>someone-else</cbc:ID>"), "is not Clyde HSCP"),
    ((b"unitCode=\"HUR\"", b"unitCode=\"KGM\""), "the unit code “KGM”"),
])
def test_a_ubl_document_that_does_not_add_up_or_cannot_be_placed_is_refused(app, client, approved, api_token, change,
                                                                           words):
    setup, invoice = approved
    exported = _get(client, api_token, "finance@fern.example", invoice.id).data.replace(b">FERN-0426<", b">NEW-1<")
    assert change[0] in exported
    refused = _upload(client, api_token, exported.replace(*change))
    assert refused.status_code == 422
    assert words in str(refused.get_json()), refused.get_json()


@pytest.mark.parametrize("body, words", [
    (b"", "The file is empty"),
    (b"<not-xml", "not well-formed XML"),
    (b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>", "DTD or entities"),
    (b"<Invoice/>", "not a UBL 2.1 Invoice"),
])
def test_nonsense_is_refused(app, client, approved, api_token, body, words):
    refused = _upload(client, api_token, body)
    assert refused.status_code == 422 and words in str(refused.get_json())
