"""GET /api/v1/dashboards/outcomes: the outcomes page as JSON, with the same filters."""
from __future__ import annotations

from flask import g, request

from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.outcomes import views
from portal.outcomes.schemas import OutcomeReportSchema

bp = ApiBlueprint("api_outcomes", __name__, description="Outcome dashboards")
FILTERS = ("framework", "from", "to", "provider", "service_type", "locality", "threshold")


@bp.org_route("/dashboards/outcomes")
@requires("view_dashboards")
@bp.alt_response(200, schema=OutcomeReportSchema, description="The figures", success=True)
@bp.doc(security=BEARER, parameters=[{"in": "query", "name": n, "schema": {"type": "string"}} for n in FILTERS])
def outcomes():
    """Outcome rates across providers, by provider, service type and locality, with benchmarks and trend;
    figures built on fewer than `threshold` people (default 5) are suppressed"""
    return views.report_json(request.args, g.organisation)
