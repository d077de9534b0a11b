"""Search across return narratives and evidence documents, within what the organisation may see."""
from __future__ import annotations

from flask import g, request

from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import form_errors, render
from portal.search import queries
from portal.search.links import hit_url, return_url
from portal.search.models import KIND_LABELS
from portal.tenants.models import COMMISSIONER

bp = tenant_blueprint("search", __name__, "/search")


@bp.get("")
@requires("search")
def index():
    raw = request.args.get("q")
    page = min(max(request.args.get("page", 1, type=int), 1), 10_000)
    results = None
    with form_errors() as attempt:
        if raw is not None:  # the box was submitted (an empty box is a mistake, an address without q is not)
            results = queries.search(g.organisation, raw, page=page, page_size=queries.PAGE_SIZE)
    return render("search/index.html", q=(raw or "")[:1000], results=results, error=attempt.message,
                  hit_url=hit_url, return_url=return_url, kinds=KIND_LABELS,
                  searching_submissions=g.organisation.kind == COMMISSIONER, title_prefix=not attempt.ok,
                  status=attempt.status)
