"""The checks before an invoice is submitted, against hand-computed figures: a duplicate number,
the same contract, period and total, a total outside the usual range, the contract's ceiling."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.invoicing import checks, services, workflow
from tests import factories


@contextmanager
def as_provider(contract):
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with tenant_context(contract.tenant_id):
        yield db.session
        db.session.rollback()


def _contract(contract_):
    from portal.contracts.models import Contract
    from portal.extensions import db

    return db.session.get(Contract, contract_.id)


def _draft(contract_, amount: str, *, number="NEW-1", start=date(2025, 6, 1), end=date(2025, 6, 30)):
    """A draft of one line: 1 block at ``amount``."""
    return services.create_invoice(_contract(contract_), number=number, period_start=start, period_end=end,
                                   lines=[{"description": "Care", "quantity": "1", "unit": "block",
                                           "unit_price": amount}], actor=None)


def _codes(invoice):
    return {f["code"]: f["severity"] for f in checks.check_invoice(invoice)}


@pytest.fixture
def small(app):
    """A contract for 2025 worth £1,000 a year: its value is £1,000.00 (365 days of 365)."""
    return factories.contract(annual_value="1000.00", start=date(2025, 1, 1), end=date(2025, 12, 31), frequency=None)


def _sent(contract_, amount: str, month: int, **kwargs):
    start = date(2025, month, 1)
    return factories.invoice_row(contract_, period_start=start, period_end=start + timedelta(days=27),
                                 lines=(("Care", "1", "block", amount),), **kwargs)


def test_contract_value_is_the_annual_value_over_the_term_plus_variations(app, small):
    two_years = factories.contract(annual_value="1250000.00", start=date(2025, 1, 1), end=date(2026, 12, 31),
                                   frequency=None)
    half = factories.contract(annual_value="730.00", start=date(2025, 1, 1), end=date(2025, 6, 30), frequency=None)
    factories.variation(small, value_change="250.50")
    factories.variation(small, value_change="-50.00")
    with app.app_context():
        with as_provider(two_years):
            assert checks.contract_value(_contract(two_years)) == Decimal("2500000.00")  # 730 days
        with as_provider(half):
            assert checks.contract_value(_contract(half)) == Decimal("362.00")  # 730 × 181 / 365
        with as_provider(small):
            assert checks.contract_value(_contract(small)) == Decimal("1200.50")


def test_a_duplicate_number_is_refused_on_the_number(app, small):
    _sent(small, "10.00", 1, number="INV-7")
    with app.app_context(), as_provider(small):
        with pytest.raises(services.LinesInvalid) as refused:
            _draft(small, "10.00", number="INV-7")
        assert "already used the invoice number INV-7" in refused.value.errors["number"]


def test_the_same_contract_period_and_total_is_refused_unless_the_other_was_rejected(app, small):
    first = _sent(small, "120.00", 6, number="INV-A")
    with app.app_context(), as_provider(small):
        draft = _draft(small, "120.00", start=first.period_start, end=first.period_end)
        assert _codes(draft)["same_period_and_total"] == "refusal"
        with pytest.raises(workflow.ChecksRefused) as refused:
            workflow.submit(draft, actor=factories.user(), confirm_warnings=True)
        assert "Invoice INV-A already charges £120.00" in refused.value.message
        different = _draft(small, "120.01", number="NEW-2", start=first.period_start, end=first.period_end)
        assert "same_period_and_total" not in _codes(different)
    rejected = _sent(small, "80.00", 7, number="INV-B", status="rejected")
    with app.app_context(), as_provider(small):
        draft = _draft(small, "80.00", start=rejected.period_start, end=rejected.period_end)
        assert "same_period_and_total" not in _codes(draft)


def test_a_total_outside_mean_plus_or_minus_two_sample_deviations_is_flagged(app, small):
    # 100, 110 and 120: mean 110, sample standard deviation 10 -> usual range 90 to 130.
    for month, amount in ((1, "100.00"), (2, "110.00"), (3, "120.00")):
        _sent(small, amount, month)
    with app.app_context(), as_provider(small):
        usual = checks.usual_range(_contract(small))
        assert (usual.count, usual.mean, usual.sd) == (3, Decimal("110"), Decimal("10"))
        assert "unusual_total" not in _codes(_draft(small, "130.00", number="N-1"))
        assert "unusual_total" not in _codes(_draft(small, "90.00", number="N-2", start=date(2025, 7, 1),
                                                    end=date(2025, 7, 31)))
        high = _draft(small, "130.01", number="N-3", start=date(2025, 8, 1), end=date(2025, 8, 31))
        finding = next(f for f in checks.check_invoice(high) if f["code"] == "unusual_total")
        assert finding["severity"] == "warning"
        assert "usual range (£90.00 to £130.00, from its last 3 invoices)" in finding["message"]
        assert "unusual_total" in _codes(_draft(small, "89.99", number="N-4", start=date(2025, 9, 1),
                                                end=date(2025, 9, 30)))


def test_the_range_needs_three_invoices_and_reads_only_the_last_twelve(app):
    contract_ = factories.contract(annual_value="1000000.00", start=date(2024, 1, 1), end=date(2025, 12, 31),
                                   frequency=None)
    factories.invoice_row(contract_, period_start=date(2024, 1, 1), period_end=date(2024, 1, 31),
                          lines=(("Care", "1", "block", "50000.00"),))  # the 13th most recent: not read
    factories.invoice_row(contract_, period_start=date(2024, 2, 1), period_end=date(2024, 2, 28),
                          lines=(("Care", "1", "block", "100.00"),))
    with app.app_context(), as_provider(contract_):
        assert not checks.usual_range(_contract(contract_)).judged  # only 2 invoices
    for month in range(3, 14):  # 11 more: 100 each, all in a row up to January 2025
        start = date(2024 + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        factories.invoice_row(contract_, period_start=start, period_end=start + timedelta(days=27),
                              lines=(("Care", "1", "block", "100.00"),))
    with app.app_context(), as_provider(contract_):
        usual = checks.usual_range(_contract(contract_))
        assert (usual.count, usual.mean, usual.sd) == (12, Decimal("100"), Decimal("0"))


def test_the_ceiling_warns_from_90_per_cent_and_refuses_past_100(app, small):
    _sent(small, "899.98", 1)
    with app.app_context(), as_provider(small):
        assert "near_contract_value" not in _codes(_draft(small, "0.01", number="N-0"))  # 899.99: under 90 %
        codes = _codes(_draft(small, "0.02", number="N-1", start=date(2025, 5, 1), end=date(2025, 5, 31)))
        assert codes["near_contract_value"] == "warning"  # 900.00: 90 %
        over = _draft(small, "100.03", number="N-2", start=date(2025, 7, 1), end=date(2025, 7, 31))
        finding = next(f for f in checks.check_invoice(over) if f["code"] == "over_contract_value")
        assert finding["severity"] == "refusal"
        assert "to £1,000.01, past its value of £1,000.00" in finding["message"]
        exactly = _draft(small, "100.02", number="N-3", start=date(2025, 8, 1), end=date(2025, 8, 31))
        assert "over_contract_value" not in _codes(exactly)


def test_credit_notes_subtract_and_a_variation_lifts_the_ceiling(app, small):
    first = _sent(small, "900.00", 1)
    with app.app_context(), as_provider(small):
        assert _codes(_draft(small, "150.00", number="N-1"))["over_contract_value"] == "refusal"  # 1,050
    factories.invoice_row(small, kind="credit_note", corrects=first, period_start=first.period_start,
                          period_end=first.period_end, lines=(("Missed visits", "1", "block", "100.00"),))
    with app.app_context(), as_provider(small):
        codes = _codes(_draft(small, "150.00", number="N-2"))  # 900 - 100 + 150 = 950: 95 %
        assert "over_contract_value" not in codes and codes["near_contract_value"] == "warning"
        assert checks.invoiced_value(_contract(small)) == Decimal("800.00")
        assert "over_contract_value" in _codes(_draft(small, "200.01", number="N-3"))
    factories.variation(small, value_change="500.00")  # £1,500.00 now
    with app.app_context(), as_provider(small):
        assert not {"over_contract_value", "near_contract_value"} & set(_codes(_draft(small, "200.01", number="N-4")))


def test_a_typed_price_that_differs_from_the_card_is_a_warning_with_the_cards_rate(app, small):
    factories.rate(small, "21.5000", unit="hour")
    with app.app_context(), as_provider(small):
        typed = services.create_invoice(_contract(small), number="N-1", period_start=date(2025, 6, 2),
                                        period_end=date(2025, 6, 6),
                                        lines=[{"description": "Care", "quantity": "2", "unit": "hour",
                                                "unit_price": "22.00"}], actor=None)
        finding = next(f for f in checks.check_invoice(typed) if f["code"] == "price_differs_from_card")
        assert finding["line"] == 1 and "differs from the rate card's £21.5000" in finding["message"]


def test_extra_checks_registered_by_other_parts_run_on_real_invoices(app, small, monkeypatch):
    monkeypatch.setattr(checks, "EXTRA_CHECKS", [lambda invoice: [{"code": "overlap", "message": f"{invoice.number}"}]])
    with app.app_context(), as_provider(small):
        findings = checks.check_invoice(_draft(small, "10.00", number="N-1"))
        assert {"code": "overlap", "message": "N-1", "line": None, "severity": "warning"} in findings

