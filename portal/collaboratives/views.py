"""A collaborative's pooled figures as the page and its export show them."""
from __future__ import annotations

import csv
import io
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from portal.collaboratives.models import Collaborative
from portal.collaboratives.services import pooled_outcomes
from portal.contracts.models import OutcomeFramework
from portal.extensions import db
from portal.outcomes.queries import DEFAULT_THRESHOLD


def pooled_view(collaborative: Collaborative, args) -> dict:
    """The last twelve months of pooled figures on a national framework (NHWO unless chosen)."""
    frameworks = list(db.session.scalars(select(OutcomeFramework.code).where(OutcomeFramework.owner_id.is_(None))
                                         .order_by(OutcomeFramework.code)))
    framework = args.get("framework") if args.get("framework") in frameworks else "NHWO"
    today = date.today().replace(day=1)
    period_from = today - relativedelta(months=11)
    rows = pooled_outcomes(collaborative, framework_code=framework, period_from=period_from, period_to=today,
                           threshold=DEFAULT_THRESHOLD)
    names = {m.organisation_id: m.organisation.name for m in collaborative.members}
    return dict(collaborative=collaborative, rows=rows, names=names, framework=framework, frameworks=frameworks,
                threshold=DEFAULT_THRESHOLD, period_from=period_from, period_to=today)


def rate(row) -> str:
    if row.suppressed:
        return "suppressed"
    return f"{row.achieved / row.reviewed * 100:.1f}" if row.reviewed else ""


def export_csv(data: dict) -> tuple[str, str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Outcome", "Commissioner", "Rate %"])
    for row in data["rows"]:
        writer.writerow([row.outcome, "All members" if row.pooled else data["names"].get(row.tenant_id, ""),
                         rate(row)])
    return buffer.getvalue(), "collaborative-outcomes.csv"
