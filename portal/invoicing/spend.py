"""A commissioner's money views, computed in PostgreSQL: spend against contract value per
provider and type of service, invoices awaiting approval, queried invoices and their age, days to
pay, and payment runs.

Five statements whatever the number of providers, contracts or invoices (spend, the approval
queue, days to pay, the runs, the settings). Spend counts approved, scheduled and paid invoices;
credit notes take away. A contract's value is its annual value × its days (start and end
included) / 365, rounded to pence, plus every variation's change of value.

Days to pay run from the first submission (its day in Europe/London) to the day paid; within
the target means within the commissioner's working days (Monday to Friday: public holidays are
not taken off here), within 30 days is the statutory limit. Credit notes are not counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Integer, Numeric, case, cast, func, literal, select, text, tuple_, type_coerce

from portal.contracts.models import SERVICE_TYPES, Contract
from portal.extensions import db
from portal.invoicing.models import (APPROVED, CREDIT_NOTE, PAID, QUERIED, SCHEDULED, STATUTORY_DAYS, SUBMITTED,
                                     ContractVariation, Invoice)
from portal.invoicing.payment_runs import RUN_STATUS_LABELS, list_runs
from portal.invoicing.queries import settings_of
from portal.reporting.periods import london_today, month_start, months_back
from portal.tenants.models import Organisation

PENNY = Decimal("0.01")
TIMEZONE = "Europe/London"
WARN_AT = Decimal("90")  # % of the contract's value: the invoices' ceiling warns here


def signed_total_sql():
    return case((Invoice.kind == CREDIT_NOTE, -Invoice.total), else_=Invoice.total)


def variations_subquery():
    return (select(ContractVariation.tenant_id, ContractVariation.contract_id,
                   func.sum(ContractVariation.value_change).label("change"))
            .group_by(ContractVariation.tenant_id, ContractVariation.contract_id).subquery("variation_sums"))


def contract_value_sql(variations):
    """``portal.invoicing.checks.contract_value`` in SQL, over Contract and ``variations_subquery()``."""
    days = type_coerce(Contract.end_date - Contract.start_date, Integer) + 1
    return (func.round(cast(Contract.annual_value, Numeric) * days / 365, 2)
            + func.coalesce(variations.c.change, 0))


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(PENNY)


def _pct(part, whole) -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class SpendRow:
    dimension: str  # "provider", "service_type" or "all"
    key: str
    name: str
    contracts: int
    value: Decimal
    approved: Decimal
    paid: Decimal

    @property
    def spent(self) -> Decimal:
        return self.approved + self.paid

    @property
    def pct(self) -> Decimal | None:
        return _pct(self.spent, self.value)

    @property
    def remaining(self) -> Decimal:
        return self.value - self.spent


@dataclass
class QueueItem:
    invoice_id: int
    number: str
    kind: str
    status: str
    provider: str
    total: Decimal
    first_submitted: date | None
    age_days: int | None


@dataclass
class PayMonth:
    month: date | None  # None: all months
    invoices: int
    median: Decimal | None
    mean: Decimal | None
    within_target: int
    within_30: int

    @property
    def pct_target(self) -> Decimal | None:
        return _pct(self.within_target, self.invoices)

    @property
    def pct_30(self) -> Decimal | None:
        return _pct(self.within_30, self.invoices)


@dataclass
class SpendReport:
    providers: list[SpendRow]
    service_types: list[SpendRow]
    overall: SpendRow | None
    awaiting: list[QueueItem]
    queried: list[QueueItem]
    months: list[PayMonth]
    all_months: PayMonth | None
    runs: list
    target_days: int
    today: date
    run_labels: dict = field(default_factory=lambda: dict(RUN_STATUS_LABELS))

    @property
    def awaiting_total(self) -> Decimal:
        return sum((q.total for q in self.awaiting), Decimal("0.00"))


def spend_rows() -> tuple[list[SpendRow], list[SpendRow], SpendRow | None]:
    """Spend against value per provider, per type of service and overall (one statement)."""
    signed = signed_total_sql()
    invoiced = (select(Invoice.tenant_id, Invoice.contract_id,
                       func.sum(case((Invoice.status == PAID, signed), else_=0)).label("paid"),
                       func.sum(case((Invoice.status.in_((APPROVED, SCHEDULED)), signed), else_=0)).label("approved"))
                .where(Invoice.status.in_((APPROVED, SCHEDULED, PAID)))
                .group_by(Invoice.tenant_id, Invoice.contract_id).subquery("invoiced"))
    variations = variations_subquery()
    value = contract_value_sql(variations)
    rows = db.session.execute(
        select(func.grouping(Organisation.id).label("no_provider"), func.grouping(Contract.service_type)
               .label("no_service"), Organisation.id, Organisation.name, Contract.service_type,
               func.count(Contract.id).label("contracts"), func.sum(value).label("value"),
               func.coalesce(func.sum(invoiced.c.approved), 0).label("approved"),
               func.coalesce(func.sum(invoiced.c.paid), 0).label("paid"))
        .select_from(Contract)
        .join(Organisation, Organisation.id == Contract.tenant_id)
        .outerjoin(invoiced, (invoiced.c.contract_id == Contract.id) & (invoiced.c.tenant_id == Contract.tenant_id))
        .outerjoin(variations, (variations.c.contract_id == Contract.id)
                   & (variations.c.tenant_id == Contract.tenant_id))
        .group_by(func.grouping_sets(tuple_(Organisation.id, Organisation.name), tuple_(Contract.service_type),
                                     tuple_()))
        .order_by(Organisation.name, Contract.service_type)).all()
    providers, services, overall = [], [], None
    for row in rows:
        if not row.no_provider:
            providers.append(SpendRow("provider", str(row.id), row.name, row.contracts, _money(row.value),
                                      _money(row.approved), _money(row.paid)))
        elif not row.no_service:
            services.append(SpendRow("service_type", row.service_type, SERVICE_TYPES.get(row.service_type, ""),
                                     row.contracts, _money(row.value), _money(row.approved), _money(row.paid)))
        else:
            overall = SpendRow("all", "", "All contracts", row.contracts, _money(row.value), _money(row.approved),
                               _money(row.paid))
    return providers, services, overall


def queue(today: date) -> tuple[list[QueueItem], list[QueueItem]]:
    """Invoices awaiting approval and queried invoices, oldest first, with their age (one statement)."""
    first_day = cast(func.timezone(TIMEZONE, Invoice.first_submitted_at), Date)
    rows = db.session.execute(
        select(Invoice.id, Invoice.number, Invoice.kind, Invoice.status, Invoice.total, first_day.label("first_day"),
               (literal(today, Date) - first_day).label("age"), Organisation.name)
        .join(Organisation, Organisation.id == Invoice.tenant_id)
        .where(Invoice.status.in_((SUBMITTED, QUERIED)))
        .order_by(Invoice.first_submitted_at, Invoice.id)).all()
    items = [QueueItem(row.id, row.number, row.kind, row.status, row.name,
                       -row.total if row.kind == CREDIT_NOTE else row.total, row.first_day, row.age) for row in rows]
    return [i for i in items if i.status == SUBMITTED], [i for i in items if i.status == QUERIED]


DAYS_TO_PAY = """
WITH paid AS (
    SELECT i.paid_on,
           i.paid_on - (i.first_submitted_at AT TIME ZONE :tz)::date AS days,
           (SELECT count(*) FROM generate_series((i.first_submitted_at AT TIME ZONE :tz)::date + 1, i.paid_on,
                                                 interval '1 day') AS d
             WHERE extract(isodow FROM d) < 6) AS working_days
    FROM invoices i
    WHERE i.commissioner_id = :org AND i.status = 'paid' AND i.kind = 'invoice'
      AND i.first_submitted_at IS NOT NULL AND i.paid_on >= :since
)
SELECT GROUPING(date_trunc('month', paid_on)) AS overall, date_trunc('month', paid_on)::date AS month,
       count(*) AS invoices,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median, avg(days) AS mean,
       count(*) FILTER (WHERE working_days <= :target) AS within_target,
       count(*) FILTER (WHERE days <= :statutory) AS within_30
FROM paid
GROUP BY GROUPING SETS ((date_trunc('month', paid_on)), ())
ORDER BY 1 DESC, 2
"""


def days_to_pay(commissioner_id: int, target: int, today: date, months: int = 12) -> tuple[list[PayMonth], PayMonth]:
    """Days from first submission to payment, per month paid (the last ``months``) and overall (one
    statement; row-level security limits it to the commissioner's invoices, which it also names)."""
    since = months_back(month_start(today), months - 1)
    rows = db.session.execute(text(DAYS_TO_PAY), {"tz": TIMEZONE, "org": commissioner_id, "since": since,
                                                  "target": target, "statutory": STATUTORY_DAYS}).all()

    def one(row) -> PayMonth:
        return PayMonth(None if row.overall else row.month, row.invoices,
                        None if row.median is None else Decimal(str(row.median)).quantize(Decimal("0.1")),
                        None if row.mean is None else Decimal(row.mean).quantize(Decimal("0.1")),
                        row.within_target, row.within_30)

    overall = next((one(r) for r in rows if r.overall), PayMonth(None, 0, None, None, 0, 0))
    return [one(r) for r in rows if not r.overall], overall


def spend_report(commissioner_id: int, today: date | None = None) -> SpendReport:
    today = today or london_today()
    providers, services, overall = spend_rows()
    awaiting, queried = queue(today)
    target = settings_of(commissioner_id).target_working_days
    months, all_months = days_to_pay(commissioner_id, target, today)
    return SpendReport(providers=providers, service_types=services, overall=overall, awaiting=awaiting,
                       queried=queried, months=months, all_months=all_months, runs=list_runs(), target_days=target,
                       today=today)


# -- exports -----------------------------------------------------------------------------------------

SPEND_HEADER = ["Grouped by", "Name", "Contracts", "Contract value", "Approved (not yet paid)", "Paid", "Spent",
                "Spent (%)", "Remaining"]


def spend_export_rows(report: SpendReport) -> list[list]:
    rows = []
    for label, group in (("Provider", report.providers), ("Type of service", report.service_types)):
        for r in group:
            rows.append([label, r.name, r.contracts, r.value, r.approved, r.paid, r.spent, r.pct, r.remaining])
    if report.overall:
        r = report.overall
        rows.append(["All", r.name, r.contracts, r.value, r.approved, r.paid, r.spent, r.pct, r.remaining])
    return rows


def spend_json(report: SpendReport) -> dict:
    def row(r: SpendRow) -> dict:
        return {"name": r.name, "key": r.key, "contracts": r.contracts, "value": str(r.value),
                "approved": str(r.approved), "paid": str(r.paid), "spent": str(r.spent),
                "pct": None if r.pct is None else str(r.pct), "remaining": str(r.remaining)}

    def month(m: PayMonth) -> dict:
        return {"month": m.month.strftime("%Y-%m") if m.month else None, "invoices": m.invoices,
                "median_days": None if m.median is None else str(m.median),
                "mean_days": None if m.mean is None else str(m.mean),
                "pct_within_target": None if m.pct_target is None else str(m.pct_target),
                "pct_within_30_days": None if m.pct_30 is None else str(m.pct_30)}

    def item(q: QueueItem) -> dict:
        return {"invoice_id": q.invoice_id, "number": q.number, "kind": q.kind, "provider": q.provider,
                "total": str(q.total), "first_submitted": q.first_submitted.isoformat() if q.first_submitted else None,
                "age_days": q.age_days}

    return {"by_provider": [row(r) for r in report.providers],
            "by_service_type": [row(r) for r in report.service_types],
            "overall": row(report.overall) if report.overall else None,
            "awaiting_approval": [item(q) for q in report.awaiting], "queried": [item(q) for q in report.queried],
            "days_to_pay": {"target_working_days": report.target_days, "months": [month(m) for m in report.months],
                            "overall": month(report.all_months) if report.all_months else None},
            "payment_runs": [{"id": r.id, "reference": r.reference, "status": r.status, "total": str(r.total),
                              "due_by": r.due_by.isoformat(), "paid_on": r.paid_on.isoformat() if r.paid_on else None}
                             for r in report.runs]}


def spend_chart(report: SpendReport):
    """Each provider's spend as a percentage of its contracts' value, with 90 % and 100 % marked."""
    from portal.reporting import charts
    from portal.reporting.charts import Dot, Reference

    rows = [Dot(r.name, r.pct, note="over the contract value" if (r.pct or 0) > 100 else "",
                colour=charts.RED if (r.pct or 0) > 100 else charts.BLUE) if r.pct is not None
            else Dot(r.name, None, note="No contract value") for r in report.providers]
    refs = [Reference(WARN_AT, "90% of the contract value (dashed line)"),
            Reference(100, "100% (solid line)", dash=None, colour=charts.MUTED)]
    label = ("Dot chart: each provider's approved and paid invoices as a percentage of its contracts' value; "
             "the same numbers are in the table after the chart")
    return charts.responsive(lambda width: charts.dot_plot(rows, label=label, refs=refs, width=width))
