"""The search API: the same search as the page, as JSON."""
from __future__ import annotations

from flask import g

from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.search.links import hit_json
from portal.search.queries import search
from portal.search.schemas import SearchArgsSchema, SearchResultsSchema

bp = ApiBlueprint("api_search", __name__, description="Search")


@bp.org_route("/search")
@requires("search")
@bp.arguments(SearchArgsSchema, location="query")
@bp.response(200, SearchResultsSchema)
@bp.doc(security=BEARER)
def search_view(args):
    """Search narratives and document text: a commissioner searches its contracts' submitted
    returns, a provider its own returns and documents"""
    results = search(g.organisation, args["q"], page=args["page"], page_size=args["per_page"])
    return {"query": results.query, "total": results.total, "page": results.page, "page_size": results.page_size,
            "pages": results.pages, "results": [hit_json(hit, slug=g.organisation.slug) for hit in results.hits]}
