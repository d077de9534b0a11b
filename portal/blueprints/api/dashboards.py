"""GET /api/v1/dashboards/compliance and /delivery: the pages' figures as JSON, with the same filters.

Also under /api/v1/orgs/<slug>/dashboards/... for a user in several organisations.
"""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint, abort

from portal.blueprints.api import BEARER
from portal.blueprints.api.returns import guarded
from portal.dashboards import queries
from portal.dashboards.schemas import (ComplianceSchema, DashboardArgsSchema, DeliverySchema, compliance_json,
                                       delivery_json)
from portal.tenants.models import COMMISSIONER

bp = Blueprint("api_dashboards", __name__, url_prefix="/api/v1", description="Compliance and delivery dashboards")


def _commissioner() -> None:
    """Like the pages: an organisation that is not a commissioner has no dashboards."""
    if g.organisation.kind != COMMISSIONER:
        abort(404, message="Dashboards are for commissioners")


@bp.route("/dashboards/compliance", methods=["GET"])
@guarded
@bp.arguments(DashboardArgsSchema, location="query")
@bp.response(200, ComplianceSchema)
@bp.doc(security=BEARER)
def compliance(filters):
    """Providers × months of on time, late, changes requested, missing and not yet due, with counts and
    percentages per provider and overall"""
    _commissioner()
    return compliance_json(queries.compliance(filters))


@bp.route("/orgs/<slug>/dashboards/compliance", methods=["GET"])
@guarded
@bp.arguments(DashboardArgsSchema, location="query")
@bp.response(200, ComplianceSchema)
@bp.doc(security=BEARER)
def org_compliance(filters, slug):
    """The compliance figures of the commissioner named in the address"""
    _commissioner()
    return compliance_json(queries.compliance(filters))


@bp.route("/dashboards/delivery", methods=["GET"])
@guarded
@bp.arguments(DashboardArgsSchema, location="query")
@bp.response(200, DeliverySchema)
@bp.doc(security=BEARER)
def delivery(filters):
    """Hours or units delivered against contracted per contract, flagging under-delivery below `threshold`"""
    _commissioner()
    return delivery_json(queries.delivery(filters))


@bp.route("/orgs/<slug>/dashboards/delivery", methods=["GET"])
@guarded
@bp.arguments(DashboardArgsSchema, location="query")
@bp.response(200, DeliverySchema)
@bp.doc(security=BEARER)
def org_delivery(filters, slug):
    """The delivery figures of the commissioner named in the address"""
    _commissioner()
    return delivery_json(queries.delivery(filters))
