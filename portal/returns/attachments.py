"""Evidence documents attached to returns (the documents themselves live in the library)."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.services import record
from portal.documents.models import CLEAN, Document
from portal.documents.queries import get_document
from portal.errors import Conflict, NotFound, ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.returns.models import EDITABLE, Return, ReturnDocument


def attached(ret: Return) -> list[ReturnDocument]:
    return list(db.session.scalars(select(ReturnDocument).where(ReturnDocument.return_id == ret.id)
                                   .order_by(ReturnDocument.document_id)))


def _changed(ret: Return) -> None:
    # The declaration is made with the submission (check answers), so evidence changing undoes nothing.
    ret.updated_at = utcnow()


def attach(ret: Return, document_id: int, *, actor: User | None) -> ReturnDocument:
    if ret.status not in EDITABLE:
        raise Conflict(f"This return is {ret.status_label.lower()}: documents can no longer be attached")
    document = get_document(document_id)
    # A document still being checked may be attached (the return cannot be submitted until it is clean).
    if document is None or not (document.is_usable or document.is_pending) or document.object_deleted_at:
        raise NotFound("Choose a document from your library that has not been rejected", field="document_id")
    existing = db.session.scalar(select(ReturnDocument).where(ReturnDocument.return_id == ret.id,
                                                              ReturnDocument.document_id == document.id))
    if existing is not None:
        return existing
    link = ReturnDocument(tenant_id=ret.tenant_id, return_id=ret.id, document_id=document.id,
                          attached_by_id=actor.id if actor else None)
    db.session.add(link)
    _changed(ret)
    db.session.flush()
    record("return_document_attached", ret, actor=actor, document_id=document.id, filename=document.filename)
    return link


def attach_from_form(ret: Return, raw_document_id: str, *, actor: User | None) -> ReturnDocument:
    """The page's choice from the library: a document id, or a message saying to choose one."""
    raw = (raw_document_id or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ServiceError("Choose a document from your library", field="document_id")
    return attach(ret, int(raw), actor=actor)


def submitted_document_url(ret: Return, version, ref: dict, *, actor: User | None) -> str:
    """A short-lived link to a document as it was submitted in a version (audited)."""
    from portal.documents import storage
    from portal.documents.filenames import content_disposition

    url = storage.presigned_download_url(ref["key"], disposition=content_disposition(ref["filename"]),
                                         content_type=ref.get("content_type"))
    record("version_document_downloaded", ret, actor=actor, document_id=ref.get("id"), version=version.number)
    return url


def detach(ret: Return, document_id: int, *, actor: User | None) -> None:
    if ret.status not in EDITABLE:
        raise Conflict(f"This return is {ret.status_label.lower()}: its documents can no longer change")
    link = db.session.scalar(select(ReturnDocument).where(ReturnDocument.return_id == ret.id,
                                                          ReturnDocument.document_id == document_id))
    if link is None:
        raise NotFound("That document is not attached to this return")
    db.session.delete(link)
    _changed(ret)
    db.session.flush()
    record("return_document_removed", ret, actor=actor, document_id=document_id)


def problems_before_submit(ret: Return) -> list[str]:
    """Attached documents that stop a submission: still being checked, or refused."""
    problems = []
    for link in attached(ret):
        document: Document = link.document
        if document.status != CLEAN:
            verb = "is still being checked" if document.is_pending else f"was {document.status_label.lower()}"
            problems.append(f"{document.filename} {verb}")
    return problems


def document_refs(ret: Return) -> list[dict]:
    """What a version records of each document: enough to show and fetch it, immutably."""
    refs = []
    for link in attached(ret):
        d = link.document
        refs.append({"id": d.id, "filename": d.filename, "sha256": d.sha256, "size_bytes": d.size_bytes,
                     "content_type": d.content_type, "scan_status": d.scan_status, "key": d.storage_key,
                     "pages": d.page_count})
    return refs


def public_refs(refs: list[dict]) -> list[dict]:
    """Document references without the storage key, for pages and the API."""
    return [{k: v for k, v in ref.items() if k != "key"} for ref in refs]
