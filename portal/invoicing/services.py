"""Raising and changing a draft invoice: its fields and lines, checked, priced from the contract's
rate card and added up by the money rules. The checks against other invoices and the workflow
(submit, approve, query, reject) build on these.

Errors name the input at fault. A line's input is named like the form's list of lines:
``lines-0-quantity`` is the first line's quantity; nothing is kept when any input is wrong.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.services import record
from portal.contracts.models import Contract
from portal.errors import Conflict, Invalid, ServiceError
from portal.extensions import db
from portal.invoicing import money, rates
from portal.invoicing.models import (CREDIT_NOTE, DAY_TYPES, DRAFT, EDITABLE, INVOICE, KINDS, SOURCES, UNITS,
                                     Invoice, InvoiceLine)
from portal.invoicing.queries import rates_of
from portal.limits import EARLIEST_DATE, LATEST_DATE
from portal.models_base import utcnow

MAX_LINES = 500


class LinesInvalid(ServiceError):
    """Per-input errors of the invoice and its lines; nothing was saved."""

    status = 422

    def __init__(self, errors: dict[str, str]):
        count = len(errors)
        super().__init__("There is a problem with " + ("1 entry" if count == 1 else f"{count} entries")
                         + ": correct them and save again", errors=errors)

    def api_errors(self) -> dict:
        """The API's ``errors``: header fields as lists, lines nested by index
        (``lines-0-quantity`` becomes ``{"lines": {"0": {"quantity": [...]}}}``)."""
        nested: dict = {}
        for key, message in self.errors.items():
            parts = key.split("-", 2)
            if parts[0] == "lines" and len(parts) == 3:
                nested.setdefault("lines", {}).setdefault(parts[1], {}).setdefault(parts[2], []).append(message)
            elif parts[0] == "lines" and len(parts) == 2:
                nested.setdefault("lines", {}).setdefault(parts[1], {}).setdefault("line", []).append(message)
            else:
                nested.setdefault(key, []).append(message)
        return nested


@dataclass
class LineInput:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None
    vat_category: str = "E"
    vat_rate: Decimal = Decimal("0")
    line_start: date | None = None
    line_end: date | None = None
    service_type: str = ""
    day_type: str = ""
    #: Set by builders that work the line out themselves (visit actuals): kept as given.
    workings: str = ""


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _date(value, name: str, what: str, errors: dict) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            errors[name] = f"Enter the {what} as a real date, like 2026-04-30"
            return None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        errors[name] = f"The {what} must be between {EARLIEST_DATE.year} and {LATEST_DATE.year}"
        return None
    return day


def parse_lines(raw_lines, errors: dict[str, str]) -> list[LineInput]:
    """Lines as sent (dicts of strings, or of typed values), checked one by one into ``errors``."""
    if not raw_lines:
        errors["lines"] = "Add at least one line: what you are charging for, how many and the unit"
        return []
    if len(raw_lines) > MAX_LINES:
        errors["lines"] = f"An invoice can have at most {MAX_LINES} lines: split it into several invoices"
        return []
    parsed: list[LineInput] = []
    for index, raw in enumerate(raw_lines):
        prefix = f"lines-{index}-"
        if not isinstance(raw, dict):
            errors[f"lines-{index}"] = "Each line must have a description, quantity, unit and price"
            continue
        description = _text(raw.get("description"))
        if not description:
            errors[prefix + "description"] = "Enter what this line charges for"
        elif len(description) > 300:
            errors[prefix + "description"] = "The description must be 300 characters or fewer"
        quantity = None
        try:
            quantity = money.parse_quantity(raw.get("quantity"))
            if quantity == 0:
                errors[prefix + "quantity"] = "The quantity must be more than 0"
        except money.MoneyError as error:
            errors[prefix + "quantity"] = str(error)
        unit = _text(raw.get("unit")).lower()
        if unit not in UNITS:
            errors[prefix + "unit"] = "Choose the unit: hour, visit, week, night, session or block"
        unit_price = None
        if _text(raw.get("unit_price")):
            try:
                unit_price = money.parse_price(raw.get("unit_price"))
            except money.MoneyError as error:
                errors[prefix + "unit_price"] = str(error)
        category = _text(raw.get("vat_category")).upper() or "E"
        if category not in money.VAT_CATEGORIES:
            errors[prefix + "vat_category"] = ("Choose the VAT category: S (standard rate), Z (zero rated), "
                                               "E (exempt) or O (outside the scope of VAT)")
        vat_rate = Decimal("0")
        if _text(raw.get("vat_rate")):
            try:
                vat_rate = money.parse_decimal(raw.get("vat_rate"), places=money.PENNY, maximum=Decimal(100),
                                               what="VAT rate")
            except money.MoneyError as error:
                errors[prefix + "vat_rate"] = str(error)
        if category == "S" and vat_rate == 0 and prefix + "vat_rate" not in errors:
            errors[prefix + "vat_rate"] = "Enter the VAT rate for a standard-rated line, like 20"
        if category in money.ZERO_RATED and vat_rate != 0:
            errors[prefix + "vat_rate"] = (f"A line {money.VAT_CATEGORIES[category].lower()} has no VAT: leave "
                                           "the rate empty or choose standard rate")
        line_start = _date(raw.get("line_start"), prefix + "line_start", "line's start date", errors)
        line_end = _date(raw.get("line_end"), prefix + "line_end", "line's end date", errors)
        if line_start and line_end and line_end < line_start:
            errors[prefix + "line_end"] = "The line's end date must be the same as or after its start date"
        day_type = _text(raw.get("day_type"))
        if day_type and day_type not in DAY_TYPES:
            errors[prefix + "day_type"] = "Choose the type of day: weekday, weekend or public holiday, or leave it empty"
        parsed.append(LineInput(description, quantity or Decimal(0), unit, unit_price, category, vat_rate,
                                line_start, line_end, _text(raw.get("service_type")), day_type,
                                _text(raw.get("workings"))))
    return parsed


def price_lines(contract: Contract, period_start: date, period_end: date, inputs: list[LineInput],
                errors: dict[str, str]) -> list[InvoiceLine]:
    """Invoice lines for ``inputs``, priced: a unit the rate card prices, left without a price, at
    the card's rates day by day (split where the rate changes); a typed price that differs from
    the card's keeps the card's rate beside it (a warning); a unit the card does not price as
    entered. Lines are not added to the session."""
    card = rates_of(contract)
    region = contract.holiday_region
    lines: list[InvoiceLine] = []
    for index, given in enumerate(inputs):
        prefix = f"lines-{index}-"
        start = given.line_start or period_start
        end = given.line_end or period_end
        if given.line_start and not period_start <= given.line_start <= period_end:
            errors[prefix + "line_start"] = "The line's dates must be inside the invoice period"
        if given.line_end and not period_start <= given.line_end <= period_end:
            errors[prefix + "line_end"] = "The line's dates must be inside the invoice period"
        base = dict(description=given.description, unit=given.unit, service_type=given.service_type,
                    vat_category=given.vat_category, vat_rate=given.vat_rate, line_start=given.line_start,
                    line_end=given.line_end)
        if given.unit_price is not None:
            parts = rates.price_by_days(card, unit=given.unit, service_type=given.service_type or contract.service_type,
                                        start=start, end=end, quantity=given.quantity, region=region,
                                        only_day_type=given.day_type)
            card_rates = {part.rate for part in parts} if parts else set()
            differs = bool(card_rates) and card_rates != {given.unit_price}
            source = "typed" if rates.prices_unit(card, given.unit) else "entered"
            workings = given.workings or (
                f"{_qty(given.quantity)} {given.unit}s × £{given.unit_price:,.4f} as entered"
                + (f" (the rate card's rate is {_rates_text(card_rates)})" if differs else ""))
            lines.append(InvoiceLine(**base, day_type=given.day_type, quantity=given.quantity,
                                     unit_price=given.unit_price, price_source=source,
                                     card_rate=min(card_rates) if differs else None,
                                     net=money.line_net(given.quantity, given.unit_price), workings=workings))
            continue
        parts = rates.price_by_days(card, unit=given.unit, service_type=given.service_type or contract.service_type,
                                    start=start, end=end, quantity=given.quantity, region=region,
                                    only_day_type=given.day_type)
        if parts is None:
            errors[prefix + "unit_price"] = (
                f"Enter the unit price: the contract's rate card does not price {given.unit}s"
                + (f" on every {DAY_TYPES[given.day_type].lower()}" if given.day_type else "")
                + " in these dates")
            continue
        for part in parts:
            split = len(parts) > 1
            lines.append(InvoiceLine(
                **{**base, "line_start": part.start if split else given.line_start,
                   "line_end": part.end if split else given.line_end},
                day_type=part.day_type if (split or given.day_type) else "", quantity=part.quantity,
                unit_price=part.rate, price_source="card", net=part.net,
                workings=(f"{_qty(part.quantity)} {given.unit}s × £{part.rate:,.4f}: the rate card's "
                          f"{DAY_TYPES[part.rate_day_type or part.day_type].lower()} rate from {part.rate_from:%-d %B %Y}"
                          + (f" (it has no {DAY_TYPES[part.day_type].lower()} rate)"
                             if part.rate_day_type and part.rate_day_type != part.day_type else "")
                          + (f", for {part.days} of the line's days ({part.start:%-d %b} to {part.end:%-d %b})"
                             if split else ""))))
    return lines


def _qty(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


def _rates_text(values) -> str:
    return " and ".join(f"£{value:,.4f}" for value in sorted(values))


def _check_header(contract: Contract, *, number: str, period_start, period_end, buyer_reference: str,
                  errors: dict[str, str], invoice: Invoice | None = None) -> tuple[date | None, date | None]:
    if not number:
        errors["number"] = "Enter your invoice number"
    elif len(number) > 60:
        errors["number"] = "The invoice number must be 60 characters or fewer"
    if len(buyer_reference) > 60:
        errors["buyer_reference"] = "The buyer reference must be 60 characters or fewer"
    start = _date(period_start, "period_start", "start of the period", errors)
    end = _date(period_end, "period_end", "end of the period", errors)
    if "period_start" not in errors and start is None:
        errors["period_start"] = "Enter the first day of the period the invoice covers"
    if "period_end" not in errors and end is None:
        errors["period_end"] = "Enter the last day of the period the invoice covers"
    if start and end and end < start:
        errors["period_end"] = "The end of the period must be the same as or after its start"
    if start and end and "period_end" not in errors and not (contract.start_date <= start and end <= contract.end_date):
        errors["period_start"] = (f"The period must lie within the contract, which runs from "
                                  f"{contract.start_date:%-d %B %Y} to {contract.end_date:%-d %B %Y}")
    if number and "number" not in errors:
        taken = select(Invoice.id).where(Invoice.tenant_id == contract.tenant_id, Invoice.number == number)
        if invoice is not None:
            taken = taken.where(Invoice.id != invoice.id)
        if db.session.scalar(taken) is not None:
            errors["number"] = f"You have already used the invoice number {number}: give each invoice its own number"
    return start, end


def _apply_lines(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    for old in db.session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)):
        db.session.delete(old)
    db.session.flush()
    for position, line in enumerate(lines, start=1):
        line.tenant_id, line.commissioner_id = invoice.tenant_id, invoice.commissioner_id
        line.invoice_id, line.position, line.status = invoice.id, position, invoice.status
        db.session.add(line)
    sums = money.totals(lines)
    invoice.net_total, invoice.vat_total, invoice.total = sums.net_total, sums.vat_total, sums.total
    db.session.flush()
    db.session.expire(invoice, ["lines"])


def create_invoice(contract: Contract, *, number, period_start, period_end, buyer_reference="", lines,
                   actor: User | None, kind: str = INVOICE, corrects: Invoice | None = None, note: str = "",
                   source: str = "typed") -> Invoice:
    """A draft invoice (or credit note) of the current provider against its contract."""
    if kind not in KINDS:
        raise Invalid("Choose whether this is an invoice or a credit note", field="kind")
    if source not in SOURCES:
        raise ServiceError(f"Unknown invoice source {source}")
    number, buyer_reference = _text(number), _text(buyer_reference)
    errors: dict[str, str] = {}
    start, end = _check_header(contract, number=number, period_start=period_start, period_end=period_end,
                               buyer_reference=buyer_reference, errors=errors)
    if kind == CREDIT_NOTE and corrects is None:
        errors["corrects"] = "Choose the invoice this credit note corrects"
    if corrects is not None and (corrects.contract_id != contract.id or corrects.status == DRAFT):
        errors["corrects"] = "Choose a submitted invoice of the same contract for this credit note to correct"
    inputs = parse_lines(lines, errors)
    priced = price_lines(contract, start, end, inputs, errors) if start and end and not errors else []
    if errors:
        raise LinesInvalid(errors)
    invoice = Invoice(tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id, contract_id=contract.id,
                      kind=kind, number=number, corrects_id=corrects.id if corrects else None,
                      buyer_reference=buyer_reference, period_start=start, period_end=end, status=DRAFT,
                      source=source, note=_text(note), created_by_id=actor.id if actor else None,
                      editor_ids=[actor.id] if actor else [])
    db.session.add(invoice)
    db.session.flush()
    _apply_lines(invoice, priced)
    record("invoice_created", invoice, actor=actor, number=number, kind=kind, total=str(invoice.total))
    return invoice


def update_invoice(invoice: Invoice, *, actor: User | None, expected_version: int | None = None, **changes) -> Invoice:
    """Change a draft (or queried) invoice's fields and, when ``lines`` is given, replace its lines."""
    if invoice.status not in EDITABLE:
        raise Conflict(f"This invoice is {invoice.status_label.lower()} and can no longer be changed")
    if expected_version is not None and int(expected_version) != invoice.lock_version:
        raise Conflict("Someone else changed this invoice after you opened it. Your changes have not been saved: "
                       "reload the page to see theirs, then make yours again.", field="version")
    contract = invoice.contract
    number = _text(changes.get("number", invoice.number))
    buyer_reference = _text(changes.get("buyer_reference", invoice.buyer_reference))
    errors: dict[str, str] = {}
    start, end = _check_header(contract, number=number, period_start=changes.get("period_start", invoice.period_start),
                               period_end=changes.get("period_end", invoice.period_end),
                               buyer_reference=buyer_reference, errors=errors, invoice=invoice)
    priced = None
    if "lines" in changes:
        inputs = parse_lines(changes["lines"], errors)
        priced = price_lines(contract, start, end, inputs, errors) if start and end and not errors else []
    if errors:
        raise LinesInvalid(errors)
    invoice.number, invoice.buyer_reference, invoice.period_start, invoice.period_end = number, buyer_reference, start, end
    if "note" in changes:
        invoice.note = _text(changes["note"])
    if actor is not None and actor.id not in invoice.editor_ids:
        invoice.editor_ids = [*invoice.editor_ids, actor.id]
    invoice.updated_at = utcnow()
    if priced is not None:
        _apply_lines(invoice, priced)
    db.session.flush()
    record("invoice_changed", invoice, actor=actor, number=invoice.number, total=str(invoice.total))
    return invoice


@dataclass
class Preview:
    """An invoice as typed, worked out without saving: its priced lines, totals and the checks."""
    errors: dict[str, str]
    lines: list[InvoiceLine]
    totals: money.Totals | None
    findings: list[dict]


def preview_invoice(contract: Contract, *, number, period_start, period_end, lines, invoice: Invoice | None = None,
                    kind: str = INVOICE, corrects: Invoice | None = None) -> Preview:
    """What saving would give, for the page that re-renders the totals and warnings as the provider
    types: nothing is written (the lines are never added to the session)."""
    from portal.invoicing import checks

    errors: dict[str, str] = {}
    with db.session.no_autoflush:
        start, end = _check_header(contract, number=_text(number), period_start=period_start, period_end=period_end,
                                   buyer_reference="", errors=errors, invoice=invoice)
        inputs = parse_lines(lines, errors)
        priced = price_lines(contract, start, end, inputs, errors) if start and end else []
        sums = money.totals(priced) if priced else None
        findings: list[dict] = []
        if start and end and sums is not None:
            candidate = checks.Candidate(contract=contract, kind=kind, number=_text(number), period_start=start,
                                         period_end=end, total=sums.total, lines=priced,
                                         id=invoice.id if invoice else None, corrects=corrects,
                                         corrects_id=corrects.id if corrects else None)
            findings = checks.run(candidate)
    return Preview(errors, priced, sums, findings)
