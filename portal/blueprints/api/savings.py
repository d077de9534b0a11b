"""Savings targets with their figures (commissioners)."""
from __future__ import annotations

from flask import request

from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.savings import reports
from portal.savings.schemas import TargetFiguresSchema

bp = ApiBlueprint("api_savings", __name__, description="Savings targets and their figures")


@bp.org_route("/savings")
@requires("view_savings")
@bp.response(200, TargetFiguresSchema(many=True))
@bp.doc(security=BEARER)
def savings():
    """The targets of a financial year (``?year=2025`` for April 2025 to March 2026; this year by default)
    with baseline, target, paid spend, realised saving, quarters and a collaborative's shares"""
    return reports.index_context(request.args.get("year"))["rows"]
