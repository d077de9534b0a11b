"""Lines priced from the contract's rate card, day by day, against hand-computed figures."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.errors import ServiceError
from portal.invoicing import services
from tests import factories


def _raise(contract, lines, *, start=date(2025, 4, 1), end=date(2025, 4, 30), number=None):
    from portal.contracts.models import Contract
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with tenant_context(contract.tenant_id):
        made = services.create_invoice(db.session.get(Contract, contract.id), number=number or "INV-1",
                                       period_start=start, period_end=end, lines=lines, actor=None)
        result = (made.net_total, made.vat_total, made.total,
                  [(l.quantity, l.unit_price, l.net, l.day_type, l.price_source, l.card_rate, l.line_start, l.line_end)
                   for l in made.lines])
        db.session.rollback()
        return result


@pytest.fixture()
def priced(app, contract_setup):
    contract = contract_setup["contract"]
    factories.rate(contract, "20.0000", effective_from=date(2025, 1, 1), effective_to=date(2025, 4, 15))
    factories.rate(contract, "21.0000", effective_from=date(2025, 4, 16))
    factories.rate(contract, "30.0000", day_type="weekend", effective_from=date(2025, 1, 1))
    return contract


def test_a_rate_change_mid_period_splits_the_line_by_days(app, priced):
    """A weekday line over April 2025, whose weekday rate changes on the 16th: its 200 hours are
    spread over the month's 21 Scottish weekdays that are not public holidays."""
    with app.app_context():
        net, vat, total, lines = _raise(priced, [{"description": "Care", "quantity": "200", "unit": "hour",
                                                  "day_type": "weekday"}])
    # Weekdays not public holidays in Scotland, April 2025: 1-4, 7-11, 14-15 (11) then 16-17, 21-25, 28-30 (10);
    # the 18th is Good Friday; the 21st, Easter Monday, is not a Scottish bank holiday. 200 × 11/21 = 104.7619.
    assert [(l[0], l[1], l[2]) for l in lines] == [
        (Decimal("104.7619"), Decimal("20.0000"), Decimal("2095.24")),
        (Decimal("95.2381"), Decimal("21.0000"), Decimal("2000.00")),
    ]
    assert (net, vat, total) == (Decimal("4095.24"), Decimal("0.00"), Decimal("4095.24"))


def test_a_typed_price_that_differs_from_the_card_keeps_the_cards_rate(app, priced):
    with app.app_context():
        _, _, total, lines = _raise(priced, [{"description": "Care", "quantity": "10", "unit": "hour",
                                              "unit_price": "22.50", "line_start": "2025-04-01",
                                              "line_end": "2025-04-04"}])
    assert lines[0][4:6] == ("typed", Decimal("20.0000"))
    assert total == Decimal("225.00")


def test_a_unit_the_card_does_not_price_needs_a_price(app, priced):
    with app.app_context():
        with pytest.raises(ServiceError) as refused:
            _raise(priced, [{"description": "Sleepover", "quantity": "3", "unit": "night"}])
        assert "does not price nights" in refused.value.errors["lines-0-unit_price"]
        _, _, total, lines = _raise(priced, [{"description": "Sleepover", "quantity": "3", "unit": "night",
                                              "unit_price": "85"}])
    assert lines[0][4] == "entered" and total == Decimal("255.00")


def test_vat_is_worked_out_per_rate_and_totals_are_not_rounded_again(app, priced):
    lines = [{"description": f"Item {n}", "quantity": "1", "unit": "block", "unit_price": "0.125",
              "vat_category": "S", "vat_rate": "20"} for n in range(3)]
    with app.app_context():
        net, vat, total, made = _raise(priced, lines)
    # each line 0.125 -> 0.13; taxable 0.39; VAT 0.078 -> 0.08
    assert [m[2] for m in made] == [Decimal("0.13")] * 3
    assert (net, vat, total) == (Decimal("0.39"), Decimal("0.08"), Decimal("0.47"))


def test_bad_input_names_each_line_and_keeps_nothing(app, priced):
    with app.app_context():
        with pytest.raises(ServiceError) as refused:
            _raise(priced, [{"description": "", "quantity": "-1", "unit": "fortnight", "unit_price": "abc"}],
                   start=date(2024, 1, 1))
    assert set(refused.value.errors) == {"period_start", "lines-0-description", "lines-0-quantity", "lines-0-unit",
                                         "lines-0-unit_price"}
    assert "within the contract" in refused.value.errors["period_start"]



def test_a_day_without_a_rate_of_its_own_takes_the_weekday_rate_and_says_so(app, contract_setup):
    """A card with a weekday rate alone: May 2025's 31 days are 20 weekdays, 9 weekend days and 2
    Scottish public holidays (5 and 26 May); 31 hours are spread a day each, every part at £20."""
    from portal.contracts.models import Contract
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    contract = contract_setup["contract"]
    factories.rate(contract, "20.0000", effective_from=date(2025, 1, 1))
    with app.app_context(), tenant_context(contract.tenant_id):
        made = services.create_invoice(db.session.get(Contract, contract.id), number="INV-MAY", period_start=date(2025, 5, 1),
                                       period_end=date(2025, 5, 31), actor=None,
                                       lines=[{"description": "Care", "quantity": "31", "unit": "hour"}])
        parts = [(l.day_type, l.quantity, l.net, l.workings) for l in made.lines]
        db.session.rollback()
    assert [p[:3] for p in parts] == [("weekday", Decimal("20.0000"), Decimal("400.00")),
                                      ("weekend", Decimal("9.0000"), Decimal("180.00")),
                                      ("public_holiday", Decimal("2.0000"), Decimal("40.00"))]
    assert "the rate card's weekday rate from 1 January 2025 (it has no weekend rate)" in parts[1][3]
    assert "(it has no" not in parts[0][3]
