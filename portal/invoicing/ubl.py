"""Invoices as PEPPOL BIS Billing 3.0 (UBL 2.1) XML, and UBL invoices uploaded by providers.

Export: an approved (or scheduled, or paid) invoice is a UBL ``Invoice`` (type code 380); a credit
note a UBL ``CreditNote`` (type code 381) with a ``BillingReference`` to the invoice it corrects.
Unit codes (UN/ECE recommendation 20): hour HUR; week WEE; night DAY (a night is charged as one
day of care); visit, session and block E48 (service unit). Importing reads them back the same
way (E48 is a visit unless the line's name says session or block).

Import: a provider uploads such an XML instead of typing an invoice (``POST /api/v1/invoices/ubl``
or the upload page). It is parsed with defusedxml (no entities, no external references), its
buyer and contract are identified by the contract reference in ``ContractDocumentReference``
(or ``OrderReference``) among the provider's contracts, its totals must match its lines (the line
named otherwise), and it becomes a draft through ``create_invoice`` (source "ubl"), with the
same checks as a typed one.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException
from sqlalchemy import select

from portal.accounts.models import User
from portal.contracts.models import Contract
from portal.errors import Conflict, ServiceError
from portal.extensions import db
from portal.invoicing import money
from portal.invoicing.models import APPROVED_OR_LATER, CREDIT_NOTE, Invoice

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
register_namespace("cac", NS["cac"])
register_namespace("cbc", NS["cbc"])
UNIT_CODES = {"hour": "HUR", "week": "WEE", "night": "DAY", "visit": "E48", "session": "E48", "block": "E48"}
MAX_BYTES = 2 * 1024 * 1024


def _cbc(parent: Element, name: str, text, **attributes) -> Element:
    element = SubElement(parent, f"{{{NS['cbc']}}}{name}", {k: str(v) for k, v in attributes.items()})
    element.text = str(text)
    return element


def _cac(parent: Element, name: str) -> Element:
    return SubElement(parent, f"{{{NS['cac']}}}{name}")


def _party(parent: Element, role: str, organisation) -> None:
    party = _cac(_cac(parent, role), "Party")
    _cbc(party, "EndpointID", organisation.slug, schemeID="0088")
    identification = _cac(party, "PartyIdentification")
    _cbc(identification, "ID", organisation.slug)
    _cbc(_cac(party, "PartyName"), "Name", organisation.name)
    address = _cac(party, "PostalAddress")
    _cbc(_cac(address, "Country"), "IdentificationCode", "GB")
    _cbc(_cac(party, "PartyLegalEntity"), "RegistrationName", organisation.name)


def _amount(parent: Element, name: str, value: Decimal, currency: str) -> Element:
    return _cbc(parent, name, f"{value:.2f}", currencyID=currency)


def export_invoice(invoice: Invoice) -> bytes:
    """The invoice (approved or later) as UBL 2.1 XML in PEPPOL BIS Billing 3.0."""
    if invoice.status not in APPROVED_OR_LATER:
        raise Conflict("Only an approved invoice (or one in a payment run, or paid) can be downloaded as UBL")
    credit = invoice.kind == CREDIT_NOTE
    root_name = "CreditNote" if credit else "Invoice"
    root = Element(root_name, {"xmlns": NS[root_name]})  # the document's namespace as the default one
    currency = invoice.currency
    _cbc(root, "CustomizationID", CUSTOMIZATION)
    _cbc(root, "ProfileID", PROFILE)
    _cbc(root, "ID", invoice.number)
    _cbc(root, "IssueDate", (invoice.issue_date or invoice.submitted_at.date()).isoformat())
    if not credit:
        _cbc(root, "DueDate", (invoice.issue_date or invoice.submitted_at.date()).isoformat())
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")
    if invoice.note:
        _cbc(root, "Note", invoice.note[:1000])
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", invoice.buyer_reference or invoice.contract.reference)
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", invoice.period_start.isoformat())
    _cbc(period, "EndDate", invoice.period_end.isoformat())
    _cbc(_cac(root, "OrderReference"), "ID", invoice.contract.reference)
    if credit and invoice.corrects_id:
        corrected = db.session.get(Invoice, invoice.corrects_id)
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", corrected.number if corrected else str(invoice.corrects_id))
    _cbc(_cac(root, "ContractDocumentReference"), "ID", invoice.contract.reference)
    _party(root, "AccountingSupplierParty", invoice.contract.provider)
    _party(root, "AccountingCustomerParty", invoice.contract.commissioner)
    lines = invoice.lines
    sums = money.totals(lines)
    tax = _cac(root, "TaxTotal")
    _amount(tax, "TaxAmount", sums.vat_total, currency)
    for part in sums.breakdown:
        subtotal = _cac(tax, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", part.taxable, currency)
        _amount(subtotal, "TaxAmount", part.vat, currency)
        _category(subtotal, part.category, part.rate)
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", sums.net_total, currency)
    _amount(totals, "TaxExclusiveAmount", sums.net_total, currency)
    _amount(totals, "TaxInclusiveAmount", sums.total, currency)
    _amount(totals, "PayableAmount", sums.total, currency)
    for line in lines:
        element = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
        _cbc(element, "ID", line.position)
        _cbc(element, "CreditedQuantity" if credit else "InvoicedQuantity", f"{line.quantity.normalize():f}",
             unitCode=UNIT_CODES[line.unit])
        _amount(element, "LineExtensionAmount", line.net, currency)
        if line.line_start or line.line_end:
            line_period = _cac(element, "InvoicePeriod")
            _cbc(line_period, "StartDate", (line.line_start or invoice.period_start).isoformat())
            _cbc(line_period, "EndDate", (line.line_end or invoice.period_end).isoformat())
        item = _cac(element, "Item")
        if line.workings:
            _cbc(item, "Description", line.workings[:1000])
        _cbc(item, "Name", line.description[:300])
        _category(item, line.vat_category, Decimal(line.vat_rate), classified=True)
        price = _cac(element, "Price")
        _cbc(price, "PriceAmount", f"{line.unit_price:.4f}", currencyID=currency)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8", xml_declaration=False)


def _category(parent: Element, code: str, rate: Decimal, *, classified: bool = False) -> None:
    category = _cac(parent, "ClassifiedTaxCategory" if classified else "TaxCategory")
    _cbc(category, "ID", code)
    _cbc(category, "Percent", f"{rate.normalize():f}" if rate else "0")
    if code == "E" and not classified:
        _cbc(category, "TaxExemptionReason", "Exempt from VAT (welfare services)")
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def filename(invoice: Invoice) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in invoice.number)
    return f"{safe}.xml"


# -- import ---------------------------------------------------------------------------------------

class UblRejected(ServiceError):
    status = 422


def _find(element, path: str):
    return element.find(path, NS)


def _text(element, path: str) -> str:
    found = element.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _decimal(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UblRejected(f"{where}: “{text[:30]}” is not a number", field="file") from None
    if not value.is_finite():
        raise UblRejected(f"{where}: “{text[:30]}” is not a number", field="file")
    return value


def parse(raw: bytes) -> dict:
    """The UBL document's invoice, as create_invoice takes it, with its stated totals checked
    against its lines. UblRejected names what is wrong."""
    if not raw or not raw.strip():
        raise UblRejected("The file is empty: upload a UBL invoice (XML)", field="file")
    if len(raw) > MAX_BYTES:
        raise UblRejected("The file must be smaller than 2 MB", field="file")
    try:
        root = safe_xml.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise UblRejected("The file uses XML features the portal does not accept (a DTD or entities): "
                          "export a plain UBL invoice", field="file") from None
    except safe_xml.ParseError as error:
        raise UblRejected(f"The file is not well-formed XML ({error})", field="file") from None
    kinds = {f"{{{NS['Invoice']}}}Invoice": "invoice", f"{{{NS['CreditNote']}}}CreditNote": "credit_note"}
    if root.tag not in kinds:
        raise UblRejected("The file is not a UBL 2.1 Invoice or CreditNote", field="file")
    kind = kinds[root.tag]
    contract_reference = _text(root, "cac:ContractDocumentReference/cbc:ID") or _text(root, "cac:OrderReference/cbc:ID")
    line_tag, quantity_tag = (("cac:CreditNoteLine", "cbc:CreditedQuantity") if kind == "credit_note"
                              else ("cac:InvoiceLine", "cbc:InvoicedQuantity"))
    reverse_units = {"HUR": "hour", "WEE": "week", "DAY": "night", "E48": "visit"}
    lines, nets = [], []
    for index, element in enumerate(root.findall(line_tag, NS), start=1):
        where = f"Line {_text(element, 'cbc:ID') or index}"
        quantity_element = _find(element, quantity_tag)
        code = quantity_element.get("unitCode", "") if quantity_element is not None else ""
        if code not in reverse_units:
            raise UblRejected(f"{where}: the unit code “{code}” is not one the portal charges in (HUR, WEE, DAY, E48)",
                              field="file")
        name = _text(element, "cac:Item/cbc:Name")
        unit = reverse_units[code]
        if code == "E48":
            lowered = name.lower()
            unit = "session" if "session" in lowered else "block" if "block" in lowered else "visit"
        quantity = _decimal(_text(element, quantity_tag), f"{where}: quantity")
        price = _decimal(_text(element, "cac:Price/cbc:PriceAmount"), f"{where}: price")
        stated = _decimal(_text(element, "cbc:LineExtensionAmount"), f"{where}: amount")
        if money.line_net(quantity, price) != stated:
            raise UblRejected(f"{where}: its amount £{stated:,.2f} is not its quantity × price "
                              f"({quantity.normalize():f} × £{price:,.4f} = £{money.line_net(quantity, price):,.2f})",
                              field="file")
        nets.append(stated)
        lines.append({"description": name, "quantity": str(quantity), "unit": unit, "unit_price": str(price),
                      "vat_category": _text(element, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") or "E",
                      "vat_rate": _text(element, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent") or "0",
                      "line_start": _text(element, "cac:InvoicePeriod/cbc:StartDate") or None,
                      "line_end": _text(element, "cac:InvoicePeriod/cbc:EndDate") or None})
    if not lines:
        raise UblRejected("The document has no lines", field="file")
    sums = money.totals([type("L", (), {"net": n, "vat_category": (l["vat_category"] or "E").upper(),
                                        "vat_rate": _decimal(l["vat_rate"], "VAT rate")})
                         for n, l in zip(nets, lines)])
    stated = {"LineExtensionAmount": sums.net_total, "TaxExclusiveAmount": sums.net_total,
              "TaxInclusiveAmount": sums.total, "PayableAmount": sums.total}
    for name, expected in stated.items():
        text = _text(root, f"cac:LegalMonetaryTotal/cbc:{name}")
        if not text:
            raise UblRejected(f"The document has no {name} in its LegalMonetaryTotal", field="file")
        if _decimal(text, name) != expected:
            raise UblRejected(f"The document's {name} £{_decimal(text, name):,.2f} does not match its lines, which "
                              f"come to £{expected:,.2f}", field="file")
    tax = _text(root, "cac:TaxTotal/cbc:TaxAmount")
    if tax and _decimal(tax, "TaxAmount") != sums.vat_total:
        raise UblRejected(f"The document's TaxAmount £{_decimal(tax, 'TaxAmount'):,.2f} does not match its lines' "
                          f"VAT, £{sums.vat_total:,.2f}", field="file")
    return {"kind": kind, "number": _text(root, "cbc:ID"), "buyer_reference": _text(root, "cbc:BuyerReference"),
            "contract_reference": contract_reference,
            "buyer": (_text(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID")
                      or _text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID")),
            "corrects": _text(
                root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
            "period_start": _text(root, "cac:InvoicePeriod/cbc:StartDate") or None,
            "period_end": _text(root, "cac:InvoicePeriod/cbc:EndDate") or None, "note": _text(root, "cbc:Note"),
            "lines": lines}


def import_invoice(raw: bytes, *, actor: User | None) -> Invoice:
    """A draft invoice (or credit note) of the current provider from a UBL document."""
    from portal.invoicing.services import create_invoice

    parsed = parse(raw)
    reference = parsed["contract_reference"]
    if not reference:
        raise UblRejected("The document does not say which contract it is for: put the contract reference in "
                          "ContractDocumentReference (or OrderReference)", field="file")
    contract = db.session.scalar(select(Contract).where(Contract.reference == reference))
    if contract is None:
        raise UblRejected(f"None of your contracts has the reference “{reference[:60]}”: check the "
                          "ContractDocumentReference", field="file")
    buyer = contract.commissioner
    if parsed["buyer"] and parsed["buyer"] not in (buyer.slug, buyer.name):
        raise UblRejected(f"The buyer “{parsed['buyer'][:60]}” is not {buyer.name}, who commissions {reference}: "
                          "check the AccountingCustomerParty", field="file")
    corrects = None
    if parsed["kind"] == CREDIT_NOTE:
        corrects = db.session.scalar(select(Invoice).where(Invoice.tenant_id == contract.tenant_id,
                                                           Invoice.number == parsed["corrects"]))
        if corrects is None:
            raise UblRejected("A credit note must name the invoice it corrects (BillingReference) among your "
                              "invoices", field="file")
    return create_invoice(contract, number=parsed["number"], period_start=parsed["period_start"],
                          period_end=parsed["period_end"], buyer_reference=parsed["buyer_reference"],
                          lines=parsed["lines"], actor=actor, kind=parsed["kind"], corrects=corrects,
                          note=parsed["note"][:1000], source="ubl")
