"""The commissioner's review queue across all its providers."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from portal.contracts.models import SERVICE_TYPES
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import render
from portal.returns.models import STATUS_LABELS
from portal.returns.review_queue import filter_choices, queue_filters_from, review_queue

bp = tenant_blueprint("reviews", __name__, "/reviews")


@bp.get("/")
@requires("view_review_queue")
def index():
    filters, errors = queue_filters_from(request.args)
    return render("reviews/index.html", returns=review_queue(filters, me=current_user), filters=filters,
                  choices=filter_choices(), errors=errors, args=request.args, statuses=STATUS_LABELS,
                  service_types=SERVICE_TYPES)
