"""Compliance and delivery aggregates, computed in PostgreSQL.

Every statement is an ORM select run through the session, so the tenant layers apply to it:
the ORM adds the commissioner's criteria to Contract, ReturnSchedule, Return and ReturnVersion
(its own contracts, never a draft; the session's listener scopes subqueries too) and
row-level security enforces the same in the database. Each report is a fixed number of
statements (compliance two, delivery one, the filter choices one), whatever the number of
providers or months.

A commissioner cannot see drafts, so a period is *missing* when its due date has passed and no
return for it is visible; the periods come from each contract's schedule (generate_series over
the contract's dates), not from the returns table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, DateTime, Numeric, and_, case, cast, func, literal, select, true, tuple_, type_coerce

from portal.contracts.models import DELIVERY_UNITS, SERVICE_TYPES, Contract, ReturnSchedule
from portal.dashboards.filters import Filters, london_today
from portal.extensions import db
from portal.returns.lateness import return_late_sql
from portal.returns.models import CHANGES_REQUESTED, Return, ReturnVersion
from portal.tenants.models import Organisation

ON_TIME, LATE, CHANGES, MISSING, NOT_YET_DUE = "on_time", "late", "changes_requested", "missing", "not_yet_due"
STATES = (ON_TIME, LATE, CHANGES, MISSING, NOT_YET_DUE)
STATE_LABELS = {ON_TIME: "On time", LATE: "Late", CHANGES: "Changes requested", MISSING: "Missing",
                NOT_YET_DUE: "Not yet due"}
UNITS_CONTRACTED, UNITS_DELIVERED = "DEL.UNITS_CONTRACTED", "DEL.UNITS_DELIVERED"
NUMBER_PATTERN = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"


# -- shared pieces -------------------------------------------------------------------------------

def _contract_conditions(filters: Filters) -> list:
    """The contracts a report covers: running in the range and matching the filters."""
    conditions = [Contract.start_date <= filters.range_end, Contract.end_date >= filters.month_from]
    if filters.provider:
        conditions.append(Contract.tenant_id == select(Organisation.id).where(Organisation.slug == filters.provider)
                          .scalar_subquery())
    if filters.contract_id is not None:
        conditions.append(Contract.id == filters.contract_id)
    if filters.service_type:
        conditions.append(Contract.service_type == filters.service_type)
    if filters.locality:
        conditions.append(Contract.locality == filters.locality)
    return conditions


def _percent(part, whole):
    """``part`` as a percentage of ``whole``, to one decimal place; NULL when ``whole`` is 0."""
    return func.round(cast(part, Numeric) * 100 / func.nullif(whole, 0), 1)


def _periods(filters: Filters):
    """Every scheduled period of the covered contracts that starts in the range (a subquery)."""
    step_months = case((ReturnSchedule.frequency == "quarterly", 3), (ReturnSchedule.frequency == "annual", 12),
                       else_=1)
    step = func.make_interval(0, step_months)
    series = (func.generate_series(cast(Contract.start_date, DateTime), cast(Contract.end_date, DateTime), step)
              .table_valued("value", name="period").render_derived().lateral())
    period_start = cast(series.c.value, Date)
    period_end = func.least(cast(series.c.value + step - func.make_interval(0, 0, 0, 1), Date), Contract.end_date)
    return (select(Contract.tenant_id.label("provider_id"), Contract.id.label("contract_id"),
                   period_start.label("period_start"), period_end.label("period_end"),
                   type_coerce(period_end + ReturnSchedule.due_days, Date).label("due_date"))
            .select_from(Contract)
            .join(ReturnSchedule, and_(ReturnSchedule.contract_id == Contract.id,
                                       ReturnSchedule.tenant_id == Contract.tenant_id))
            .join(series, true())
            .where(*_contract_conditions(filters),
                   period_start >= filters.month_from, period_start <= filters.range_end)
            .subquery("periods"))


def _cells(filters: Filters, today: date):
    """Each period with its compliance state (a subquery): one row per contract period."""
    periods = _periods(filters)
    state = case(
        (Return.id.is_(None), case((periods.c.due_date < today, literal(MISSING)), else_=literal(NOT_YET_DUE))),
        (Return.status == CHANGES_REQUESTED, literal(CHANGES)),
        (return_late_sql(Return), literal(LATE)),  # the one lateness rule (portal.returns.lateness)
        else_=literal(ON_TIME))
    # The ORM puts the commissioner's criteria for Return (never a draft) in this ON clause,
    # so a period whose return is a draft stays in the report with no return: missing.
    return (select(periods.c.provider_id, periods.c.contract_id, periods.c.period_start, periods.c.due_date,
                   cast(func.date_trunc("month", periods.c.period_start), Date).label("month"),
                   state.label("state"))
            .select_from(periods)
            .outerjoin(Return, and_(Return.contract_id == periods.c.contract_id,
                                    Return.tenant_id == periods.c.provider_id,
                                    Return.period_start == periods.c.period_start))
            .subquery("cells"))


# -- compliance ----------------------------------------------------------------------------------

@dataclass
class StateCounts:
    on_time: int = 0
    late: int = 0
    changes_requested: int = 0
    missing: int = 0
    not_yet_due: int = 0
    total: int = 0
    due: int = 0
    pct_on_time: Decimal | None = None
    pct_late: Decimal | None = None
    pct_changes_requested: Decimal | None = None
    pct_missing: Decimal | None = None

    def count(self, state: str) -> int:
        return getattr(self, state)

    def pct(self, state: str) -> Decimal | None:
        return getattr(self, f"pct_{state}", None)


@dataclass
class ProviderCompliance:
    provider_id: int
    slug: str
    name: str
    counts: StateCounts
    cells: dict[date, dict[str, int]] = field(default_factory=dict)


@dataclass
class ComplianceReport:
    filters: Filters
    today: date
    months: list[date]
    providers: list[ProviderCompliance]
    overall: StateCounts
    by_month: dict[date, dict[str, int]]


def _count_columns(cells):
    columns = [func.count().filter(cells.c.state == state).label(state) for state in STATES]
    total = func.count()
    due = func.count().filter(cells.c.state != NOT_YET_DUE)
    columns += [total.label("total"), due.label("due")]
    columns += [_percent(func.count().filter(cells.c.state == state), due).label(f"pct_{state}")
                for state in (ON_TIME, LATE, CHANGES, MISSING)]
    return columns


def compliance(filters: Filters, today: date | None = None) -> ComplianceReport:
    """Providers × months of on time / late / changes requested / missing / not yet due.

    Two statements: the counts per provider and month (with per-month totals) through GROUPING
    SETS, and each provider's totals and percentages with the overall row through ROLLUP.
    """
    today = today or london_today()
    cells = _cells(filters, today)
    grid = db.session.execute((
        select(cells.c.provider_id, cells.c.month, cells.c.state, func.count().label("n"),
               func.grouping(cells.c.provider_id).label("all_providers"))
        .group_by(func.grouping_sets(
            tuple_(cells.c.provider_id, cells.c.month, cells.c.state), tuple_(cells.c.month, cells.c.state))))
    ).all()
    summary = db.session.execute((
        select(cells.c.provider_id, Organisation.slug, Organisation.name, func.grouping(cells.c.provider_id).label("overall"),
               *_count_columns(cells))
        .select_from(cells).join(Organisation, Organisation.id == cells.c.provider_id)
        .group_by(func.rollup(tuple_(cells.c.provider_id, Organisation.slug, Organisation.name)))
        .order_by(func.grouping(cells.c.provider_id), Organisation.name, cells.c.provider_id))
    ).all()

    def counts(row) -> StateCounts:
        return StateCounts(**{name: getattr(row, name) for name in StateCounts.__dataclass_fields__})

    providers: dict[int, ProviderCompliance] = {}
    overall = StateCounts()
    for row in summary:
        if row.overall:
            overall = counts(row)
        else:
            providers[row.provider_id] = ProviderCompliance(row.provider_id, row.slug, row.name, counts(row))
    by_month: dict[date, dict[str, int]] = {}
    for row in grid:
        target = by_month if row.all_providers else providers[row.provider_id].cells
        target.setdefault(row.month, {})[row.state] = row.n
    return ComplianceReport(filters=filters, today=today, months=filters.months(),
                            providers=list(providers.values()), overall=overall, by_month=by_month)


# -- delivery ------------------------------------------------------------------------------------

@dataclass
class ContractDelivery:
    contract_id: int | None
    reference: str
    title: str
    provider_slug: str
    provider: str
    service_type: str
    locality: str
    unit: str
    returns: int
    contracted: Decimal | None
    delivered: Decimal | None
    pct: Decimal | None
    under: bool

    @property
    def service_type_label(self) -> str:
        return SERVICE_TYPES.get(self.service_type, "")

    @property
    def unit_label(self) -> str:
        return DELIVERY_UNITS.get(self.unit, self.unit).lower()


@dataclass
class ServiceTotal:
    """The contracts of one type of service that count the same unit, added up. Each contract
    says what it counts (hours, visits, sessions, nights...), so figures are only ever added
    within one type of service and one unit: never hours to nights, nor care at home to
    residential care."""

    service_type: str
    unit: str
    contracts: int
    returns: int
    contracted: Decimal | None
    delivered: Decimal | None
    pct: Decimal | None
    under: bool

    @property
    def service_type_label(self) -> str:
        return SERVICE_TYPES.get(self.service_type, self.service_type)

    @property
    def unit_label(self) -> str:
        return DELIVERY_UNITS.get(self.unit, self.unit).lower()


@dataclass
class DeliveryReport:
    filters: Filters
    contracts: list[ContractDelivery]
    totals: list[ServiceTotal] = field(default_factory=list)

    @property
    def below(self) -> list[ContractDelivery]:
        """The contracts that delivered less than the threshold."""
        return [c for c in self.contracts if c.under]

    @property
    def returns(self) -> int:
        return sum(c.returns for c in self.contracts)


def _number(version, code: str):
    """An answer from a version's JSONB as NUMERIC, or NULL where it is not a plain number."""
    raw = version.answers[code].astext
    return case((raw.regexp_match(NUMBER_PATTERN), cast(raw, Numeric)), else_=None)


def delivery(filters: Filters) -> DeliveryReport:
    """What was delivered against what was contracted, per contract and per type of service and unit, over
    the range.

    Sums the latest submitted version of each return whose period starts in the range (a LATERAL
    subquery reads it by the versions' unique index, newest first, one row per return: never a sort
    of every version of every return; once, in a materialised CTE), with a subtotal per type of service and unit through
    GROUPING SETS (never one total across services or units): one statement.
    """
    version = (select(_number(ReturnVersion, UNITS_CONTRACTED).label("contracted"),
                      _number(ReturnVersion, UNITS_DELIVERED).label("delivered"))
               .where(ReturnVersion.tenant_id == Return.tenant_id, ReturnVersion.return_id == Return.id)
               .order_by(ReturnVersion.number.desc()).limit(1)
               .lateral("version"))
    # MATERIALIZED: read once. Under row-level security PostgreSQL cannot tell how many contracts
    # the report covers (it took 1 for 136 at scale 10) and chose to read these returns again for
    # each contract: 1.5 s instead of 15 ms (make bench).
    latest = (select(Return.contract_id, Return.tenant_id, version.c.contracted, version.c.delivered)
              .select_from(Return).join(version, true())
              .where(Return.period_start >= filters.month_from, Return.period_start <= filters.range_end)
              .cte("latest").prefix_with("MATERIALIZED"))
    contracted = func.sum(latest.c.contracted)
    delivered = func.sum(latest.c.delivered)
    pct = _percent(delivered, contracted)
    group = func.grouping(Contract.id)
    rows = db.session.execute(
        select(Contract.id, Contract.reference, Contract.title, Organisation.slug, Organisation.name,
               Contract.service_type, Contract.locality, Contract.delivery_unit, group.label("subtotal"),
               func.count(func.distinct(Contract.id)).label("contracts"),
               func.count(latest.c.contract_id).label("returns"), contracted.label("contracted"),
               delivered.label("delivered"), pct.label("pct"),
               func.coalesce(pct < filters.threshold, False).label("under"))
        .select_from(Contract)
        .join(Organisation, Organisation.id == Contract.tenant_id)
        .outerjoin(latest, and_(latest.c.contract_id == Contract.id, latest.c.tenant_id == Contract.tenant_id))
        .where(*_contract_conditions(filters))
        .group_by(func.grouping_sets(
            tuple_(Contract.id, Contract.reference, Contract.title, Organisation.slug, Organisation.name,
                   Contract.service_type, Contract.locality, Contract.delivery_unit),
            tuple_(Contract.service_type, Contract.delivery_unit)))
        .order_by(group, Organisation.name, Contract.reference, Contract.service_type, Contract.delivery_unit)
    ).all()
    contracts, totals = [], []
    for row in rows:
        if row.subtotal:
            totals.append(ServiceTotal(
                service_type=row.service_type, unit=row.delivery_unit, contracts=row.contracts, returns=row.returns,
                contracted=row.contracted, delivered=row.delivered, pct=row.pct, under=bool(row.under)))
        else:
            contracts.append(ContractDelivery(
                contract_id=row.id, reference=row.reference or "", title=row.title or "",
                provider_slug=row.slug or "", provider=row.name or "", service_type=row.service_type or "",
                locality=row.locality or "", unit=row.delivery_unit, returns=row.returns, contracted=row.contracted,
                delivered=row.delivered, pct=row.pct, under=bool(row.under)))
    totals.sort(key=lambda t: (list(SERVICE_TYPES).index(t.service_type), list(DELIVERY_UNITS).index(t.unit)))
    return DeliveryReport(filters=filters, contracts=contracts, totals=totals)


# -- filter choices ------------------------------------------------------------------------------

@dataclass
class Choices:
    providers: list[tuple[str, str]]
    contracts: list[tuple[int, str]]
    localities: list[str]
    service_types: list[tuple[str, str]]


def filter_choices() -> Choices:
    """The options of the filter form, from the commissioner's contracts (one statement)."""
    rows = db.session.execute(
        select(Contract.id, Contract.reference, Contract.title, Organisation.slug, Contract.locality,
               Contract.service_type, Organisation.name)
        .join(Organisation, Organisation.id == Contract.tenant_id)
        .order_by(Contract.reference)).all()
    providers = sorted({(r.slug, r.name) for r in rows}, key=lambda p: (p[1].lower(), p[0]))
    used = {r.service_type for r in rows}
    return Choices(providers=providers, contracts=[(r.id, f"{r.reference}: {r.title}") for r in rows],
                   localities=sorted({r.locality for r in rows if r.locality}),
                   service_types=[(key, label) for key, label in SERVICE_TYPES.items() if key in used])


__all__ = ["STATES", "STATE_LABELS", "compliance", "delivery", "filter_choices"]
