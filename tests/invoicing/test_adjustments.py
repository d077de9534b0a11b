"""A backdated rate change makes adjustments for the provider, against hand-computed figures.

The contract CLY-001 (Scotland's public holidays) has a weekday rate of £20.00 an hour and a
weekend rate of £24.00 from 2025; public holidays have no rate of their own and take the
weekday rate. In June 2026 the commissioner agrees a wage uplift of the weekday rate to £21.50
from 1 April 2026.

April 2026 (paid): 210 weekday hours (day type weekday: its 21 weekdays; Good Friday, the 3rd,
is a public holiday) and 64 weekend hours. May 2026 (submitted): 248 hours over the whole month,
8 a day, priced day by day: 19 weekdays (152 h × £20 = £3,040.00), 10 weekend days (80 h × £24
= £1,920.00) and 2 public holidays, the 4th and the 25th (16 h × £20 = £320.00). March 2026 is
before the uplift; a draft and a rejected invoice for June are never adjusted.

By hand: April: 210 h × (£21.50 − £20.00) = £315.00; May: 152 h × £1.50 = £228.00 and 16 h ×
£1.50 = £24.00, £252.00. The weekend lines do not change.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.errors import ServiceError
from tests import factories
from tests.helpers import mailbox

JUNE = date(2026, 6, 15)


def _card(contract):
    factories.rate(contract, "20.0000", effective_from=date(2025, 1, 1))
    factories.rate(contract, "24.0000", day_type="weekend", effective_from=date(2025, 1, 1))


@pytest.fixture()
def invoiced(app, contract_setup):
    contract = contract_setup["contract"]
    _card(contract)
    made = {
        "march": factories.priced_invoice(contract, number="FERN-0326", period_start=date(2026, 3, 1),
                                          period_end=date(2026, 3, 31), status="paid",
                                          lines=[{"description": "Care", "quantity": "100", "unit": "hour",
                                                  "day_type": "weekday"}]),
        "april": factories.priced_invoice(contract, number="FERN-0426", period_start=date(2026, 4, 1),
                                          period_end=date(2026, 4, 30), status="paid",
                                          lines=[{"description": "Weekday care", "quantity": "210", "unit": "hour",
                                                  "day_type": "weekday"},
                                                 {"description": "Weekend care", "quantity": "64", "unit": "hour",
                                                  "day_type": "weekend"}]),
        "may": factories.priced_invoice(contract, number="FERN-0526", period_start=date(2026, 5, 1),
                                        period_end=date(2026, 5, 31), status="submitted",
                                        lines=[{"description": "Care", "quantity": "248", "unit": "hour"}]),
        "draft": factories.priced_invoice(contract, number="FERN-0626", period_start=date(2026, 6, 1),
                                          period_end=date(2026, 6, 14), status="draft",
                                          lines=[{"description": "Care", "quantity": "50", "unit": "hour"}]),
        "rejected": factories.priced_invoice(contract, number="FERN-0626-X", period_start=date(2026, 6, 1),
                                             period_end=date(2026, 6, 14), status="rejected",
                                             lines=[{"description": "Care", "quantity": "50", "unit": "hour"}]),
    }
    return contract_setup, made


def _change(app, setup, **given):
    from portal.contracts.models import Contract
    from portal.extensions import db
    from portal.invoicing.rate_cards import change_rate
    from portal.tenants.context import tenant_context

    values = dict(unit="hour", day_type="weekday", service_type="", rate="21.50", effective_from=date(2026, 4, 1),
                  today=JUNE)
    values.update(given)
    with app.app_context(), tenant_context(setup["commissioner"].id, setup["manager"].id):
        try:
            contract = db.session.get(Contract, setup["contract_id"])
            made = change_rate(contract, actor=setup["manager"], **values)
            db.session.commit()
            return made.id
        except Exception:
            db.session.rollback()
            raise


def _adjustments(app, setup):
    from portal.extensions import db
    from portal.invoicing.models import Invoice
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(setup["provider"].id):
        found = {}
        for invoice in db.session.scalars(select(Invoice).where(Invoice.source == "adjustment").order_by(Invoice.id)):
            original = db.session.get(Invoice, invoice.corrects_id)
            found[invoice.number] = {
                "kind": invoice.kind, "status": invoice.status, "corrects": original.number,
                "period": (invoice.period_start, invoice.period_end), "total": invoice.total,
                "lines": [(l.quantity, l.unit_price, l.net, l.line_start, l.line_end, l.price_source, l.card_rate)
                          for l in invoice.lines],
                "workings": [l.workings for l in invoice.lines]}
        db.session.rollback()
        return found


def _rates(app, setup):
    from portal.extensions import db
    from portal.invoicing.models import ContractRate
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(setup["commissioner"].id):
        rows = [(r.day_type, r.rate, r.effective_from, r.effective_to)
                for r in db.session.scalars(select(ContractRate).order_by(ContractRate.day_type, ContractRate.effective_from))]
        db.session.rollback()
        return rows


def test_a_wage_uplift_agreed_in_june_from_april_adjusts_april_and_may_by_hand_computed_figures(app, invoiced):
    setup, _ = invoiced
    _change(app, setup)

    assert _rates(app, setup) == [
        ("weekday", Decimal("20.0000"), date(2025, 1, 1), date(2026, 3, 31)),
        ("weekday", Decimal("21.5000"), date(2026, 4, 1), None),
        ("weekend", Decimal("24.0000"), date(2025, 1, 1), None)]
    found = _adjustments(app, setup)
    assert set(found) == {"FERN-0426-ADJ1", "FERN-0526-ADJ1"}
    april, may = found["FERN-0426-ADJ1"], found["FERN-0526-ADJ1"]
    assert (april["kind"], april["status"], april["corrects"]) == ("invoice", "draft", "FERN-0426")
    assert april["period"] == (date(2026, 4, 1), date(2026, 4, 30))
    assert april["lines"] == [(Decimal("210.0000"), Decimal("1.5000"), Decimal("315.00"), date(2026, 4, 1),
                               date(2026, 4, 30), "adjustment", None)]
    assert april["total"] == Decimal("315.00")
    assert "210 hours on 21 of the hours' days" in april["workings"][0]
    assert "(£21.5000 − £20.0000 = +£1.5000)" in april["workings"][0]
    assert may["corrects"] == "FERN-0526"
    assert may["lines"] == [
        (Decimal("152.0000"), Decimal("1.5000"), Decimal("228.00"), date(2026, 5, 1), date(2026, 5, 29), "adjustment",
         None),
        (Decimal("16.0000"), Decimal("1.5000"), Decimal("24.00"), date(2026, 5, 4), date(2026, 5, 25), "adjustment",
         None)]
    assert may["total"] == Decimal("252.00")


def test_the_provider_is_told_by_email(app, invoiced):
    from tests.helpers import run_jobs

    setup, _ = invoiced
    factories.user("finance@fern.example", memberships=[(setup["provider"], "finance")])
    _change(app, setup)
    run_jobs(app)
    told = [m for m in mailbox(app) if "Adjustments to check and submit: CLY-001" in m.subject]
    # the people who raise invoices: the administrator and finance, not the returns' submitters
    assert {m.to_address for m in told} == {"finance@fern.example", "admin@fern.example"}
    assert "FERN-0426-ADJ1" in told[0].body and "£315.00" in told[0].body


def test_a_change_from_mid_may_adjusts_only_the_days_it_covers(app, invoiced):
    """From Monday 18 May: weekdays 18-22 and 26-29 (the 25th is a public holiday), 9 of the 19:
    152 × 9/19 = 72 hours; and the 25th, 1 of the 2 public holidays: 8 hours."""
    setup, _ = invoiced
    _change(app, setup, effective_from=date(2026, 5, 18), rate="21.00")
    found = _adjustments(app, setup)
    assert list(found) == ["FERN-0526-ADJ1"]
    assert [(q, p, n, s, e) for q, p, n, s, e, *_ in found["FERN-0526-ADJ1"]["lines"]] == [
        (Decimal("72.0000"), Decimal("1.0000"), Decimal("72.00"), date(2026, 5, 18), date(2026, 5, 29)),
        (Decimal("8.0000"), Decimal("1.0000"), Decimal("8.00"), date(2026, 5, 25), date(2026, 5, 25))]


def test_a_lower_rate_makes_a_credit_note_and_a_second_change_adjusts_from_the_first(app, invoiced):
    setup, _ = invoiced
    _change(app, setup)  # 21.50 from April
    _change(app, setup, rate="19.00", effective_from=date(2026, 5, 1))  # then down from May
    found = _adjustments(app, setup)
    assert set(found) == {"FERN-0426-ADJ1", "FERN-0526-ADJ1", "FERN-0526-ADJ2"}
    second = found["FERN-0526-ADJ2"]
    assert (second["kind"], second["corrects"]) == ("credit_note", "FERN-0526")
    # from £21.50 (the first change) to £19.00: 152 h and 16 h × £2.50
    assert [(q, p, n) for q, p, n, *_ in second["lines"]] == [
        (Decimal("152.0000"), Decimal("2.5000"), Decimal("380.00")), (Decimal("16.0000"), Decimal("2.5000"), Decimal("40.00"))]
    assert second["total"] == Decimal("420.00")


def test_a_change_in_the_future_makes_no_adjustments_and_rates_never_overlap(app, invoiced):
    setup, _ = invoiced
    _change(app, setup, effective_from=date(2026, 9, 1))
    _change(app, setup, effective_from=date(2026, 7, 1), rate="20.75")  # before the September one: runs until it
    assert _adjustments(app, setup) == {}
    weekday = [r for r in _rates(app, setup) if r[0] == "weekday"]
    assert weekday == [("weekday", Decimal("20.0000"), date(2025, 1, 1), date(2026, 6, 30)),
                       ("weekday", Decimal("20.7500"), date(2026, 7, 1), date(2026, 8, 31)),
                       ("weekday", Decimal("21.5000"), date(2026, 9, 1), None)]


@pytest.mark.parametrize("given, field, words", [
    ({"effective_from": date(2024, 12, 31)}, "effective_from", "cannot apply before the contract starts"),
    ({"effective_from": date(2027, 1, 1)}, "effective_from", "within the contract"),
    ({"effective_from": "31/04/2026"}, "effective_from", "real date"),
    ({"effective_from": ""}, "effective_from", "Enter the date"),
    ({"rate": "-1"}, "rate", "cannot be negative"),
    ({"rate": "12.34567"}, "rate", "at most 4 decimal places"),
    ({"rate": "abc"}, "rate", "as a number"),
    ({"unit": "fortnight"}, "unit", "Choose the unit"),
    ({"day_type": "holiday"}, "day_type", "Choose the type of day"),
])
def test_bad_rates_are_refused_with_the_rule_named_and_nothing_kept(app, invoiced, given, field, words):
    setup, _ = invoiced
    before = _rates(app, setup)
    with pytest.raises(ServiceError) as refused:
        _change(app, setup, **given)
    assert words in refused.value.errors[field]
    assert _rates(app, setup) == before and _adjustments(app, setup) == {}


def test_a_rate_variation_is_recorded_on_the_rate(app, invoiced):
    from portal.contracts.models import Contract
    from portal.extensions import db
    from portal.invoicing.models import ContractRate
    from portal.invoicing.rate_cards import change_rate, record_rate_variation
    from portal.tenants.context import tenant_context

    setup, _ = invoiced
    with app.app_context(), tenant_context(setup["commissioner"].id):
        contract = db.session.get(Contract, setup["contract_id"])
        variation = record_rate_variation(contract, effective_from=date(2026, 4, 1), description="Wage uplift",
                                          actor=None)
        made = change_rate(contract, unit="hour", day_type="weekday", service_type="", rate="21.50",
                           effective_from=date(2026, 4, 1), actor=None, variation=variation, today=JUNE)
        db.session.commit()
        assert db.session.get(ContractRate, made.id).variation_id == variation.id
        assert variation.kind == "rate"
        db.session.rollback()
