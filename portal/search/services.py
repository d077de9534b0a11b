"""Writes to the search index: a return's latest submitted version, as its provider."""
from __future__ import annotations

from sqlalchemy import delete, select

from portal.contracts.models import Measure
from portal.documents.models import Document
from portal.extensions import db
from portal.returns import queries as return_queries
from portal.returns.models import Return, ReturnVersion
from portal.search.models import DOCUMENT, NARRATIVE, TEXT_LIMIT, SearchEntry

#: ts_headline marks matches with these; they are removed from every indexed text, so they
#: cannot come from a provider (see portal.search.queries.highlight).
MARKERS = "\x02\x03"


def searchable(text: str) -> str:
    """The part of a text that is indexed: without the highlight markers, at most TEXT_LIMIT characters."""
    return text.translate({ord(c): None for c in MARKERS})[:TEXT_LIMIT].strip()


def narrative_title(measure: Measure) -> str:
    return (measure.outcome.text if measure.outcome_id else measure.label)[:300]


def index_return(ret: Return) -> int:
    """Replace the return's entries with those of its latest version; returns how many were made.

    Runs as the provider (the tenant of ``ret``), the only organisation that may read the
    documents' text. Idempotent: it always indexes the latest version, whichever submission
    asked for it.
    """
    db.session.execute(delete(SearchEntry).where(SearchEntry.tenant_id == ret.tenant_id,
                                                 SearchEntry.return_id == ret.id))
    version = db.session.scalar(select(ReturnVersion).where(ReturnVersion.return_id == ret.id)
                                .order_by(ReturnVersion.number.desc()).limit(1))
    if version is None:
        db.session.flush()
        return 0
    entries = []
    for measure in return_queries.measures_for(ret):
        value = version.answers.get(measure.code)
        if measure.is_narrative and isinstance(value, str) and searchable(value):
            entries.append(SearchEntry(kind=NARRATIVE, measure_code=measure.code, title=narrative_title(measure),
                                       body=searchable(value)))
    ids = [ref["id"] for ref in version.documents if isinstance(ref.get("id"), int)]
    texts = dict(db.session.execute(select(Document.id, Document.text_content).where(
        Document.tenant_id == ret.tenant_id, Document.id.in_(ids))).all()) if ids else {}
    for ref in version.documents:
        text = searchable(texts.get(ref.get("id")) or "")
        if text:
            entries.append(SearchEntry(kind=DOCUMENT, document_id=ref["id"], title=ref["filename"][:300], body=text))
    for entry in entries:
        entry.tenant_id, entry.commissioner_id = ret.tenant_id, ret.commissioner_id
        entry.return_id, entry.version_number = ret.id, version.number
        db.session.add(entry)
    db.session.flush()
    return len(entries)
