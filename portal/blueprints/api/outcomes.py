"""GET /api/v1/dashboards/outcomes: the outcomes page as JSON, with the same filters."""
from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint, abort

from portal.blueprints.api import BEARER
from portal.blueprints.api.returns import guarded
from portal.outcomes import views
from portal.tenants.models import COMMISSIONER

bp = Blueprint("api_outcomes", __name__, url_prefix="/api/v1", description="Outcome dashboards")


def _cell(cell) -> dict | None:
    if cell is None:
        return None
    if cell.suppressed:
        return {"suppressed": True, "reviewed": None, "achieved": None, "rate": None}
    return {"suppressed": False, "reviewed": int(cell.reviewed or 0), "achieved": int(cell.achieved or 0),
            "rate": None if cell.rate is None else str(cell.rate)}


def _outcomes(slug: str | None):
    if g.organisation.kind != COMMISSIONER:
        abort(403, message="Outcome dashboards are for commissioners")
    filters, errors, choices = views.filters_from(request.args, g.organisation)
    if errors:
        abort(422, message="; ".join(errors.values()), errors=errors)
    data = views.report(filters, g.organisation)
    slugs = {pid: slug for pid, _name, slug in choices["providers"]}
    return {
        "framework": data["framework"].code, "period_from": filters.period_from.isoformat(),
        "period_to": filters.period_to.isoformat(), "threshold": filters.threshold,
        "outcomes": [{
            "outcome": s.outcome, "text": data["texts"].get(s.outcome, ""), "overall": _cell(s.overall),
            "benchmark": None if not s.benchmark else {k: (str(v) if v is not None and k != "providers" else v)
                                                       for k, v in s.benchmark.items()},
            "providers": [{"slug": slugs.get(pid), "name": data["names"].get(pid), **_cell(c)}
                          for pid, c in s.providers.items()],
            "service_types": [{"service_type": k, **_cell(c)} for k, c in s.service_types.items()],
            "localities": [{"locality": k, **_cell(c)} for k, c in s.localities.items()],
            "trend": [{"period_start": p.isoformat(), **_cell(c)} for p, c in s.trend],
        } for s in data["summaries"]],
        "measures": [{"code": m.code, "type": m.type, "provider": None if m.overall else slugs.get(m.provider_id),
                      "figure": views.measure_figure(m) or None,
                      "figure_is": "mean" if m.type == "percentage" else "total"} for m in data["measures"]],
    }


@bp.route("/dashboards/outcomes", methods=["GET"])
@guarded
@bp.doc(security=BEARER, parameters=[{"in": "query", "name": n, "schema": {"type": "string"}} for n in (
    "framework", "from", "to", "provider", "service_type", "locality", "threshold")])
def outcomes():
    """Outcome rates across providers, by provider, service type and locality, with benchmarks and trend;
    figures built on fewer than `threshold` people (default 5) are suppressed"""
    return _outcomes(None)


@bp.route("/orgs/<slug>/dashboards/outcomes", methods=["GET"])
@guarded
@bp.doc(security=BEARER)
def org_outcomes(slug):
    """The same, for the commissioner named in the address"""
    return _outcomes(slug)
