"""The financial model against hand-computed figures, and the wage floor."""
from __future__ import annotations

from decimal import Decimal

from portal.proposals.finance import ModelInput, work_out


def test_the_rate_is_built_up_from_pay_as_documented():
    """£12.60 pay; holiday 12.07 %; NI 10 % and pension 3 % of the paid hour; travel 10 % and
    training 2 %; overheads 15 %; margin 5 %; 1,000 hours against a £20.00 rate.

    paid hour   12.60 × 1.1207                          = 14.12082
    NI          14.12082 × 0.10                         =  1.412082
    pension     14.12082 × 0.03                         =  0.4236246
    employment  14.12082 + 1.412082 + 0.4236246         = 15.9565266
    direct      15.9565266 × 1.12                       = 17.871309792
    overheads   17.871309792 × 0.15                     =  2.6806964688
    margin      (17.871309792 + 2.6806964688) × 0.05    =  1.02760031304
    rate        21.57960657384                          → £21.58
    annual      21.58 × 1,000 = £21,580.00 against £20,000.00: an increase of £1,580.00, 7.90 %"""
    made = work_out(ModelInput(hourly_pay=Decimal("12.60"), hours_per_year=Decimal("1000"),
                               employer_ni_pct=Decimal("10"), pension_pct=Decimal("3"), holiday_pct=Decimal("12.07"),
                               travel_pct=Decimal("10"), training_pct=Decimal("2"), overheads_pct=Decimal("15"),
                               margin_pct=Decimal("5")), current_rate=Decimal("20.00"), wage_floor=Decimal("12.60"))
    assert made.paid_hour == Decimal("14.12082")
    assert made.employer_ni == Decimal("1.412082")
    assert made.employment_cost == Decimal("15.9565266")
    assert made.direct_cost == Decimal("17.871309792")
    assert made.rate == Decimal("21.58")
    assert (made.annual_cost, made.current_annual, made.change, made.change_pct) == (
        Decimal("21580.00"), Decimal("20000.00"), Decimal("1580.00"), Decimal("7.90"))
    assert not made.is_saving
    assert made.meets_floor is True  # exactly the floor meets it


def test_employer_ni_from_the_thresholds():
    """No NI % given: 15 % of a year's pay above £5,000. Paid hour 14.12082 × 1,500 hours =
    21,181.23; less 5,000 = 16,181.23; × 15 % = 2,427.1845; ÷ 1,500 = 1.618123 an hour; rate
    14.12082 + 1.618123 = 15.738943 → £15.74."""
    made = work_out(ModelInput(hourly_pay=Decimal("12.60"), hours_per_year=Decimal("1500")))
    assert made.ni_from_thresholds
    assert made.employer_ni == Decimal("1.618123")
    assert made.rate == Decimal("15.74")
    assert made.change is None and made.meets_floor is None


def test_pay_under_the_floor_and_a_saving():
    made = work_out(ModelInput(hourly_pay=Decimal("12.60"), hours_per_year=Decimal("2000"), employer_ni_pct=Decimal("0"),
                               holiday_pct=Decimal("0")), current_rate=Decimal("13.00"), wage_floor=Decimal("13.45"))
    assert made.rate == Decimal("12.60")
    assert made.meets_floor is False
    assert (made.change, made.change_pct) == (Decimal("-800.00"), Decimal("-3.08"))  # 800 / 26,000 = 3.0769 %
    assert made.is_saving
