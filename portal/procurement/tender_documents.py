"""A tender's documents: attached from the commissioner's library (clean documents only), released
at publication or from a set moment, replaced or withdrawn (an amendment once published), and
downloaded by the tender's readers from their release (server clock).

Services flush and never commit. The bytes are copied in S3 to a key of the tender's when a
document is attached; if the transaction rolls back, the copy is deleted.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.services import record
from portal.documents import storage
from portal.documents.filenames import content_disposition
from portal.documents.models import Document
from portal.documents.queries import get_usable_document
from portal.errors import Conflict, Invalid, ServiceError
from portal.extensions import db
from portal.limits import EARLIEST_DATE, LATEST_DATE
from portal.models_base import utcnow
from portal.procurement import policy
from portal.procurement.models import PUBLISHED, Tender
from portal.procurement.tender_document_models import CURRENT, REPLACED, TITLE_LIMIT, WITHDRAWN, TenderDocument
from portal.storage import s3_client
from portal.tenants.context import current_tenant_id

LONDON = ZoneInfo("Europe/London")
MAX_DOCUMENTS = 100
REASON_LIMIT = 2000


def moment_text(moment: datetime) -> str:
    """'3 March 2027 at 09:00' (UK time)."""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def release_text(moment: datetime) -> str:
    return f"Released on {moment_text(moment)}"


def describe(item: TenderDocument | Document) -> str:
    """A document in words for an amendment: its file name, size and a short SHA-256."""
    from portal.documents.models import format_size

    return f"{item.filename}, {format_size(item.size_bytes)}, SHA-256 {(item.sha256 or '')[:12]}"


def _own(tender: Tender) -> None:
    if tender.tenant_id != current_tenant_id():
        raise ServiceError("Only the commissioner that runs this tender can change its documents")


def _changeable(tender: Tender, now: datetime) -> bool:
    """Documents change while the tender is a draft (freely) or open for bids (by an amendment)."""
    if policy.is_draft(tender):
        return False
    if not policy.is_open(tender, now):
        raise Conflict(f"This tender is {policy.status_label(tender, now).lower()}: its documents can no longer "
                       "change")
    return True


def _library_document(document_id) -> Document:
    try:
        wanted = int(document_id)
    except (TypeError, ValueError):
        raise Invalid("Choose a document from your library", field="document_id") from None
    document = get_usable_document(wanted)
    if document is None or not document.sha256:
        raise Invalid("Choose a document from your library that has passed its checks", field="document_id")
    return document


def _title(value, fallback: str | None = None) -> str:
    title = " ".join(str(value or "").split()) or (fallback or "")
    if not title:
        raise Invalid("Enter the document’s title, like Market data on people supported", field="title")
    if len(title) > TITLE_LIMIT:
        raise Invalid(f"The title must be {TITLE_LIMIT} characters or fewer: shorten it by {len(title) - TITLE_LIMIT}",
                      field="title")
    return title


def _release_moment(tender: Tender, value, now: datetime, published: bool) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Invalid("Enter the release moment as a date and a time of day", field="release_at")
    day = value.astimezone(LONDON).date()
    if day < EARLIEST_DATE or day > LATEST_DATE:
        raise Invalid(f"Enter a release date between {EARLIEST_DATE.year} and {LATEST_DATE.year}", field="release_at")
    if value >= tender.submission_deadline:
        raise Invalid("Release the document before the deadline for bids, "
                      f"{moment_text(tender.submission_deadline)}", field="release_at")
    if published and value <= now:
        raise Invalid("That moment has passed: leave the release date empty to release the document now, or "
                      "choose a moment to come", field="release_at")
    return value


def _reason(value, published: bool) -> str:
    reason = " ".join(str(value or "").split())
    if published and not reason:
        raise Invalid("Enter the reason for the change, which every provider will read", field="reason")
    if len(reason) > REASON_LIMIT:
        raise Invalid(f"The reason must be {REASON_LIMIT:,} characters or fewer", field="reason")
    return reason


def _copy(document: Document, tender: Tender) -> str:
    """A copy of the library document's bytes under a key of the tender's (made by the server)."""
    key = f"t/{tender.tenant_id}/tenders/{tender.id}/documents/{uuid.uuid4().hex}"
    bucket = storage.bucket()
    s3_client().copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": document.storage_key},
                            MetadataDirective="REPLACE", ContentType="application/octet-stream")
    storage.remember_upload(key)  # deleted again if the transaction rolls back
    return key


def _new_row(tender: Tender, document: Document, *, title: str, release_at: datetime | None, now: datetime,
             actor: User | None, replaces: TenderDocument | None = None) -> TenderDocument:
    listed = tender.listed
    row = TenderDocument(tenant_id=tender.tenant_id, tender_id=tender.id, title=title, filename=document.filename,
                         content_type=document.content_type, size_bytes=document.size_bytes, sha256=document.sha256,
                         storage_key=_copy(document, tender), source_document_id=document.id, release_at=release_at,
                         released_at=now if listed and (release_at is None or release_at <= now) else None,
                         status=CURRENT, replaces_id=replaces.id if replaces else None, listed=listed,
                         added_by_id=actor.id if actor else None)
    db.session.add(row)
    db.session.flush()
    return row


def _amend(tender: Tender, row: TenderDocument, change: dict, reason: str, *, actor: User | None,
           now: datetime) -> None:
    """The change as an amendment of the published tender, announced to interested providers. A
    change inside the regime's minimum period before the deadline for bids is refused until the
    deadline has been extended (by changing the tender, with the dates that follow it)."""
    from portal.procurement.services import amend

    try:
        amendment = amend(tender, {}, reason, actor=actor, now=now, described={f"document_{row.id}": change})
    except Invalid as refused:
        if "submission_deadline" not in refused.field_errors():
            raise
        raise Invalid(f"{refused.field_errors()['submission_deadline']}. Change the tender first to extend the "
                      "deadline for bids, then change its documents") from None
    row.amendment_number = amendment.number
    db.session.flush()


def attach(tender: Tender, document_id, *, title: str, release_at: datetime | None = None, reason: str = "",
           actor: User | None, now: datetime | None = None) -> TenderDocument:
    """Attach a clean library document to a draft or open tender, released at publication (or
    now) or from ``release_at``. On a published tender this is an amendment, with ``reason``."""
    _own(tender)
    now = now or utcnow()
    published = _changeable(tender, now)
    document = _library_document(document_id)
    title = _title(title, fallback=None)
    release = _release_moment(tender, release_at, now, published)
    reason = _reason(reason, published)
    count = db.session.scalar(select(func.count()).select_from(TenderDocument).where(
        TenderDocument.tenant_id == tender.tenant_id, TenderDocument.tender_id == tender.id,
        TenderDocument.status == CURRENT)) or 0
    if count >= MAX_DOCUMENTS:
        raise Conflict(f"A tender can have at most {MAX_DOCUMENTS} documents: withdraw one first",
                       field="document_id")
    row = _new_row(tender, document, title=title, release_at=release, now=now, actor=actor)
    if published:
        after = describe(row) + (f" (released on {moment_text(release)})" if release else "")
        _amend(tender, row, {"label": f"Document added: {title}", "before": "not on the tender", "after": after},
               reason, actor=actor, now=now)
    record("tender_document_attached", row, actor=actor, tender=tender.reference, title=title,
           filename=row.filename, sha256=row.sha256)
    return row


def _current(item: TenderDocument) -> None:
    if item.status != CURRENT:
        raise Conflict(f"This document was {item.status} on {item.changed_at.astimezone(LONDON):%-d %B %Y}: "
                       "change the document that replaced it")


def replace(tender: Tender, item: TenderDocument, document_id, *, title: str | None = None, reason: str = "",
            actor: User | None, now: datetime | None = None) -> TenderDocument:
    """Put another library document in the place of ``item``: the same release moment while it is
    still to come; on a published tender an amendment with the files before and after."""
    _own(tender)
    now = now or utcnow()
    published = _changeable(tender, now)
    _current(item)
    document = _library_document(document_id)
    title = _title(title, fallback=item.title)
    reason = _reason(reason, published)
    release = item.release_at if item.release_at is not None and item.release_at > now else None
    item.status, item.changed_at = REPLACED, now
    db.session.flush()
    row = _new_row(tender, document, title=title, release_at=release, now=now, actor=actor, replaces=item)
    if published:
        label = f"Document replaced: {item.title}" + (f", now {title}" if title != item.title else "")
        _amend(tender, row, {"label": label, "before": describe(item), "after": describe(row)}, reason,
               actor=actor, now=now)
    record("tender_document_replaced", row, actor=actor, tender=tender.reference, replaced=item.id,
           filename=row.filename, sha256=row.sha256)
    return row


def withdraw(tender: Tender, item: TenderDocument, *, reason: str = "", actor: User | None,
             now: datetime | None = None) -> TenderDocument:
    """Take a document off the tender; on a published tender an amendment every provider reads."""
    _own(tender)
    now = now or utcnow()
    published = _changeable(tender, now)
    _current(item)
    reason = _reason(reason, published)
    item.status, item.changed_at = WITHDRAWN, now
    db.session.flush()
    if published:
        _amend(tender, item, {"label": f"Document withdrawn: {item.title}", "before": describe(item),
                              "after": "withdrawn"}, reason, actor=actor, now=now)
    record("tender_document_withdrawn", item, actor=actor, tender=tender.reference, title=item.title)
    return item


def list_at_publication(tender: Tender, now: datetime) -> int:
    """At publication the tender's current documents are listed with it (the database gives them
    its audience); those whose release moment has come are released now, without an email (the
    publication is the announcement). Returns how many were released."""
    rows = list(db.session.scalars(select(TenderDocument).where(
        TenderDocument.tenant_id == tender.tenant_id, TenderDocument.tender_id == tender.id,
        TenderDocument.status == CURRENT)))
    released = 0
    for row in rows:
        row.listed = True
        if row.release_at is None or row.release_at <= now:
            row.released_at = now
            released += 1
    db.session.flush()
    return released


def download_url(tender: Tender, item: TenderDocument, *, actor: User | None, now: datetime | None = None) -> str:
    """A 60-second presigned link to the tender's copy. The commissioner downloads any of its
    tender's documents; a reader only a current one, from its release moment (server clock)."""
    now = now or utcnow()
    if tender.tenant_id != current_tenant_id():
        if item.status != CURRENT:
            raise Conflict(f"This document was {item.status}: see the tender’s changes for the document that "
                           "replaced it")
        if tender.status == "draft" or not item.listed:
            raise Conflict("This document is not published")
        if not item.is_released(now):
            raise Conflict(f"This document is not released yet. {release_text(item.release_at)}.")
    record("tender_document_downloaded", item, actor=actor, tender=tender.reference, title=item.title)
    return storage.presigned_download_url(item.storage_key, disposition=content_disposition(item.filename),
                                          content_type=item.content_type)


def is_open_for_changes(tender: Tender, now: datetime | None = None) -> bool:
    return tender.status == "draft" or (tender.status == PUBLISHED and policy.is_open(tender, now))
