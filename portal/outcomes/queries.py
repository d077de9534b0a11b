"""Outcome aggregates, computed in SQL over the latest submitted version of each return.

Every query runs as the app role, so row-level security limits it to the commissioner's own
contracts (drafts are invisible); each also names the commissioner explicitly. The number of
queries does not depend on the number of providers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import text

from portal.extensions import db
from portal.reporting.latest import LATEST_ANSWERS
from portal.reporting.suppression import effective_threshold
from portal.returns.models import COUNTED

#: Quartiles of fewer providers' rates say little and come close to naming them: no benchmark then.
BENCHMARK_PROVIDERS = 4

# The latest submitted version of every visible return in range, one row per outcome.
FACTS = f"""
WITH latest AS (
    SELECT lv.answers, r.period_start, c.tenant_id AS provider_id, c.service_type, c.locality, c.framework_id
    FROM contracts c
    JOIN returns r ON r.tenant_id = c.tenant_id AND r.contract_id = c.id
    {LATEST_ANSWERS}
    WHERE c.commissioner_id = :org AND c.framework_id = :framework
      AND r.status = ANY(:counted)
      AND r.period_start BETWEEN :period_from AND :period_to
      AND (CAST(:provider AS bigint) IS NULL OR c.tenant_id = :provider)
      AND (CAST(:service_type AS text) IS NULL OR c.service_type = :service_type)
      AND (CAST(:locality AS text) IS NULL OR c.locality = :locality)
), facts AS MATERIALIZED (
    -- materialised: the figures are read out of the answers here, and only they go on to be grouped
    SELECT o.code AS outcome, o.position, l.provider_id, l.service_type, l.locality, l.period_start,
           NULLIF(l.answers ->> (o.code || '.REVIEWED'), '')::numeric AS reviewed,
           NULLIF(l.answers ->> (o.code || '.ACHIEVED'), '')::numeric AS achieved
    FROM latest l
    JOIN outcomes o ON o.framework_id = l.framework_id AND (CAST(:outcome AS text) IS NULL OR o.code = :outcome)
)
"""

# The one-figure rule of portal.reporting.suppression.is_small, in SQL.
SUPPRESS = """
CASE WHEN sum(reviewed) < :threshold
       OR (sum(achieved) > 0 AND sum(achieved) < :threshold)
       OR (sum(reviewed) - sum(achieved) > 0 AND sum(reviewed) - sum(achieved) < :threshold)
     THEN true ELSE false END
"""

# Grouped totals, benchmarks and the trend in one statement over the facts read once: each
# row says which it is (``part``), and only that part's columns are filled.
SUMMARIES = FACTS + f"""
, grouped AS (
    SELECT outcome, min(position) AS position,
           CASE WHEN GROUPING(provider_id) = 0 THEN 'provider'
                WHEN GROUPING(service_type) = 0 THEN 'service_type'
                WHEN GROUPING(locality) = 0 THEN 'locality' ELSE 'all' END AS dimension,
           provider_id, service_type, locality,
           sum(reviewed) AS reviewed, sum(achieved) AS achieved, count(*) AS returns, {SUPPRESS} AS suppressed
    FROM facts
    GROUP BY GROUPING SETS ((outcome), (outcome, provider_id), (outcome, service_type), (outcome, locality))
), per_provider AS (
    SELECT outcome, provider_id, sum(achieved) / NULLIF(sum(reviewed), 0) AS rate, {SUPPRESS} AS suppressed
    FROM facts GROUP BY outcome, provider_id
), benchmarks AS (
    SELECT outcome,
           percentile_cont(0.25) WITHIN GROUP (ORDER BY rate) AS q1,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY rate) AS median,
           percentile_cont(0.75) WITHIN GROUP (ORDER BY rate) AS q3,
           count(*) AS providers
    FROM per_provider WHERE NOT suppressed AND rate IS NOT NULL
    GROUP BY outcome
    HAVING count(*) >= :benchmark_providers
), trend AS (
    SELECT outcome, min(position) AS position, period_start, sum(reviewed) AS reviewed, sum(achieved) AS achieved,
           {SUPPRESS} AS suppressed
    FROM facts GROUP BY outcome, period_start
)
SELECT 1 AS part, outcome, position, dimension, provider_id, service_type, locality, NULL::date AS period_start,
       reviewed, achieved, returns, suppressed,
       NULL::float8 AS q1, NULL::float8 AS median, NULL::float8 AS q3, NULL::bigint AS providers
FROM grouped
UNION ALL
SELECT 2, outcome, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, q1, median, q3, providers
FROM benchmarks
UNION ALL
SELECT 3, outcome, position, NULL, NULL, NULL, NULL, period_start, reviewed, achieved, 0, suppressed,
       NULL, NULL, NULL, NULL
FROM trend
ORDER BY part, position, dimension, provider_id, service_type, locality, period_start
"""


MEASURES = FACTS + """
SELECT m.code, min(m.label) AS label, m.type, min(m.position) AS position,
       {overall} AS overall, {provider} AS provider_id,
       sum(x.value) AS total, avg(x.value) AS mean, count(x.value) AS answered,
       (m.type = 'integer' AND sum(x.value) > 0 AND sum(x.value) < :threshold) AS suppressed
FROM latest l
JOIN measures m ON m.framework_id = l.framework_id AND m.type IN ('integer', 'decimal', 'percentage')
                AND m.code NOT IN ('DEL.UNITS_CONTRACTED', 'DEL.UNITS_DELIVERED')
CROSS JOIN LATERAL (SELECT NULLIF(l.answers ->> m.code, '')::numeric AS value) x
GROUP BY {groups}
ORDER BY min(m.position), overall DESC, provider_id
"""


def _measures(overall: str, provider: str, groups: str) -> str:
    # replace, not format: the answers' join holds a literal '{}'
    return MEASURES.replace("{overall}", overall).replace("{provider}", provider).replace("{groups}", groups)


MEASURES_BY_PROVIDER = _measures("GROUPING(l.provider_id) = 1", "l.provider_id",
                                 "GROUPING SETS ((m.code, m.type), (m.code, m.type, l.provider_id))")
MEASURES_OVERALL = _measures("true", "NULL::bigint", "m.code, m.type")


@dataclass
class OutcomeFilters:
    framework_id: int
    period_from: date
    period_to: date
    provider_id: int | None = None
    service_type: str | None = None
    locality: str | None = None
    threshold: int | None = None  # raised to the configured floor (SUPPRESSION_THRESHOLD) if lower
    outcome: str | None = None  # one outcome's code: its figures alone (its own page)

    def params(self, org_id: int) -> dict:
        return {"org": org_id, "framework": self.framework_id, "period_from": self.period_from,
                "period_to": self.period_to, "provider": self.provider_id, "service_type": self.service_type,
                "locality": self.locality, "threshold": effective_threshold(self.threshold),
                "counted": list(COUNTED), "benchmark_providers": BENCHMARK_PROVIDERS, "outcome": self.outcome}


@dataclass
class Cell:
    reviewed: Decimal | None
    achieved: Decimal | None
    suppressed: bool
    returns: int = 0

    @property
    def rate(self) -> Decimal | None:
        if self.suppressed or not self.reviewed:
            return None
        return (Decimal(self.achieved or 0) * 100 / Decimal(self.reviewed)).quantize(Decimal("0.1"))


@dataclass
class OutcomeSummary:
    outcome: str
    overall: Cell | None = None
    providers: dict = field(default_factory=dict)
    service_types: dict = field(default_factory=dict)
    localities: dict = field(default_factory=dict)
    benchmark: dict | None = None
    trend: list = field(default_factory=list)


def _cell(row) -> Cell:
    hidden = bool(row.suppressed)
    return Cell(reviewed=None if hidden else row.reviewed, achieved=None if hidden else row.achieved,
                suppressed=hidden, returns=getattr(row, "returns", 0))


def outcome_summaries(filters: OutcomeFilters, org_id: int) -> list[OutcomeSummary]:
    """One statement whatever the number of providers: grouped totals, benchmarks (quartiles of
    the providers' rates, only where at least BENCHMARK_PROVIDERS providers have a figure shown)
    and the trend, in that order."""
    summaries: dict[str, OutcomeSummary] = {}
    for row in db.session.execute(text(SUMMARIES), filters.params(org_id)):
        if row.part == 1:
            summary = summaries.setdefault(row.outcome, OutcomeSummary(outcome=row.outcome))
            cell = _cell(row)
            if row.dimension == "all":
                summary.overall = cell
            elif row.dimension == "provider":
                summary.providers[row.provider_id] = cell
            elif row.dimension == "service_type":
                summary.service_types[row.service_type] = cell
            else:
                summary.localities[row.locality] = cell
        elif row.outcome not in summaries:
            continue
        elif row.part == 2:
            summaries[row.outcome].benchmark = {
                "q1": _pct(row.q1), "median": _pct(row.median), "q3": _pct(row.q3), "providers": row.providers}
        else:
            summaries[row.outcome].trend.append((row.period_start, _cell(row)))
    return list(summaries.values())


def measure_totals(filters: "OutcomeFilters", org_id: int, *, by_provider: bool = True) -> list:
    """Every numeric measure across providers and (``by_provider``) per provider: totals (means
    for percentages), whole-number counts below the threshold suppressed. One query whatever the
    number of providers. What was contracted and delivered is left out: contracts count different
    units, and the delivery dashboard adds them up only within a type of service and a unit."""
    sql = MEASURES_BY_PROVIDER if by_provider else MEASURES_OVERALL
    return list(db.session.execute(text(sql), filters.params(org_id)))


def _pct(value) -> Decimal | None:
    return None if value is None else (Decimal(str(value)) * 100).quantize(Decimal("0.1"))
