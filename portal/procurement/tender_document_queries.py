"""Reading a tender's documents. Who reads them is the tender's audience (ORM criteria and RLS);
this module only says what each reader is shown: every current document's title, and before its
release moment "Released on <date> at <time>" instead of the file."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.documents.queries import list_usable_documents
from portal.extensions import db
from portal.limits import fits_id
from portal.models_base import utcnow
from portal.procurement import policy
from portal.procurement.models import Tender
from portal.procurement.tender_document_models import CURRENT, TenderDocument
from portal.procurement.tender_documents import is_open_for_changes, release_text


def get_tender_document(tender: Tender, document_id: int) -> TenderDocument | None:
    if not fits_id(document_id):
        return None
    return db.session.scalar(select(TenderDocument).where(TenderDocument.id == document_id,
                                                          TenderDocument.tender_id == tender.id,
                                                          TenderDocument.tenant_id == tender.tenant_id))


def current_documents(tender: Tender) -> list[TenderDocument]:
    """The tender's current documents the organisation reads, in the order they were attached."""
    return list(db.session.scalars(select(TenderDocument).where(
        TenderDocument.tender_id == tender.id, TenderDocument.tenant_id == tender.tenant_id,
        TenderDocument.status == CURRENT).order_by(TenderDocument.created_at, TenderDocument.id)))


@dataclass(frozen=True)
class Shown:
    """A document as the reader sees it now."""

    document: TenderDocument
    downloadable: bool
    release: str | None         # "Released on ..." while the release moment is to come
    released_on: str | None     # the release moment once it has come (when one was set)


@dataclass(frozen=True)
class DocumentsSection:
    documents: list[Shown]
    owner: bool
    changeable: bool            # the commissioner may attach, replace and withdraw (draft or open)
    published: bool             # changes are amendments


def shown(item: TenderDocument, owner: bool, now: datetime) -> Shown:
    released = item.is_released(now)
    waiting = item.release_at is not None and now < item.release_at
    return Shown(item, downloadable=owner or released, release=release_text(item.release_at) if waiting else None,
                 released_on=release_text(item.release_at) if item.release_at is not None and not waiting else None)


def section(tender: Tender, organisation_id: int, now: datetime | None = None) -> DocumentsSection:
    now = now or utcnow()
    owner = tender.tenant_id == organisation_id
    return DocumentsSection([shown(item, owner, now) for item in current_documents(tender)], owner,
                            changeable=owner and is_open_for_changes(tender, now),
                            published=not policy.is_draft(tender))


def library_choices() -> list[tuple[str, str]]:
    """The commissioner's clean library documents, newest first, as (id, label) choices."""
    return [(str(d.id), f"{d.filename} ({d.size_label}, uploaded {d.created_at:%-d %b %Y})")
            for d in list_usable_documents(limit=500) if d.sha256]
