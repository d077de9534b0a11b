"""The search API: the same search as the page, as JSON. Bearer tokens only."""
from __future__ import annotations

from dataclasses import asdict

from flask import g
from flask_smorest import Blueprint, abort

from portal.blueprints.api import BEARER
from portal.blueprints.api.returns import guarded
from portal.blueprints.web.search import hit_url, return_url
from portal.search.queries import QueryProblem, search
from portal.search.schemas import SearchArgsSchema, SearchResultsSchema

bp = Blueprint("api_search", __name__, url_prefix="/api/v1", description="Search")


def _search(args):
    organisation = g.organisation
    try:
        results = search(organisation, args["q"], page=args["page"], page_size=args["per_page"])
    except QueryProblem as exc:
        abort(422, message=str(exc), errors={"query": {"q": [str(exc)]}})
    hits = [{**asdict(hit), "snippet": str(hit.snippet),
             "links": {"page": hit_url(hit, slug=organisation.slug),
                       "return_page": return_url(hit, slug=organisation.slug)}} for hit in results.hits]
    return {"query": results.query, "total": results.total, "page": results.page, "page_size": results.page_size,
            "pages": results.pages, "results": hits}


@bp.route("/search", methods=["GET"])
@guarded
@bp.arguments(SearchArgsSchema, location="query")
@bp.response(200, SearchResultsSchema)
@bp.doc(security=BEARER)
def search_own(args):
    """Search narratives and document text: a commissioner searches its contracts' submitted
    returns, a provider its own returns and documents"""
    return _search(args)


@bp.route("/orgs/<slug>/search", methods=["GET"])
@guarded
@bp.arguments(SearchArgsSchema, location="query")
@bp.response(200, SearchResultsSchema)
@bp.doc(security=BEARER)
def org_search(args, slug):
    """Search within the organisation named in the address"""
    return _search(args)
