"""Adjustments for a backdated rate change.

When a rate starts in the past, every invoice already sent (submitted, queried, approved, in a
payment run or paid; never a draft or a rejected one; invoices only: a credit note's lines are
not re-priced) whose lines were priced from the rate card on days the new rate covers gets a
draft adjustment for the provider to check and submit: an invoice when the new rate is higher, a
credit note when it is lower (both with source "adjustment" and ``corrects_id`` the invoice
adjusted, numbered "<original>-ADJ1", "-ADJ2"...; the provider may change the number).

One adjustment line per part of an adjusted line: the line's quantity is spread evenly over the
days it covers (as when it was priced: the days of its day type when it has one), the quantity on
the days whose rate changed is that share (to 4 decimals), and the line's price is the difference
between the new and the old rate. The old rate of a day is the rate the card gave that day just
before the change, so a second change adjusts from the first one's rate, never twice.

The drafts are the provider's rows: they are made as the provider (a commissioner cannot write
a provider's draft), then the provider's finance people are told by email.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from sqlalchemy import select

from portal.accounts.models import User
from portal.contracts.models import Contract
from portal.extensions import db
from portal.invoicing import rates as rate_days
from portal.invoicing.models import (COUNTED, CREDIT_NOTE, DAY_TYPES, INVOICE, ContractRate, Invoice, InvoiceLine)
from portal.invoicing.money import QUANTITY_PLACES
from portal.tenants.context import tenant_context

LATEST = date(9999, 12, 31)


def snapshot(card) -> list[SimpleNamespace]:
    """The card's rates as plain values (they outlive the change made to the rows)."""
    return [SimpleNamespace(unit=r.unit, service_type=r.service_type or "", day_type=r.day_type, rate=Decimal(r.rate),
                            effective_from=r.effective_from, effective_to=r.effective_to) for r in card]


@dataclass
class Change:
    """One adjustment line: part of an invoice line whose rate changed."""
    line: InvoiceLine
    old: Decimal
    new: Decimal
    days: list[date]
    quantity: Decimal

    @property
    def difference(self) -> Decimal:
        return abs(self.new - self.old)


def line_days(line: InvoiceLine, invoice: Invoice, region: str) -> list[date]:
    """The days a line covers, as its quantity was spread over them when it was priced."""
    start, end = line.line_start or invoice.period_start, line.line_end or invoice.period_end
    return [d for d in rate_days.days(start, end) if not line.day_type or rate_days.day_type(d, region) == line.day_type]


def changes_of(invoice: Invoice, contract: Contract, before, after, new_rate: ContractRate) -> list[Change]:
    """The parts of the invoice's card-priced lines whose rate on some day differs between the
    card ``before`` the change and ``after`` it."""
    region = contract.holiday_region
    covers_to = new_rate.effective_to or LATEST
    found: list[Change] = []
    for line in invoice.lines:
        if line.price_source != "card" or line.unit != new_rate.unit:
            continue
        covered = line_days(line, invoice, region)
        if not covered:
            continue
        service = line.service_type or contract.service_type
        groups: OrderedDict[tuple[Decimal, Decimal], list[date]] = OrderedDict()
        for day in covered:
            if not new_rate.effective_from <= day <= covers_to:
                continue
            kind = line.day_type or rate_days.day_type(day, region)
            old = rate_days.rate_on(before, day, line.unit, service, kind)
            new = rate_days.rate_on(after, day, line.unit, service, kind)
            if old is None or new is None or Decimal(old.rate) == Decimal(new.rate):
                continue
            groups.setdefault((Decimal(old.rate), Decimal(new.rate)), []).append(day)
        for (old, new), group in groups.items():
            share = (line.quantity * len(group) / len(covered)).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
            if share > 0:
                found.append(Change(line, old, new, group, share))
    return found


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _qty(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


def _workings(change: Change, invoice: Invoice, new_rate: ContractRate) -> str:
    line = change.line
    kind = DAY_TYPES[new_rate.day_type].lower()
    sign = "−" if change.new < change.old else "+"
    return (f"{_qty(change.quantity)} {line.unit}s on {len(change.days)} of the {line.unit}s' days "
            f"({_day(change.days[0])} to {_day(change.days[-1])}) of line {line.position} of invoice "
            f"{invoice.number} ({_qty(line.quantity)} {line.unit}s) × (£{change.new:,.4f} − £{change.old:,.4f} "
            f"= {sign}£{change.difference:,.4f}): the rate card's {kind} rate changed from £{change.old:,.4f} to "
            f"£{change.new:,.4f} from {_day(new_rate.effective_from)}")


def next_number(invoice: Invoice) -> str:
    taken = set(db.session.scalars(select(Invoice.number).where(Invoice.tenant_id == invoice.tenant_id,
                                                                Invoice.number.like(f"{invoice.number[:50]}-ADJ%"))))
    n = 1
    while f"{invoice.number[:50]}-ADJ{n}" in taken:
        n += 1
    return f"{invoice.number[:50]}-ADJ{n}"


def affected_invoices(contract: Contract, start: date, end: date | None) -> list[Invoice]:
    query = (select(Invoice).where(Invoice.tenant_id == contract.tenant_id, Invoice.contract_id == contract.id,
                                   Invoice.kind == INVOICE, Invoice.status.in_(COUNTED), Invoice.period_end >= start)
             .order_by(Invoice.period_start, Invoice.id))
    if end is not None:
        query = query.where(Invoice.period_start <= end)
    return list(db.session.scalars(query))


def adjust_invoice(invoice: Invoice, contract: Contract, changes: list[Change], new_rate: ContractRate,
                   actor: User | None) -> list[Invoice]:
    """The draft adjustment invoice (rises) and credit note (falls) of one invoice."""
    from portal.invoicing.services import create_invoice

    made = []
    for kind, wanted in ((INVOICE, [c for c in changes if c.new > c.old]),
                         (CREDIT_NOTE, [c for c in changes if c.new < c.old])):
        if not wanted:
            continue
        lines = [{"description": f"Rate change from {_day(new_rate.effective_from)}: {c.line.description}"[:300],
                  "quantity": c.quantity, "unit": c.line.unit, "unit_price": c.difference,
                  "vat_category": c.line.vat_category, "vat_rate": c.line.vat_rate,
                  "line_start": c.days[0], "line_end": c.days[-1], "service_type": c.line.service_type,
                  "workings": _workings(c, invoice, new_rate)} for c in wanted]
        adjustment = create_invoice(
            contract, number=next_number(invoice), period_start=invoice.period_start, period_end=invoice.period_end,
            buyer_reference=invoice.buyer_reference, lines=lines, actor=actor, kind=kind, corrects=invoice,
            note=(f"Adjusts invoice {invoice.number} for the rate change from {_day(new_rate.effective_from)}: "
                  "check it and submit it"), source="adjustment")
        for line in adjustment.lines:  # a difference of rates, not a price typed against the card
            line.price_source, line.card_rate = "adjustment", None
        db.session.flush()
        made.append(adjustment)
    return made


def make_adjustments(contract: Contract, *, old_rates, new_rate: ContractRate, actor: User | None) -> list[Invoice]:
    """Every adjustment a new rate (already on the card) makes, as the provider; tells the
    provider by email when there are any. ``old_rates`` is the card before the change
    (``snapshot``)."""
    with tenant_context(contract.tenant_id):
        after = snapshot(db.session.scalars(select(ContractRate).where(
            ContractRate.tenant_id == contract.tenant_id, ContractRate.contract_id == contract.id)))
        made: list[Invoice] = []
        for invoice in affected_invoices(contract, new_rate.effective_from, new_rate.effective_to):
            changes = changes_of(invoice, contract, old_rates, after, new_rate)
            if changes:
                made += adjust_invoice(invoice, contract, changes, new_rate, actor)
        if made:
            _tell_provider(contract, made, new_rate)
    return made


def _tell_provider(contract: Contract, made: list[Invoice], new_rate: ContractRate) -> None:
    from portal.notifications.services import send_email
    from portal.tenants.models import PROVIDER, Membership, Organisation
    from portal.tenants.permissions import role_can
    from portal.urls import external_url

    provider = db.session.get(Organisation, contract.tenant_id)
    roles = [role for role in ("provider_admin", "submitter", "finance") if role_can(PROVIDER, role, "raise_invoices")]
    people = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                .where(Membership.role.in_(roles), User.is_active_account))
    link = external_url("rate_cards.show", slug=provider.slug, contract_id=contract.id)
    for user in people:
        send_email(user.email, f"Adjustments to check and submit: {contract.reference}"[:200], "rate_adjustments",
                   user=user, contract=contract, made=made, rate=new_rate, link=link,
                   starts=_day(new_rate.effective_from))
