"""The checks an invoice (or credit note) meets before it is submitted, shown as the provider types
and to the approver. Each finding says what to change.

A finding is a dict ``{"code", "message", "line": position or None, "severity"}``; severity is
``"refusal"`` (submission is blocked) or ``"warning"`` (the provider confirms it; it is stored on
the invoice as ``warnings`` for the approver to see).

- the period lies within the contract (refusal);
- a duplicate number (refusal; the form names it on the number field as well);
- the same contract, period and total as another invoice that was sent and not rejected (refusal);
- a total outside the contract's usual range: mean ± 2 standard deviations (the sample standard
  deviation) of its last 12 invoices submitted or later, judged once there are at least 3 (warning);
- the cumulative invoiced value (statuses ``COUNTED``, credit notes taking away) against the contract
  value: a warning from 90 %, a refusal past 100 % (a variation that raises the value lifts it);
- a typed price that differs from the rate card (a warning with the card's rate);
- a credit note corrects a submitted invoice of the same contract and takes no more than is left of it;
- anything in ``EXTRA_CHECKS`` (other parts register theirs: overlapping visits, for example).

Every figure comes from the invoice's own contract (the provider's and its commissioner's rows).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from sqlalchemy import func, select

from portal.contracts.models import Contract
from portal.extensions import db
from portal.invoicing import money
from portal.invoicing.models import COUNTED, CREDIT_NOTE, DRAFT, INVOICE, REJECTED, ContractVariation, Invoice

REFUSAL, WARNING = "refusal", "warning"
WARN_AT = Decimal("0.90")
ANOMALY_HISTORY = 12
ANOMALY_MINIMUM = 3

#: Checks other parts add: each takes the invoice and answers findings (dicts as above; a missing
#: severity is a warning). They run on real invoices only (on submit and on the approver's page).
EXTRA_CHECKS: list[Callable[[Invoice], list[dict]]] = []


def _finding(code: str, message: str, *, severity: str = WARNING, line: int | None = None) -> dict:
    return {"code": code, "message": message, "line": line, "severity": severity}


def _pounds(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def contract_value(contract: Contract) -> Decimal:
    """What the contract is worth over its whole term: the annual value × the contract's days / 365,
    plus every variation's ``value_change``; rounded to pence."""
    days = (contract.end_date - contract.start_date).days + 1
    varied = db.session.scalar(
        select(func.coalesce(func.sum(ContractVariation.value_change), 0))
        .where(ContractVariation.tenant_id == contract.tenant_id, ContractVariation.contract_id == contract.id))
    return money.pence(Decimal(contract.annual_value) * days / Decimal(365) + Decimal(varied))


def invoiced_value(contract: Contract, *, excluding: int | None = None) -> Decimal:
    """The contract's invoiced value so far: invoices submitted or later less their credit notes."""
    query = (select(Invoice.kind, func.coalesce(func.sum(Invoice.total), 0))
             .where(Invoice.tenant_id == contract.tenant_id, Invoice.contract_id == contract.id,
                    Invoice.status.in_(COUNTED)).group_by(Invoice.kind))
    if excluding is not None:
        query = query.where(Invoice.id != excluding)
    sums = dict(db.session.execute(query).all())
    return Decimal(sums.get(INVOICE, 0)) - Decimal(sums.get(CREDIT_NOTE, 0))


@dataclass(frozen=True)
class UsualRange:
    count: int
    mean: Decimal | None
    sd: Decimal | None

    @property
    def judged(self) -> bool:
        return self.count >= ANOMALY_MINIMUM and self.mean is not None

    @property
    def low(self) -> Decimal:
        return self.mean - 2 * self.sd

    @property
    def high(self) -> Decimal:
        return self.mean + 2 * self.sd


def usual_range(contract: Contract, *, excluding: int | None = None) -> UsualRange:
    """Mean and sample standard deviation of the totals of the contract's last 12 invoices
    submitted or later (by period, then submission), worked out in SQL."""
    last = (select(Invoice.total.label("total"))
            .where(Invoice.tenant_id == contract.tenant_id, Invoice.contract_id == contract.id,
                   Invoice.kind == INVOICE, Invoice.status.in_(COUNTED))
            .order_by(Invoice.period_start.desc(), Invoice.submitted_at.desc(), Invoice.id.desc())
            .limit(ANOMALY_HISTORY))
    if excluding is not None:
        last = last.where(Invoice.id != excluding)
    last = last.subquery()
    count, mean, sd = db.session.execute(
        select(func.count(), func.avg(last.c.total), func.stddev_samp(last.c.total))).one()
    return UsualRange(count, Decimal(mean) if mean is not None else None, Decimal(sd) if sd is not None else None)


@dataclass
class Candidate:
    """What the checks look at: a saved invoice, or one being typed (``id`` None)."""
    contract: Contract
    kind: str
    number: str
    period_start: object
    period_end: object
    total: Decimal
    lines: list
    id: int | None = None
    corrects: Invoice | None = None
    corrects_id: int | None = None
    invoice: Invoice | None = field(default=None, repr=False)

    @classmethod
    def of(cls, invoice: Invoice, corrects: Invoice | None = None) -> "Candidate":
        return cls(contract=invoice.contract, kind=invoice.kind, number=invoice.number,
                   period_start=invoice.period_start, period_end=invoice.period_end, total=invoice.total,
                   lines=list(invoice.lines), id=invoice.id, corrects=corrects, corrects_id=invoice.corrects_id,
                   invoice=invoice)

    @property
    def signed_total(self) -> Decimal:
        return -self.total if self.kind == CREDIT_NOTE else self.total


def _period(c: Candidate) -> list[dict]:
    contract = c.contract
    if c.period_start and c.period_end and contract.start_date <= c.period_start and c.period_end <= contract.end_date:
        return []
    return [_finding("period_outside_contract",
                     f"Change the period: it must lie within the contract, which runs from "
                     f"{contract.start_date:%-d %B %Y} to {contract.end_date:%-d %B %Y}", severity=REFUSAL)]


def _duplicate_number(c: Candidate) -> list[dict]:
    query = select(Invoice.id).where(Invoice.tenant_id == c.contract.tenant_id, Invoice.number == c.number)
    if c.id is not None:
        query = query.where(Invoice.id != c.id)
    if not c.number or db.session.scalar(query.limit(1)) is None:
        return []
    return [_finding("duplicate_number", f"Change the invoice number: you have already used {c.number}",
                     severity=REFUSAL)]


def _same_period_and_total(c: Candidate) -> list[dict]:
    query = (select(Invoice.number)
             .where(Invoice.tenant_id == c.contract.tenant_id, Invoice.contract_id == c.contract.id,
                    Invoice.kind == c.kind, Invoice.period_start == c.period_start,
                    Invoice.period_end == c.period_end, Invoice.total == c.total,
                    Invoice.status.not_in((DRAFT, REJECTED))))
    if c.id is not None:
        query = query.where(Invoice.id != c.id)
    other = db.session.scalar(query.order_by(Invoice.id).limit(1))
    if other is None:
        return []
    return [_finding("same_period_and_total",
                     f"Invoice {other} already charges {_pounds(c.total)} for this contract and period: "
                     "check this is not the same invoice sent twice; if it is different, change its period "
                     "or lines", severity=REFUSAL)]


def _anomaly(c: Candidate) -> list[dict]:
    if c.kind != INVOICE:
        return []
    usual = usual_range(c.contract, excluding=c.id)
    if not usual.judged or usual.low <= c.total <= usual.high:
        return []
    low, high = money.pence(max(usual.low, Decimal(0))), money.pence(usual.high)
    return [_finding("unusual_total",
                     f"The total {_pounds(c.total)} is outside this contract's usual range ({_pounds(low)} to "
                     f"{_pounds(high)}, from its last {usual.count} invoices): check the quantities and prices, "
                     "and say why in the note if it is right")]


def _ceiling(c: Candidate) -> list[dict]:
    if c.kind != INVOICE:
        return []
    value = contract_value(c.contract)
    after = invoiced_value(c.contract, excluding=c.id) + c.signed_total
    if value <= 0:
        return []
    share = after / value
    if after > value:
        return [_finding("over_contract_value",
                         f"This invoice takes the contract's invoiced value to {_pounds(after)}, past its value of "
                         f"{_pounds(value)}: reduce the invoice, or ask the commissioner for a variation that "
                         "raises the contract value", severity=REFUSAL)]
    if share >= WARN_AT:
        return [_finding("near_contract_value",
                         f"This invoice takes the contract's invoiced value to {_pounds(after)}, "
                         f"{share * 100:.0f}% of its value of {_pounds(value)}: check with the commissioner "
                         "before the contract value runs out")]
    return []


def _card_rates(c: Candidate) -> list[dict]:
    found = []
    for position, line in enumerate(c.lines, start=1):
        card = getattr(line, "card_rate", None)
        if card is not None:
            found.append(_finding(
                "price_differs_from_card",
                f"Line {position}: the price £{line.unit_price:,.4f} differs from the rate card's "
                f"£{card:,.4f}: leave the price empty to use the card, or say why in the note", line=position))
    return found


def left_to_credit(corrects: Invoice, *, excluding: int | None = None) -> Decimal:
    """What is left of an invoice to credit: its total less its other credit notes sent and not rejected."""
    query = select(func.coalesce(func.sum(Invoice.total), 0)).where(
        Invoice.tenant_id == corrects.tenant_id, Invoice.corrects_id == corrects.id, Invoice.kind == CREDIT_NOTE,
        Invoice.status.not_in((DRAFT, REJECTED)))
    if excluding is not None:
        query = query.where(Invoice.id != excluding)
    return corrects.total - Decimal(db.session.scalar(query))


def _credit_note(c: Candidate) -> list[dict]:
    if c.kind != CREDIT_NOTE:
        return []
    corrects = c.corrects
    if corrects is None and c.corrects_id is not None:
        corrects = db.session.scalar(select(Invoice).where(Invoice.id == c.corrects_id))
    if corrects is None or corrects.contract_id != c.contract.id or corrects.status not in COUNTED \
            or corrects.kind != INVOICE:
        return [_finding("credit_note_corrects", "Choose a submitted invoice of the same contract for this credit "
                                                 "note to correct", severity=REFUSAL)]
    left = left_to_credit(corrects, excluding=c.id)
    if c.total > left:
        return [_finding("credit_note_too_large",
                         f"Reduce the credit note to {_pounds(left)} or less: that is what is left of invoice "
                         f"{corrects.number} after its other credit notes", severity=REFUSAL)]
    return []


CHECKS = (_period, _duplicate_number, _same_period_and_total, _anomaly, _ceiling, _card_rates, _credit_note)


def run(candidate: Candidate) -> list[dict]:
    """Every finding about ``candidate``; refusals first."""
    findings = [finding for check in CHECKS for finding in check(candidate)]
    if candidate.invoice is not None:
        for extra in EXTRA_CHECKS:
            findings.extend({"line": None, "severity": WARNING, **finding} for finding in extra(candidate.invoice))
    return sorted(findings, key=lambda f: f["severity"] != REFUSAL)


def check_invoice(invoice: Invoice) -> list[dict]:
    return run(Candidate.of(invoice))


def refusals(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["severity"] == REFUSAL]


def warnings(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["severity"] != REFUSAL]
