"""The commissioner's review queue across all its providers."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from portal.dashboards.queries import filter_choices
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import render
from portal.reporting.periods import read_month_range, with_month_args
from portal.returns.models import STATUS_LABELS
from portal.returns.review_queue import queue_filters_from, review_queue_page

bp = tenant_blueprint("reviews", __name__, "/reviews")


@bp.get("/")
@requires("view_review_queue")
def index():
    # The months come as a GOV.UK date input (or YYYY-MM from links), read as on every page.
    first, last, month_errors = read_month_range(request.args)
    filters, errors = queue_filters_from(with_month_args(request.args, first, last))
    errors = {**month_errors, **{k: v for k, v in errors.items() if k not in ("period_from", "period_to")}}
    queue = review_queue_page(filters, me=current_user, page=request.args.get("page", 1, type=int))
    return render("reviews/index.html", queue=queue, returns=queue.returns, filters=filters,
                  choices=filter_choices(), errors=errors, args=request.args, months=(first, last),
                  page_args={k: v for k, v in request.args.items() if k != "page"},
                  statuses=STATUS_LABELS)
