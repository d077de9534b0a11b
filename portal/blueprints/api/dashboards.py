"""GET /api/v1/dashboards/compliance and /delivery: the pages' figures as JSON, with the same filters."""
from __future__ import annotations

from portal.dashboards import queries
from portal.dashboards.schemas import (ComplianceSchema, DashboardArgsSchema, DeliverySchema, compliance_json,
                                       delivery_json)
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint

bp = ApiBlueprint("api_dashboards", __name__, description="Compliance and delivery dashboards")


@bp.org_route("/dashboards/compliance")
@requires("view_dashboards")
@bp.arguments(DashboardArgsSchema, location="query")
@bp.response(200, ComplianceSchema)
@bp.doc(security=BEARER)
def compliance(filters):
    """Providers × months of on time, late, changes requested, missing and not yet due, with counts and
    percentages per provider and overall"""
    return compliance_json(queries.compliance(filters))


@bp.org_route("/dashboards/delivery")
@requires("view_dashboards")
@bp.arguments(DashboardArgsSchema, location="query")
@bp.response(200, DeliverySchema)
@bp.doc(security=BEARER)
def delivery(filters):
    """What was delivered against what was contracted, per contract (in its unit) and per type of service and
    unit, flagging under-delivery below `threshold`"""
    return delivery_json(queries.delivery(filters))
