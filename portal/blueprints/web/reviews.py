"""The commissioner's review queue across all its providers."""
from __future__ import annotations

from flask import abort, g, request
from flask_login import current_user

from portal.http.organisation import tenant_blueprint
from portal.contracts.models import SERVICE_TYPES
from portal.returns.models import STATUS_LABELS
from portal.returns.review_queue import filter_choices, queue_filters_from, review_queue
from portal.tenants.models import COMMISSIONER
from portal.http.pages import render

bp = tenant_blueprint("reviews", __name__, "/reviews")


@bp.get("/")
def index():
    if g.organisation.kind != COMMISSIONER:
        abort(404)
    filters, errors = queue_filters_from(request.args)
    return render("reviews/index.html", returns=review_queue(filters, me=current_user), filters=filters,
                  choices=filter_choices(), errors=errors, args=request.args, statuses=STATUS_LABELS,
                  service_types=SERVICE_TYPES)
