"""A savings target's figures, in SQL: the baseline, the target amount, the paid spend and the
realised saving per quarter, and a collaborative's split per member.

Definitions (shown on the page):

- paid spend in scope: the commissioner's invoices with status paid whose period starts in the
  quarter, at their signed total (a credit note takes away), on contracts of the target's service
  type when it names one. A collaborative's target is held by its lead commissioner, who holds
  and pays the collaborative's contracts, so its spend is the lead's paid invoices in scope;
- baseline: typed, or the previous financial year's paid spend in scope;
- each quarter's baseline is a quarter of the year's (in pence, the first quarters take the odd
  pence); realised in a quarter = quarter's baseline − paid spend in it, counted once the quarter
  has ended and has paid invoices in scope (a quarter with none has nothing to measure yet, not a
  saving of its whole baseline); realised for the year = the sum of those quarters;
- a collaborative's figures are split per member by their share of the baseline
  (``member_baselines``), in pence by the largest remainder, so the members' parts add up to the
  collaborative's figure exactly: nothing counted twice, nothing lost.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import Date, case, func, select

from portal.contracts.models import Contract
from portal.extensions import db
from portal.invoicing.models import CREDIT_NOTE, PAID, Invoice
from portal.reporting.periods import london_today
from portal.savings.models import AGREED, COLLABORATIVE, FROM_INVOICES, PERCENT, PROPOSED, REALISED, Saving, \
    SavingsTarget

PENNY = Decimal("0.01")


def pence(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def signed_total():
    return case((Invoice.kind == CREDIT_NOTE, -Invoice.total), else_=Invoice.total)


def quarter_spend(commissioner_id: int, service_type: str, start: date, end: date) -> dict[date, Decimal]:
    """Paid spend in scope by calendar quarter (financial quarters start in April, July, October
    and January, so they are calendar quarters), one query; a quarter with no paid invoice in
    scope is missing."""
    quarter = func.date_trunc("quarter", Invoice.period_start).cast(Date)
    query = (select(quarter, func.sum(signed_total()))
             .where(Invoice.commissioner_id == commissioner_id, Invoice.status == PAID,
                    Invoice.period_start >= start, Invoice.period_start <= end)
             .group_by(quarter))
    if service_type:
        query = query.join(Contract, (Contract.id == Invoice.contract_id) & (Contract.tenant_id == Invoice.tenant_id)) \
            .where(Contract.service_type == service_type)
    return {row[0]: Decimal(row[1]) for row in db.session.execute(query)}


def year_end(start: date) -> date:
    return start + relativedelta(years=1, days=-1)


def quarters(start: date) -> list[date]:
    return [start + relativedelta(months=3 * n) for n in range(4)]


def split(amount: Decimal, weights: dict, ) -> dict:
    """``amount`` shared in proportion to ``weights``, in pence, adding up exactly (largest remainder)."""
    total = sum(weights.values(), Decimal("0"))
    if not weights or total <= 0:
        return {}
    sign = -1 if amount < 0 else 1
    pennies = int((abs(amount) / PENNY).to_integral_value(rounding=ROUND_HALF_UP))
    exact = {k: Decimal(pennies) * w / total for k, w in weights.items()}
    floors = {k: int(v.to_integral_value(rounding=ROUND_DOWN)) for k, v in exact.items()}
    left = pennies - sum(floors.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - floors[k]), str(k)))[:left]:
        floors[key] += 1
    return {k: sign * Decimal(v) * PENNY for k, v in floors.items()}


@dataclass
class Quarter:
    start: date
    baseline: Decimal
    spend: Decimal
    ended: bool
    paid: bool = True  # any paid invoice in scope: a quarter with none has nothing to measure yet

    @property
    def realised(self) -> Decimal | None:
        return self.baseline - self.spend if self.ended and self.paid else None

    @property
    def label(self) -> str:
        end = self.start + relativedelta(months=2)
        return f"{self.start:%B} to {end:%B %Y}"


@dataclass
class Figures:
    target: SavingsTarget
    baseline: Decimal
    target_amount: Decimal
    quarters: list[Quarter]
    by_status: dict[str, Decimal]
    shares: dict[int, dict[str, Decimal]] = field(default_factory=dict)  # member id -> figure -> amount

    @property
    def spend(self) -> Decimal:
        return sum((q.spend for q in self.quarters), Decimal("0"))

    @property
    def realised(self) -> Decimal:
        return sum((q.realised for q in self.quarters if q.realised is not None), Decimal("0"))

    @property
    def realised_pct(self) -> Decimal | None:
        return pence(self.realised / self.baseline * 100) if self.baseline > 0 else None

    @property
    def progress_pct(self) -> Decimal | None:
        return pence(self.realised / self.target_amount * 100) if self.target_amount > 0 else None


def baseline_of(target: SavingsTarget) -> Decimal:
    if target.baseline_kind == FROM_INVOICES:
        previous = target.year_start - relativedelta(years=1)
        spend = quarter_spend(target.tenant_id, target.service_type, previous, year_end(previous))
        return sum(spend.values(), Decimal("0"))
    return target.baseline_amount or Decimal("0")


def savings_by_status(target: SavingsTarget) -> dict[str, Decimal]:
    rows = db.session.execute(select(Saving.status, func.sum(Saving.amount)).where(
        Saving.tenant_id == target.tenant_id, Saving.target_id == target.id).group_by(Saving.status))
    found = {status: Decimal(total) for status, total in rows}
    return {status: found.get(status, Decimal("0")) for status in (PROPOSED, AGREED, REALISED)}


def figures_of(target: SavingsTarget, today: date | None = None) -> Figures:
    today = today or london_today()
    baseline = pence(baseline_of(target))
    amount = pence(baseline * target.target_value / 100) if target.target_kind == PERCENT else target.target_value
    spend = quarter_spend(target.tenant_id, target.service_type, target.year_start, year_end(target.year_start))
    per_quarter = split(baseline, {n: Decimal(1) for n in range(4)}) if baseline else {n: Decimal("0") for n in range(4)}
    rows = [Quarter(start, per_quarter[n], spend.get(start, Decimal("0")),
                    ended=start + relativedelta(months=3) <= today, paid=start in spend)
            for n, start in enumerate(quarters(target.year_start))]
    made = Figures(target, baseline, amount, rows, savings_by_status(target))
    if target.scope == COLLABORATIVE:
        made.shares = member_shares(target, made)
    return made


def member_weights(target: SavingsTarget) -> dict[int, Decimal]:
    weights = {int(k): Decimal(str(v)) for k, v in (target.member_baselines or {}).items()}
    return weights or {target.tenant_id: Decimal(1)}


def member_shares(target: SavingsTarget, made: Figures) -> dict[int, dict[str, Decimal]]:
    weights = member_weights(target)
    parts = {name: split(value, weights) for name, value in (
        ("baseline", made.baseline), ("target", made.target_amount), ("spend", made.spend),
        ("realised", made.realised))}
    return {member: {name: parts[name][member] for name in parts} for member in weights}
