"""The invoice form as posted by the pages: header fields, GOV.UK date inputs (day, month, year)
and a repeatable group of lines named ``lines-<n>-<field>``, with "add another line" and
"remove line" buttons that work without JavaScript."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.invoicing.models import UNITS
from portal.invoicing.money import VAT_CATEGORIES
from portal.invoicing.services import MAX_LINES

LINE_FIELDS = ("description", "quantity", "unit", "unit_price", "vat_category", "vat_rate")
DATE_PARTS = ("day", "month", "year")
UNIT_CHOICES = list(UNITS.items())
VAT_CHOICES = [(code, f"{label} ({code})") for code, label in VAT_CATEGORIES.items()]
HEADER_DATES = {"period_start": "start of the period", "period_end": "end of the period"}
#: The most lines a page shows (a longer invoice comes through the API or an import).
PAGE_LINES = 100


def blank_line() -> dict:
    return {"description": "", "quantity": "", "unit": "hour", "unit_price": "", "vat_category": "E", "vat_rate": "",
            "line_start": {}, "line_end": {}}


def date_parts(value: date | None) -> dict[str, str]:
    return {"day": str(value.day), "month": str(value.month), "year": str(value.year)} if value else {}


def _parts(form, name: str) -> dict[str, str]:
    return {part: (form.get(f"{name}-{part}") or "").strip()[:10] for part in DATE_PARTS}


def parse_date_parts(parts: dict[str, str], what: str) -> tuple[str | None, str | None]:
    """(ISO date or None when all empty, message when wrong)."""
    if not any(parts.values()):
        return None, None
    missing = [p for p in DATE_PARTS if not parts.get(p)]
    if missing:
        return None, f"The {what} must include a {' and '.join(missing)}"
    try:
        day, month, year = (int(parts[p]) for p in DATE_PARTS)
        if year < 1000:
            raise ValueError
        return date(year, month, day).isoformat(), None
    except ValueError:
        return None, f"The {what} must be a real date, like 1 4 2026"


@dataclass
class InvoiceForm:
    """What the person typed, kept to show again, and what goes to the service."""
    contract_id: str = ""
    number: str = ""
    buyer_reference: str = ""
    note: str = ""
    period_start: dict = field(default_factory=dict)
    period_end: dict = field(default_factory=dict)
    lines: list[dict] = field(default_factory=lambda: [blank_line()])
    errors: dict[str, str] = field(default_factory=dict)  # the form's own (dates)
    values: dict = field(default_factory=dict)            # for the service

    @classmethod
    def of_invoice(cls, invoice) -> "InvoiceForm":
        lines = [{"description": line.description, "quantity": f"{line.quantity.normalize():f}", "unit": line.unit,
                  "unit_price": f"{line.unit_price.normalize():f}" if line.price_source != "card" else "",
                  "vat_category": line.vat_category,
                  "vat_rate": f"{line.vat_rate.normalize():f}" if line.vat_rate else "",
                  "line_start": date_parts(line.line_start), "line_end": date_parts(line.line_end)}
                 for line in invoice.lines] or [blank_line()]
        return cls(contract_id=str(invoice.contract_id), number=invoice.number,
                   buyer_reference=invoice.buyer_reference, note=invoice.note,
                   period_start=date_parts(invoice.period_start), period_end=date_parts(invoice.period_end),
                   lines=lines)


def read(form, *, with_header: bool = True) -> InvoiceForm:
    """The posted form; ``action`` add_line / remove_line change the lines shown."""
    typed = InvoiceForm(contract_id=(form.get("contract_id") or "").strip(), number=form.get("number", ""),
                        buyer_reference=form.get("buyer_reference", ""), note=form.get("note", ""))
    indexes = set()
    for key in form.keys():
        name, _, rest = key.partition("-")
        index, _, _ = rest.partition("-")
        if name == "lines" and index.isascii() and index.isdigit() and len(index) <= 4:
            indexes.add(int(index))
    lines = []
    for index in sorted(indexes)[:PAGE_LINES]:
        line = {name: form.get(f"lines-{index}-{name}", "") for name in LINE_FIELDS}
        line["line_start"] = _parts(form, f"lines-{index}-line_start")
        line["line_end"] = _parts(form, f"lines-{index}-line_end")
        lines.append(line)
    action = form.get("action", "")
    if action.startswith("remove_line-"):
        position = action.removeprefix("remove_line-")
        if position.isascii() and position.isdigit() and int(position) < len(lines) and len(lines) > 1:
            del lines[int(position)]
    if action == "add_line" and len(lines) < min(PAGE_LINES, MAX_LINES):
        lines.append(blank_line())
    typed.lines = lines or [blank_line()]
    values: dict = {"number": typed.number, "buyer_reference": typed.buyer_reference, "note": typed.note}
    if with_header:
        for name, what in HEADER_DATES.items():
            parts = _parts(form, name)
            setattr(typed, name, parts)
            values[name], problem = parse_date_parts(parts, what)
            if problem:
                typed.errors[name] = problem
    service_lines = []
    for index, line in enumerate(typed.lines):
        given = {name: line[name] for name in LINE_FIELDS}
        for name in ("line_start", "line_end"):
            given[name], problem = parse_date_parts(line[name], "line's " + ("start" if name == "line_start" else "end")
                                                    + " date")
            if problem:
                typed.errors[f"lines-{index}-{name}"] = problem
        service_lines.append(given)
    values["lines"] = service_lines
    typed.values = values
    return typed


def is_line_action(form) -> bool:
    action = form.get("action", "")
    return action == "add_line" or action.startswith("remove_line-")


def format_price(value) -> str:
    """A unit price as £1,234.50, or with its 4 decimals when it has more than pence."""
    if value is None:
        return ""
    return f"£{value:,.2f}" if value == round(value, 2) else f"£{value:,.4f}"
