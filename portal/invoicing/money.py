"""Invoice arithmetic as EN 16931 sets it out, in ``Decimal`` only.

- a line's net amount is quantity × unit price, rounded half-up to pence on its own (BT-131);
- VAT is worked out per category and rate: the taxable total of the lines in it × rate / 100,
  rounded half-up to pence (BT-116, BT-117);
- the totals add rounded amounts and are never rounded again: net total = Σ line nets (BT-106),
  VAT total = Σ category VAT (BT-110), total = net total + VAT total (BT-112);
- amounts have 2 decimals, unit prices up to 4, quantities up to 4; prices are never negative
  (a reduction is a credit note that references the invoice it corrects).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PENNY = Decimal("0.01")
PRICE_PLACES = Decimal("0.0001")
QUANTITY_PLACES = Decimal("0.0001")
#: The largest amount a line, or an invoice, may come to (a Numeric(14, 2) column).
MAX_AMOUNT = Decimal("999999999999.99")
MAX_PRICE = Decimal("9999999999.9999")
MAX_QUANTITY = Decimal("99999999.9999")

#: VAT categories (UNCL5305 codes, as PEPPOL BIS Billing 3.0 uses them) and the rates each allows.
VAT_CATEGORIES = {
    "S": "Standard rate",
    "Z": "Zero rated",
    "E": "Exempt from VAT",
    "O": "Outside the scope of VAT",
}
#: Categories whose rate is always 0 (social care is usually exempt: category E).
ZERO_RATED = ("Z", "E", "O")


class MoneyError(ValueError):
    """A figure that is not an amount of money, a price or a quantity the portal accepts."""


def parse_decimal(value, *, places: Decimal, maximum: Decimal, what: str) -> Decimal:
    """``value`` (a string, int or Decimal; never a float) as a Decimal with at most ``places``
    decimals, between 0 and ``maximum``; raises MoneyError naming ``what`` otherwise."""
    if isinstance(value, float):
        raise MoneyError(f"Enter the {what} as a decimal string, like \"12.50\", not a floating-point number")
    text = str(value).strip().replace(",", "").removeprefix("£") if value is not None else ""
    if not text:
        raise MoneyError(f"Enter the {what}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise MoneyError(f"Enter the {what} as a number, like 12.50") from None
    if not number.is_finite():
        raise MoneyError(f"Enter the {what} as a number, like 12.50")
    if number < 0:
        raise MoneyError(f"The {what} cannot be negative: for a reduction, raise a credit note")
    if number > maximum:
        raise MoneyError(f"The {what} must be {maximum:,} or less")
    decimals = -places.as_tuple().exponent
    if -number.normalize().as_tuple().exponent > decimals:
        raise MoneyError(f"The {what} can have at most {decimals} decimal places")
    return number.quantize(places)


def parse_amount(value, what: str = "amount") -> Decimal:
    return parse_decimal(value, places=PENNY, maximum=MAX_AMOUNT, what=what)


def parse_price(value, what: str = "unit price") -> Decimal:
    return parse_decimal(value, places=PRICE_PLACES, maximum=MAX_PRICE, what=what)


def parse_quantity(value, what: str = "quantity") -> Decimal:
    return parse_decimal(value, places=QUANTITY_PLACES, maximum=MAX_QUANTITY, what=what)


def pence(amount: Decimal) -> Decimal:
    """Rounded half-up to pence (0.005 -> 0.01)."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def line_net(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """A line's net amount: quantity × unit price, rounded to pence on its own."""
    return pence(quantity * unit_price)


@dataclass(frozen=True)
class VatBreakdown:
    """One VAT category and rate of an invoice (BG-23)."""
    category: str
    rate: Decimal
    taxable: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    breakdown: tuple[VatBreakdown, ...]


def vat_for(taxable: Decimal, rate: Decimal) -> Decimal:
    return pence(taxable * rate / Decimal(100))


def totals(lines) -> Totals:
    """The invoice totals of ``lines``: each has ``net`` (already rounded), ``vat_category`` and
    ``vat_rate``. The VAT breakdown is in category then rate order."""
    taxable: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
    for line in lines:
        taxable[(line.vat_category, Decimal(line.vat_rate).normalize())] += line.net
    breakdown = tuple(VatBreakdown(category, rate, amount, vat_for(amount, rate))
                      for (category, rate), amount in sorted(taxable.items()))
    net_total = sum((line.net for line in lines), Decimal("0.00"))
    vat_total = sum((part.vat for part in breakdown), Decimal("0.00"))
    return Totals(net_total, vat_total, net_total + vat_total, breakdown)
