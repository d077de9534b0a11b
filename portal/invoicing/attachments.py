"""Documents attached to an invoice: the provider attaches clean documents of its library (or
uploads one from the invoice page) while the invoice is a draft or queried, and removes them in
the same states; both sides list them and download them through short-lived, audited links.

What the commissioner needs to download a document (it cannot read the provider's library) is
frozen on the attachment when it is attached, as return versions freeze theirs.
"""
from __future__ import annotations

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.audit.services import record
from portal.documents import storage
from portal.documents.filenames import content_disposition
from portal.documents.models import Document
from portal.documents.queries import get_usable_document
from portal.errors import Conflict, Forbidden, Invalid
from portal.extensions import db
from portal.invoicing.attachment_models import MAX_ATTACHMENTS, InvoiceAttachment
from portal.invoicing.models import EDITABLE, Invoice
from portal.limits import fits_id
from portal.tenants.context import current_tenant_id

FIELD = "document_id"
UPLOAD_FIELD = "file"


def attachments_of(invoice: Invoice) -> list[InvoiceAttachment]:
    """The invoice's attachments that the current organisation may see, oldest first."""
    return list(db.session.scalars(select(InvoiceAttachment).where(
        InvoiceAttachment.tenant_id == invoice.tenant_id, InvoiceAttachment.invoice_id == invoice.id)
        .order_by(InvoiceAttachment.created_at, InvoiceAttachment.id)))


def get_attachment(invoice: Invoice, attachment_id) -> InvoiceAttachment | None:
    """One attachment of ``invoice`` (None: missing, another invoice's or not visible)."""
    if not fits_id(attachment_id):
        return None
    return db.session.scalar(select(InvoiceAttachment).where(
        InvoiceAttachment.id == attachment_id, InvoiceAttachment.tenant_id == invoice.tenant_id,
        InvoiceAttachment.invoice_id == invoice.id))


def _may_change(invoice: Invoice, verb: str, done: str, field: str = FIELD) -> None:
    kind = invoice.kind_label.lower()
    if current_tenant_id() != invoice.tenant_id:
        raise Forbidden(f"Only the provider that raised this {kind} can {verb} its documents")
    if invoice.status not in EDITABLE:
        raise Conflict(f"This {kind} is {invoice.status_label.lower()}: documents can only be {done} while it is a "
                       "draft or queried", field=field)


def _changed(invoice: Invoice, actor: User | None) -> None:
    # Whoever changes what an invoice carries has changed it, and so may not approve it.
    if actor is not None and actor.id not in (invoice.editor_ids or []):
        invoice.editor_ids = [*(invoice.editor_ids or []), actor.id]


def _document_id(raw) -> int:
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, int):
        return raw
    text = (raw if isinstance(raw, str) else "").strip()
    if not text:
        raise Invalid("Select a document to attach", field=FIELD)
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise Invalid("Select one of your checked documents from the list", field=FIELD)
    return int(text)


def attach(invoice: Invoice, raw_document_id, *, actor: User | None) -> InvoiceAttachment:
    """Attach a clean document of the provider's library (the id as typed, from a form or a body)."""
    _may_change(invoice, "attach", "attached")
    document = get_usable_document(_document_id(raw_document_id))
    if document is None:
        raise Invalid("Select one of your checked documents: that one is not in your library, or is still being "
                      "checked or was refused", field=FIELD)
    return _attach(invoice, document, actor=actor)


def _attach(invoice: Invoice, document: Document, *, actor: User | None) -> InvoiceAttachment:
    existing = attachments_of(invoice)
    if any(a.document_id == document.id for a in existing):
        raise Invalid(f"{document.filename} is already attached to this {invoice.kind_label.lower()}", field=FIELD)
    if len(existing) >= MAX_ATTACHMENTS:
        raise Invalid(f"An invoice can carry at most {MAX_ATTACHMENTS} documents: remove one before attaching "
                      "another", field=FIELD)
    attachment = InvoiceAttachment(
        tenant_id=invoice.tenant_id, commissioner_id=invoice.commissioner_id, invoice_id=invoice.id,
        document_id=document.id, status=invoice.status, filename=document.filename,
        storage_key=document.storage_key, content_type=document.content_type, size_bytes=document.size_bytes,
        attached_by_id=actor.id if actor else None)
    db.session.add(attachment)
    _changed(invoice, actor)
    db.session.flush()
    record("invoice_document_attached", invoice, actor=actor, number=invoice.number, document_id=document.id,
           filename=document.filename)
    return attachment


def upload_and_attach(invoice: Invoice, file: FileStorage | None, *, actor: User | None) -> InvoiceAttachment:
    """Upload a new file to the provider's library (the documents domain's upload, with its checks
    and scan, run now rather than in the background) and attach it once it is found clean."""
    from portal.documents.jobs import process_document
    from portal.documents.services import upload_documents

    _may_change(invoice, "attach", "attached", UPLOAD_FIELD)
    if len(attachments_of(invoice)) >= MAX_ATTACHMENTS:
        raise Invalid(f"An invoice can carry at most {MAX_ATTACHMENTS} documents: remove one before attaching "
                      "another", field=UPLOAD_FIELD)
    [document] = upload_documents([file], uploaded_by=actor, field=UPLOAD_FIELD)
    process_document(document.id)  # idempotent: the background job then finds it done
    db.session.refresh(document)
    if not document.is_usable:
        reason = document.rejection_reason or document.status_label.lower()
        raise Invalid(f"{document.filename} cannot be attached: {reason}", field=UPLOAD_FIELD)
    return _attach(invoice, document, actor=actor)


def remove(invoice: Invoice, attachment: InvoiceAttachment, *, actor: User | None) -> None:
    _may_change(invoice, "remove", "removed")
    filename, document_id = attachment.filename, attachment.document_id
    db.session.delete(attachment)
    _changed(invoice, actor)
    db.session.flush()
    record("invoice_document_removed", invoice, actor=actor, number=invoice.number, document_id=document_id,
           filename=filename)


def download_url(invoice: Invoice, attachment: InvoiceAttachment, *, actor: User | None) -> str:
    """A short-lived link to the document as it was attached (either side; audited)."""
    url = storage.presigned_download_url(attachment.storage_key, disposition=content_disposition(attachment.filename),
                                         content_type=attachment.content_type)
    record("invoice_document_downloaded", invoice, actor=actor, number=invoice.number,
           document_id=attachment.document_id, filename=attachment.filename)
    return url

