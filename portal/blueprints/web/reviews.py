"""The commissioner's review queue across all its providers."""
from __future__ import annotations

from datetime import date

from flask import abort, g, request
from flask_login import current_user

from portal.http.organisation import tenant_blueprint
from portal.contracts.models import SERVICE_TYPES
from portal.returns.models import STATUS_LABELS
from portal.returns.review_queue import QueueFilters, filter_choices, review_queue
from portal.tenants.models import COMMISSIONER
from portal.http.pages import render

bp = tenant_blueprint("reviews", __name__, "/reviews")


def _month(value: str | None, *, end: bool = False) -> tuple[date | None, str | None]:
    """'2026-03' as the first (or last) day of that month; a message if it is not a month."""
    value = (value or "").strip()
    if not value:
        return None, None
    try:
        year, month = (int(part) for part in value.split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        return None, "Enter a month as year and month, like 2026-03"
    if not 1900 <= year <= 2200:  # the month after December 9999 is not a date
        return None, "Enter a month from 1900 to 2200, like 2026-03"
    if not end:
        return first, None
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1), None


def filters_from(args) -> tuple[QueueFilters, dict[str, str]]:
    errors = {}
    period_from, errors["period_from"] = _month(args.get("from"))
    period_to, errors["period_to"] = _month(args.get("to"), end=True)
    status = args.get("status") or None
    return QueueFilters(provider=args.get("provider") or None, contract_id=args.get("contract", type=int),
                        service_type=args.get("service_type") or None, locality=args.get("locality") or None,
                        period_from=period_from, period_to=period_to,
                        status=status if (status in STATUS_LABELS and status != "draft") or status == "counted"
                        else None), \
        {k: v for k, v in errors.items() if v}


@bp.get("/")
def index():
    if g.organisation.kind != COMMISSIONER:
        abort(404)
    filters, errors = filters_from(request.args)
    return render("reviews/index.html", returns=review_queue(filters, me=current_user), filters=filters,
                  choices=filter_choices(), errors=errors, args=request.args, statuses=STATUS_LABELS,
                  service_types=SERVICE_TYPES)
