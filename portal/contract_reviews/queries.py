"""Contracts due to end within a window, with what a review needs side by side, in SQL.

At most five statements whatever the number of contracts: the contracts with their value and
what was invoiced against it; what was delivered against what was contracted (the delivery
dashboard's own query, portal.dashboards.queries.delivery, over the contracts' dates); returns
on time and accepted; outcomes achieved; the decisions already recorded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, case, func, select, text

from portal.contract_reviews.models import WINDOWS, ContractReview
from portal.contracts.models import Contract
from portal.dashboards.filters import Filters
from portal.dashboards.queries import delivery
from portal.extensions import db
from portal.invoicing.models import COUNTED as INVOICE_COUNTED
from portal.invoicing.models import Invoice
from portal.invoicing.spend import contract_value_sql, signed_total_sql, variations_subquery
from portal.reporting.periods import london_today, month_start
from portal.returns.models import ACCEPTED, COUNTED, Return
from portal.tenants.models import Organisation

DEFAULT_WINDOW = 6


def _pct(part, whole) -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class ReviewRow:
    contract: Contract
    provider: str
    value: Decimal
    invoiced: Decimal
    contracted: Decimal | None = None
    delivered: Decimal | None = None
    returns_due: int = 0
    on_time: int = 0
    accepted: int = 0
    reviewed: Decimal | None = None
    achieved: Decimal | None = None
    decisions: list[ContractReview] = field(default_factory=list)

    @property
    def invoiced_pct(self) -> Decimal | None:
        return _pct(self.invoiced, self.value)

    @property
    def delivered_pct(self) -> Decimal | None:
        return _pct(self.delivered, self.contracted)

    @property
    def on_time_pct(self) -> Decimal | None:
        return _pct(self.on_time, self.returns_due)

    @property
    def accepted_pct(self) -> Decimal | None:
        return _pct(self.accepted, self.returns_due)

    @property
    def achieved_pct(self) -> Decimal | None:
        return _pct(self.achieved, self.reviewed)

    @property
    def latest(self) -> ContractReview | None:
        return self.decisions[-1] if self.decisions else None


def read_window(value) -> tuple[int, str | None]:
    text_value = str(value if value is not None else "").strip()
    if not text_value:
        return DEFAULT_WINDOW, None
    if text_value.isdigit() and int(text_value) in WINDOWS:
        return int(text_value), None
    return DEFAULT_WINDOW, "Choose 3, 6 or 12 months"


OUTCOMES = """
WITH latest AS (
    SELECT DISTINCT ON (v.tenant_id, v.return_id) v.answers, r.contract_id, r.tenant_id
    FROM return_versions v
    JOIN returns r ON r.tenant_id = v.tenant_id AND r.id = v.return_id
    WHERE r.commissioner_id = :org AND r.contract_id = ANY(:contracts) AND r.status = ANY(:counted)
    ORDER BY v.tenant_id, v.return_id, v.number DESC
)
SELECT l.contract_id, l.tenant_id,
       sum(CASE WHEN a.key LIKE '%.REVIEWED' THEN a.value::numeric END) AS reviewed,
       sum(CASE WHEN a.key LIKE '%.ACHIEVED' THEN a.value::numeric END) AS achieved
FROM latest l, jsonb_each_text(l.answers) a
WHERE (a.key LIKE '%.REVIEWED' OR a.key LIKE '%.ACHIEVED') AND a.value ~ '^\\s*[0-9]+(\\.[0-9]+)?\\s*$'
GROUP BY l.contract_id, l.tenant_id
"""


def due_for_review(commissioner_id: int, within: int, today: date | None = None, *,
                   contract_id: int | None = None) -> list[ReviewRow]:
    """The commissioner's contracts ending from today to ``within`` months on, soonest first (or
    the one contract ``contract_id``, whenever it ends)."""
    today = today or london_today()
    until = today + relativedelta(months=within)
    chosen = ([Contract.id == contract_id] if contract_id is not None
              else [Contract.end_date >= today, Contract.end_date <= until])
    variations = variations_subquery()
    invoiced = (select(Invoice.tenant_id, Invoice.contract_id, func.sum(signed_total_sql()).label("invoiced"))
                .where(Invoice.status.in_(INVOICE_COUNTED))
                .group_by(Invoice.tenant_id, Invoice.contract_id).subquery("invoiced"))
    rows = db.session.execute(
        select(Contract, Organisation.name, contract_value_sql(variations).label("value"),
               func.coalesce(invoiced.c.invoiced, 0).label("invoiced"))
        .join(Organisation, Organisation.id == Contract.tenant_id)
        .outerjoin(variations, and_(variations.c.contract_id == Contract.id,
                                    variations.c.tenant_id == Contract.tenant_id))
        .outerjoin(invoiced, and_(invoiced.c.contract_id == Contract.id, invoiced.c.tenant_id == Contract.tenant_id))
        .where(Contract.commissioner_id == commissioner_id, *chosen)
        .order_by(Contract.end_date, Contract.reference)).unique().all()
    found = {(row[0].tenant_id, row[0].id): ReviewRow(contract=row[0], provider=row.name, value=row.value,
                                                      invoiced=Decimal(row.invoiced).quantize(Decimal("0.01")))
             for row in rows}
    if not found:
        return []
    ids = [r.contract.id for r in found.values()]
    first = month_start(min(r.contract.start_date for r in found.values()))
    last = month_start(max(r.contract.end_date for r in found.values()))
    by_id = {r.contract.id: r for r in found.values()}
    for figures in delivery(Filters(month_from=first, month_to=last)).contracts:
        row = by_id.get(figures.contract_id)
        if row is not None:
            row.contracted, row.delivered = figures.contracted, figures.delivered
    for r in db.session.execute(
            select(Return.tenant_id, Return.contract_id,
                   func.count().filter(Return.due_date < today).label("due"),
                   func.count().filter(and_(Return.status.in_(COUNTED), Return.submitted_late.is_(False)))
                   .label("on_time"),
                   func.count().filter(Return.status == ACCEPTED).label("accepted_returns"))
            .where(Return.contract_id.in_(ids)).group_by(Return.tenant_id, Return.contract_id)).all():
        row = found.get((r.tenant_id, r.contract_id))
        if row is not None:
            row.returns_due, row.on_time, row.accepted = r.due, r.on_time, r.accepted_returns
    for r in db.session.execute(text(OUTCOMES), {"org": commissioner_id, "contracts": ids,
                                                 "counted": list(COUNTED)}).all():
        row = found.get((r.tenant_id, r.contract_id))
        if row is not None:
            row.reviewed, row.achieved = r.reviewed, r.achieved
    for review in db.session.scalars(select(ContractReview).where(ContractReview.contract_id.in_(ids))
                                     .order_by(ContractReview.decided_at, ContractReview.id)).unique():
        row = found.get((review.tenant_id, review.contract_id))
        if row is not None:
            row.decisions.append(review)
    return list(found.values())


def reviews_of(contract: Contract) -> list[ContractReview]:
    return list(db.session.scalars(select(ContractReview).where(ContractReview.contract_id == contract.id,
                                                                ContractReview.tenant_id == contract.tenant_id)
                                   .order_by(ContractReview.decided_at, ContractReview.id)).unique())


def review_of(contract: Contract, commissioner_id: int, today: date | None = None) -> ReviewRow | None:
    """One contract's review figures (the same statements, for its page)."""
    rows = due_for_review(commissioner_id, 0, today, contract_id=contract.id)
    return rows[0] if rows else None


def review_json(row: ReviewRow) -> dict:
    def s(v):
        return None if v is None else str(v)

    c = row.contract
    return {"contract_id": c.id, "reference": c.reference, "title": c.title, "provider": row.provider,
            "service_type": c.service_type, "start_date": c.start_date.isoformat(), "end_date": c.end_date.isoformat(),
            "value": s(row.value), "invoiced": s(row.invoiced), "invoiced_pct": s(row.invoiced_pct),
            "contracted": s(row.contracted), "delivered": s(row.delivered), "delivered_pct": s(row.delivered_pct),
            "delivery_unit": c.delivery_unit, "returns_due": row.returns_due, "returns_on_time": row.on_time,
            "returns_accepted": row.accepted, "on_time_pct": s(row.on_time_pct), "accepted_pct": s(row.accepted_pct),
            "outcomes_reviewed": s(row.reviewed), "outcomes_achieved": s(row.achieved),
            "outcomes_achieved_pct": s(row.achieved_pct),
            "decisions": [decision_json(d) for d in row.decisions]}


def decision_json(d: ContractReview) -> dict:
    return {"id": d.id, "contract_id": d.contract_id, "decision": d.decision, "reason": d.reason,
            "previous_end_date": d.previous_end_date.isoformat(),
            "new_end_date": d.new_end_date.isoformat() if d.new_end_date else None,
            "variation_id": d.variation_id, "decided_at": d.decided_at.isoformat(),
            "decided_by": d.decided_by.email if d.decided_by else None}
