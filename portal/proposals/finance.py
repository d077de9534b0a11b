"""The financial model of a proposal: how an hourly rate is built up from pay. The one place the
portal works out a proposed rate, its annual cost and the change against the current rate.

All in ``Decimal``, unrounded until the end; the rate is rounded half-up to pence, and so are the
annual amounts; the per cent change to two places. Per hour of care delivered:

    paid hour       = hourly pay × (1 + holiday pay %)          holiday pay accrues on every hour worked
    employer NI     = paid hour × NI %                          when an NI % is given, else from the
                    = max(0, paid hour × hours − £5,000) × 15 % / hours    2025-26 thresholds below
    pension         = paid hour × pension %
    employment cost = paid hour + employer NI + pension
    direct cost     = employment cost × (1 + travel time % + training %)
    overheads       = direct cost × overheads %
    margin          = (direct cost + overheads) × margin %
    proposed rate   = direct cost + overheads + margin          rounded to pence
    annual cost     = proposed rate × hours per year
    current annual  = current rate × hours per year
    change          = annual cost − current annual               positive: an increase; negative: a saving
    change %        = change ÷ current annual × 100

Employer National Insurance from thresholds: 15 % of each employee's pay above the secondary
threshold of £5,000 a year (the rates from 6 April 2025), assuming one full-year employee works
the hours per year; the Employment Allowance is not taken off.
The wage floor is met when hourly pay (before holiday pay) is at least the commissioner's floor
for the financial year the proposal starts in.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

NI_RATE = Decimal("15")                # per cent, from 6 April 2025
NI_SECONDARY_THRESHOLD = Decimal("5000")  # pounds a year, from 6 April 2025
HUNDRED = Decimal("100")
PENNY = Decimal("0.01")


def pence(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ModelInput:
    hourly_pay: Decimal
    hours_per_year: Decimal
    employer_ni_pct: Decimal | None = None
    pension_pct: Decimal = Decimal("0")
    holiday_pct: Decimal = Decimal("12.07")
    travel_pct: Decimal = Decimal("0")
    training_pct: Decimal = Decimal("0")
    overheads_pct: Decimal = Decimal("0")
    margin_pct: Decimal = Decimal("0")


@dataclass(frozen=True)
class Workings:
    paid_hour: Decimal
    employer_ni: Decimal
    ni_from_thresholds: bool
    pension: Decimal
    employment_cost: Decimal
    direct_cost: Decimal
    overheads: Decimal
    margin: Decimal
    rate: Decimal                    # pence
    annual_cost: Decimal             # pence
    current_rate: Decimal | None
    current_annual: Decimal | None   # pence
    change: Decimal | None           # pence; negative is a saving
    change_pct: Decimal | None       # 2 places
    wage_floor: Decimal | None
    meets_floor: bool | None

    @property
    def is_saving(self) -> bool:
        return self.change is not None and self.change < 0

    def as_dict(self) -> dict[str, str | bool | None]:
        """Decimal strings (the API and the frozen versions)."""
        out = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = str(value) if isinstance(value, Decimal) else value
        return out


def employer_ni(paid_hour: Decimal, hours: Decimal, percent: Decimal | None) -> tuple[Decimal, bool]:
    if percent is not None:
        return paid_hour * percent / HUNDRED, False
    if hours <= 0:
        return Decimal("0"), True
    annual = paid_hour * hours
    return max(Decimal("0"), annual - NI_SECONDARY_THRESHOLD) * NI_RATE / HUNDRED / hours, True


def work_out(model: ModelInput, *, current_rate: Decimal | None = None,
             wage_floor: Decimal | None = None) -> Workings:
    paid_hour = model.hourly_pay * (1 + model.holiday_pct / HUNDRED)
    ni, from_thresholds = employer_ni(paid_hour, model.hours_per_year, model.employer_ni_pct)
    pension = paid_hour * model.pension_pct / HUNDRED
    employment = paid_hour + ni + pension
    direct = employment * (1 + (model.travel_pct + model.training_pct) / HUNDRED)
    overheads = direct * model.overheads_pct / HUNDRED
    margin = (direct + overheads) * model.margin_pct / HUNDRED
    rate = pence(direct + overheads + margin)
    annual = pence(rate * model.hours_per_year)
    current_annual = change = change_pct = None
    if current_rate is not None:
        current_annual = pence(current_rate * model.hours_per_year)
        change = annual - current_annual
        if current_annual > 0:
            change_pct = pence(change / current_annual * HUNDRED)
    meets = None if wage_floor is None else model.hourly_pay >= wage_floor
    return Workings(paid_hour=paid_hour, employer_ni=ni, ni_from_thresholds=from_thresholds, pension=pension,
                    employment_cost=employment, direct_cost=direct, overheads=overheads, margin=margin, rate=rate,
                    annual_cost=annual, current_rate=current_rate, current_annual=current_annual, change=change,
                    change_pct=change_pct, wage_floor=wage_floor, meets_floor=meets)
