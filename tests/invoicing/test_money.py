"""EN 16931 arithmetic, property-based (hypothesis) and against hand-computed invoices."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.invoicing import money


@dataclass
class Line:
    quantity: Decimal
    unit_price: Decimal
    vat_category: str
    vat_rate: Decimal

    @property
    def net(self) -> Decimal:
        return money.line_net(self.quantity, self.unit_price)


def _decimal(places: int, maximum: int):
    """Decimals with up to ``places`` decimals from 0 to ``maximum``, built from integers (never floats)."""
    return st.integers(min_value=0, max_value=maximum * 10 ** places).map(lambda n: Decimal(n).scaleb(-places))


quantities = _decimal(4, 10_000)
prices = _decimal(4, 5_000)
vat = st.one_of(st.tuples(st.just("S"), st.sampled_from([Decimal("20"), Decimal("5"), Decimal("17.5")])),
                st.tuples(st.sampled_from(["Z", "E", "O"]), st.just(Decimal("0"))))
lines = st.lists(st.builds(lambda q, p, v: Line(q, p, v[0], v[1]), quantities, prices, vat), min_size=1, max_size=30)


def _exact_pence(value: Decimal) -> bool:
    return value == value.quantize(Decimal("0.01"))


@settings(max_examples=300, deadline=None)
@given(quantities, prices)
def test_each_line_net_is_quantity_times_price_rounded_half_up_on_its_own(quantity, price):
    net = money.line_net(quantity, price)
    exact = quantity * price
    assert _exact_pence(net)
    assert abs(net - exact) <= Decimal("0.005")
    assert net == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if abs(net - exact) == Decimal("0.005"):
        assert net > exact  # a half penny goes up


@settings(max_examples=300, deadline=None)
@given(lines)
def test_vat_per_rate_is_the_taxable_total_times_the_rate_rounded(invoice_lines):
    sums = money.totals(invoice_lines)
    taxable = defaultdict(Decimal)
    for line in invoice_lines:
        taxable[(line.vat_category, line.vat_rate.normalize())] += line.net
    assert {(p.category, p.rate): p.taxable for p in sums.breakdown} == dict(taxable)
    for part in sums.breakdown:
        assert part.vat == (part.taxable * part.rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if part.category != "S":
            assert part.vat == 0


@settings(max_examples=300, deadline=None)
@given(lines)
def test_totals_add_rounded_parts_and_are_never_rounded_again(invoice_lines):
    sums = money.totals(invoice_lines)
    assert sums.net_total == sum(line.net for line in invoice_lines)
    assert sums.net_total == sum(part.taxable for part in sums.breakdown)
    assert sums.vat_total == sum(part.vat for part in sums.breakdown)
    assert sums.total == sums.net_total + sums.vat_total
    assert all(_exact_pence(v) for v in (sums.net_total, sums.vat_total, sums.total))
    # Not VAT on the sum of unrounded products: the parts are rounded first.
    assert sums.net_total == sum((line.quantity * line.unit_price).quantize(Decimal("0.01"), ROUND_HALF_UP)
                                 for line in invoice_lines)


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_parsers_refuse_floats(value):
    for parse in (money.parse_amount, money.parse_price, money.parse_quantity):
        with pytest.raises(money.MoneyError, match="not a floating-point number"):
            parse(value)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10 ** 9), st.integers(min_value=0, max_value=4))
def test_parsers_refuse_negatives(whole, places):
    text = "-" + str(Decimal(whole).scaleb(-places))
    for parse in (money.parse_amount, money.parse_price, money.parse_quantity):
        with pytest.raises(money.MoneyError, match="cannot be negative"):
            parse(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10 ** 6), st.integers(min_value=1, max_value=9))
def test_parsers_refuse_too_many_decimals_and_keep_what_fits(whole, last_digit):
    amount3 = f"{whole}.00{last_digit}"   # 3 decimals: too many for an amount
    price5 = f"{whole}.0000{last_digit}"  # 5 decimals: too many for a price or quantity
    with pytest.raises(money.MoneyError, match="at most 2 decimal places"):
        money.parse_amount(amount3)
    with pytest.raises(money.MoneyError, match="at most 4 decimal places"):
        money.parse_price(price5)
    with pytest.raises(money.MoneyError, match="at most 4 decimal places"):
        money.parse_quantity(price5)
    assert money.parse_price(amount3) == Decimal(amount3)
    assert money.parse_amount(f"{whole}.50") == Decimal(f"{whole}.50")
    assert money.parse_amount(f"{whole}.500") == Decimal(f"{whole}.50")  # trailing zeros are not decimals


@pytest.mark.parametrize("text", ["", "  ", "twelve", "1e400", "NaN", "Infinity", "12.5.1", "£"])
def test_parsers_refuse_nonsense_with_a_message(text):
    with pytest.raises(money.MoneyError) as refused:
        money.parse_amount(text)
    assert str(refused.value).startswith(("Enter the amount", "The amount"))


def test_a_hand_computed_invoice_with_two_vat_rates():
    """Three lines: 7.5 h × £21.3333 = 159.99975 -> £160.00; 3 × £19.995 = 59.985 -> £59.99
    (half-up on its own, not 59.98); 1 × £100.00 exempt.

    Standard 20 %: taxable 219.99 -> VAT 43.998 -> £44.00. Exempt: £100.00, VAT £0.00.
    Net £319.99, VAT £44.00, total £363.99."""
    made = [Line(Decimal("7.5"), Decimal("21.3333"), "S", Decimal("20")),
            Line(Decimal("3"), Decimal("19.995"), "S", Decimal("20")),
            Line(Decimal("1"), Decimal("100.00"), "E", Decimal("0"))]
    assert [line.net for line in made] == [Decimal("160.00"), Decimal("59.99"), Decimal("100.00")]
    sums = money.totals(made)
    assert [(p.category, p.rate, p.taxable, p.vat) for p in sums.breakdown] == [
        ("E", Decimal("0"), Decimal("100.00"), Decimal("0.00")),
        ("S", Decimal("20"), Decimal("219.99"), Decimal("44.00"))]
    assert (sums.net_total, sums.vat_total, sums.total) == (Decimal("319.99"), Decimal("44.00"), Decimal("363.99"))


def test_vat_is_on_the_rate_total_not_the_sum_of_line_vat():
    """Three lines of £0.03 at 20 %: VAT per line would be 0.006 -> 0.01 each, £0.03 in all;
    on the taxable total £0.09 it is 0.018 -> £0.02."""
    made = [Line(Decimal("1"), Decimal("0.03"), "S", Decimal("20")) for _ in range(3)]
    sums = money.totals(made)
    assert (sums.net_total, sums.vat_total, sums.total) == (Decimal("0.09"), Decimal("0.02"), Decimal("0.11"))


def test_a_hand_computed_invoice_at_five_per_cent():
    """2.25 nights × £80.1234 = 180.27765 -> £180.28; 5 % of 180.28 = 9.014 -> £9.01."""
    sums = money.totals([Line(Decimal("2.25"), Decimal("80.1234"), "S", Decimal("5"))])
    assert (sums.net_total, sums.vat_total, sums.total) == (Decimal("180.28"), Decimal("9.01"), Decimal("189.29"))
