"""Reads for documents. Every lookup is within the current tenant (the ORM layer adds it;
RLS enforces it): another organisation's document id finds nothing."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import defer

from portal.documents.models import CLEAN, Document
from portal.extensions import db
from portal.limits import clamp_offset, fits_id


def get_document(document_id: int) -> Document | None:
    """The current organisation's document, or None (missing and foreign look the same)."""
    if not fits_id(document_id):  # an id from a form or a body that no row can have
        return None
    return db.session.scalar(select(Document).where(Document.id == document_id))


def get_usable_document(document_id: int) -> Document | None:
    """A document that can be attached to a return: clean and still stored."""
    document = get_document(document_id)
    return document if document is not None and document.is_usable else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_documents(*, search: str | None = None, status: str | None = None, limit: int = 50,
                   offset: int = 0, with_text: bool = True) -> list[Document]:
    """``with_text`` False leaves each document's extracted text (up to the whole document) unread."""
    query = select(Document).order_by(Document.created_at.desc(), Document.id.desc())
    if not with_text:
        query = query.options(defer(Document.text_content))
    if search and search.strip():
        pattern = f"%{_escape_like(search.strip())}%"
        query = query.where(or_(Document.filename.ilike(pattern, escape="\\"),
                                Document.text_content.ilike(pattern, escape="\\")))
    if status:
        query = query.where(Document.status == status)
    return list(db.session.scalars(query.limit(limit).offset(clamp_offset(offset))))


def list_usable_documents(limit: int = 200) -> list[Document]:
    """The documents to choose from when attaching one (their text is not needed, nor read)."""
    return list_documents(status=CLEAN, limit=limit, with_text=False)


def any_pending(documents: list[Document]) -> bool:
    return any(d.is_pending for d in documents)
