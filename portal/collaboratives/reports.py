"""The collaborative view: the members' pooled outcome figures for one financial year, on the
page (with a chart) and as CSV and Excel (the same rows, every cell guarded by
portal.reporting.exports).

The period is a whole financial year chosen from a list, never a free range of months: two
overlapping ranges (January to June, and January to May) shown side by side would let a member
subtract one from the other and work out another member's figure for one month, which the
suppression rule hides. Financial years do not overlap, so no view is the difference of two
others, except the year in progress, which grows a month at a time: pooled_outcomes checks its
months one by one (portal.reporting.suppression). Counts are shown exactly where the rate is: a
suppressed figure shows no number at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from flask import Response
from markupsafe import Markup
from sqlalchemy import select

from portal.collaboratives import services
from portal.collaboratives.models import ACTIVE, Collaborative
from portal.contracts.models import Outcome, OutcomeFramework
from portal.extensions import db
from portal.outcomes.views import outcome_name
from portal.reporting import charts
from portal.reporting.charts import Dot
from portal.reporting.exports import csv_text, download, table_xlsx
from portal.reporting.periods import financial_year_label, london_today, recent_financial_years
from portal.reporting.suppression import threshold_field, threshold_floor
from portal.tenants.models import Organisation

DEFAULT_FRAMEWORK = "NHWO"
YEARS_OFFERED = 5
HEADINGS = ["Outcome", "Outcome wording", "Commissioner", "People reviewed", "People achieving", "Rate %"]


@dataclass
class PooledReport:
    collaborative: Collaborative
    viewer_id: int
    framework: str
    frameworks: list[str]
    year: date  # the first day of the financial year
    years: list[date]
    threshold: int
    threshold_floor: int
    names: dict[int, str]
    outcome_texts: dict[str, str] = field(default_factory=dict)
    outcome_names: dict[str, str] = field(default_factory=dict)
    rows: list[services.PooledRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def period_from(self) -> date:
        return self.year

    @property
    def period_to(self) -> date:
        """The first day of the year's last month."""
        return self.year + relativedelta(months=11)

    @property
    def year_choices(self) -> list[tuple[date, str]]:
        return [(y, financial_year_label(y)) for y in self.years]

    @property
    def year_label(self) -> str:
        return financial_year_label(self.year)

    def name(self, row: services.PooledRow) -> str:
        return "All members" if row.pooled else self.names.get(row.tenant_id, "")

    def outcomes(self) -> list[tuple[str, list[services.PooledRow]]]:
        """The rows grouped by outcome: the pooled row first, then each member's."""
        grouped: dict[str, list] = {}
        for row in self.rows:
            grouped.setdefault(row.outcome, []).append(row)
        return list(grouped.items())


def pooled_report(organisation: Organisation, collaborative_id: int, args) -> PooledReport | None:
    """The view for an active member, from the address's ``framework``, ``year`` and
    ``threshold``; None when the organisation is not an active member (the page answers 404)."""
    member = services.membership(organisation, collaborative_id)
    if member is None or member.status != ACTIVE:
        return None
    collaborative = member.collaborative
    frameworks = list(db.session.scalars(select(OutcomeFramework.code).where(OutcomeFramework.owner_id.is_(None))
                                         .order_by(OutcomeFramework.code)))
    requested = args.get("framework")
    framework = requested if requested in frameworks else (
        DEFAULT_FRAMEWORK if DEFAULT_FRAMEWORK in frameworks or not frameworks else frameworks[0])
    threshold, problem = threshold_field(args.get("threshold"))
    years = recent_financial_years(london_today(), YEARS_OFFERED)
    report = PooledReport(collaborative=collaborative, viewer_id=organisation.id, framework=framework,
                          frameworks=frameworks, year=years[0], years=years, threshold=threshold,
                          threshold_floor=threshold_floor(),
                          names={m.organisation_id: m.organisation.name for m in collaborative.members})
    if requested and requested not in frameworks:
        report.errors["framework"] = "Choose a framework from the list"
    chosen = (args.get("year") or "").strip()
    if chosen:
        match = next((y for y in years if str(y.year) == chosen), None)
        if match is None:
            report.errors["year"] = "Choose a year from the list"
        else:
            report.year = match
    if problem:
        report.errors["threshold"] = problem
    if report.errors:
        return report
    outcomes = db.session.execute(select(Outcome.code, Outcome.text, Outcome.short_name)
                                  .join(OutcomeFramework, OutcomeFramework.id == Outcome.framework_id)
                                  .where(OutcomeFramework.code == framework, OutcomeFramework.owner_id.is_(None)))
    for outcome in outcomes:
        report.outcome_texts[outcome.code] = outcome.text
        report.outcome_names[outcome.code] = outcome_name(outcome)
    report.rows = services.pooled_outcomes(collaborative, framework_code=framework, period_from=report.period_from,
                                           period_to=report.period_to, threshold=threshold)
    return report


def chart(report: PooledReport) -> Markup:
    """The pooled rate of each outcome, and the viewer's own rate beside it, on a fitted scale."""
    rows = []
    for outcome, group in report.outcomes():
        pooled = group[0]
        own = next((r for r in group if r.tenant_id == report.viewer_id), None)
        label = f"{outcome}: {report.outcome_names.get(outcome, '')}"
        mine = "" if own is None else " (yours suppressed)" if own.suppressed else \
            f" (yours {own.rate}%)" if own.rate is not None else ""
        if pooled.suppressed:
            rows.append(Dot(label, None, note="All members: suppressed" + mine))
        elif pooled.rate is None:
            rows.append(Dot(label, None, note="No one reviewed"))
        else:
            rows.append(Dot(label, pooled.rate, note=mine.strip()))
    text = (f"Dot chart: the members' pooled rate for each outcome of {report.framework}, "
            f"{report.year_label}, with your own rate in brackets; the same numbers are in the table after the chart")
    return charts.responsive(lambda width: charts.dot_plot(rows, label=text, floor=0, ceiling=100, width=width))


def _figure(row: services.PooledRow, value):
    return "suppressed" if row.suppressed else value


def rows(report: PooledReport) -> list[list]:
    return [[row.outcome, report.outcome_names.get(row.outcome, ""), report.name(row),
             _figure(row, None if row.reviewed is None else int(row.reviewed)),
             _figure(row, None if row.achieved is None else int(row.achieved)), _figure(row, row.rate)]
            for row in report.rows]


def about(report: PooledReport) -> list[list]:
    return [["Collaborative", report.collaborative.name], ["Framework", report.framework],
            ["Financial year", report.year_label], ["From", f"{report.period_from:%B %Y}"],
            ["To", f"{report.period_to:%B %Y}"],
            ["Figures built on fewer people than this are suppressed", report.threshold]]


def export(report: PooledReport, file_format: str) -> Response:
    """The view's rows as a CSV or Excel download."""
    name = f"collaborative-outcomes-{report.year:%Y}-{report.year.year + 1}"
    if file_format == "csv":
        return download(csv_text(HEADINGS, rows(report)), f"{name}.csv")
    return download(table_xlsx("Pooled outcomes", HEADINGS, rows(report), about=about(report),
                               widths={2: 40, 3: 30}), f"{name}.xlsx")
