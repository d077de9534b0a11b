"""Where a search result leads, for the page and the API alike."""
from __future__ import annotations

from flask import url_for

from portal.search.models import DOCUMENT
from portal.search.queries import Hit


def hit_url(hit: Hit, *, slug: str) -> str:
    """The submitted version (commissioners) or the return and the document in the library (providers)."""
    if hit.version_number is not None:
        if hit.kind == DOCUMENT:
            return url_for("returns.version_document", slug=slug, return_id=hit.return_id,
                           number=hit.version_number, submitted_document_id=hit.document_id)
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


def hit_json(hit: Hit, *, slug: str) -> dict:
    from dataclasses import asdict

    return {**asdict(hit), "snippet": str(hit.snippet),
            "links": {"page": hit_url(hit, slug=slug), "return_page": return_url(hit, slug=slug)}}
