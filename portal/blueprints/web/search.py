"""Search across return narratives and evidence documents, within what the organisation may see."""
from __future__ import annotations

import click
from flask import g, request, url_for

from portal.http.organisation import tenant_blueprint
from portal.extensions import db
from portal.search import jobs as _jobs  # noqa: F401  (registers the index job in every process)
from portal.search.models import DOCUMENT, KIND_LABELS
from portal.search import queries
from portal.search.queries import Hit, QueryProblem, search
from portal.tenants.models import COMMISSIONER
from portal.http.pages import render

bp = tenant_blueprint("search", __name__, "/search")


def hit_url(hit: Hit, *, slug: str) -> str:
    """Where a result leads: the submitted version (commissioners) or the return and the document
    in the library (providers)."""
    if hit.version_number is not None:
        if hit.kind == DOCUMENT:
            return url_for("returns.version_document", slug=slug, return_id=hit.return_id,
                           number=hit.version_number, document_id=hit.document_id)
        return url_for("returns.version", slug=slug, return_id=hit.return_id, number=hit.version_number)
    if hit.kind == DOCUMENT:
        return url_for("documents.document", slug=slug, document_id=hit.document_id)
    return url_for("returns.show", slug=slug, return_id=hit.return_id)


def return_url(hit: Hit, *, slug: str) -> str | None:
    if hit.return_id is None:
        return None
    if hit.version_number is not None:
        return url_for("returns.version", slug=slug, return_id=hit.return_id, number=hit.version_number)
    return url_for("returns.show", slug=slug, return_id=hit.return_id)


@bp.get("")
def index():
    raw = request.args.get("q")
    page = max(request.args.get("page", 1, type=int), 1)
    results, error = None, None
    if raw is not None:  # the box was submitted (an empty box is a mistake, an address without q is not)
        try:
            results = search(g.organisation, raw, page=page, page_size=queries.PAGE_SIZE)
        except QueryProblem as exc:
            error = str(exc)
    return render("search/index.html", q=(raw or "")[:1000], results=results, error=error,
                  hit_url=hit_url, return_url=return_url, kinds=KIND_LABELS,
                  searching_submissions=g.organisation.kind == COMMISSIONER, title_prefix=bool(error),
                  status=422 if error else 200)


@bp.cli.command("reindex")
@click.option("--all", "everything", is_flag=True, help="Index every submitted return again, not only missing ones")
def reindex_command(everything: bool) -> None:
    """Index submitted returns for commissioners' search (those submitted before search, or all)."""
    from portal.search.jobs import index_submitted_returns, run_pending_index_jobs

    pending = run_pending_index_jobs()
    indexed = index_submitted_returns(only_missing=not everything)
    db.session.commit()
    click.echo(f"search index: {pending} pending submissions and {indexed} returns indexed")
