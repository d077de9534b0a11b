"""The collaborative view: the members' pooled outcome rates for the last twelve months, on the
page and as CSV and Excel (the same rows, every cell guarded by portal.reporting.exports)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Response
from sqlalchemy import select

from portal.collaboratives import services
from portal.collaboratives.models import ACTIVE, Collaborative
from portal.contracts.models import OutcomeFramework
from portal.extensions import db
from portal.reporting.exports import csv_text, download, table_xlsx
from portal.reporting.periods import london_today, month_start, months_back
from portal.reporting.suppression import threshold_field, threshold_floor
from portal.tenants.models import Organisation

DEFAULT_FRAMEWORK = "NHWO"
HEADINGS = ["Outcome", "Commissioner", "Rate %"]


@dataclass
class PooledReport:
    collaborative: Collaborative
    framework: str
    frameworks: list[str]
    period_from: date
    period_to: date
    threshold: int
    threshold_floor: int
    names: dict[int, str]
    rows: list[services.PooledRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def name(self, row: services.PooledRow) -> str:
        return "All members" if row.pooled else self.names.get(row.tenant_id, "")


def pooled_report(organisation: Organisation, collaborative_id: int, args) -> PooledReport | None:
    """The view for an active member, from the address's ``framework`` and ``threshold``;
    None when the organisation is not an active member (the page answers 404)."""
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
    period_to = month_start(london_today())
    report = PooledReport(collaborative=collaborative, framework=framework, frameworks=frameworks,
                          period_from=months_back(period_to, 11), period_to=period_to, threshold=threshold,
                          threshold_floor=threshold_floor(),
                          names={m.organisation_id: m.organisation.name for m in collaborative.members})
    if problem:
        report.errors["threshold"] = problem
        return report
    report.rows = services.pooled_outcomes(collaborative, framework_code=framework, period_from=report.period_from,
                                           period_to=period_to, threshold=threshold)
    return report


def rows(report: PooledReport) -> list[list]:
    return [[row.outcome, report.name(row), "suppressed" if row.suppressed else row.rate] for row in report.rows]


def about(report: PooledReport) -> list[list]:
    return [["Collaborative", report.collaborative.name], ["Framework", report.framework],
            ["From", f"{report.period_from:%B %Y}"], ["To", f"{report.period_to:%B %Y}"],
            ["Figures built on fewer people than this are suppressed", report.threshold]]


def export(report: PooledReport, file_format: str) -> Response:
    """The view's rows as a CSV or Excel download."""
    if file_format == "csv":
        return download(csv_text(HEADINGS, rows(report)), "collaborative-outcomes.csv")
    return download(table_xlsx("Pooled outcomes", HEADINGS, rows(report), about=about(report), widths={2: 30}),
                    "collaborative-outcomes.xlsx")
