"""Documents attached to an invoice (timesheets, visit summaries, receipts).

Each attachment names a clean document of the provider's library and freezes what the
commissioner needs to download it (the commissioner cannot read the provider's library): its
file name, storage key, content type and size, as return versions freeze their documents.
``status`` is copied from the invoice (``portal.invoicing.workflow.copy_status``), so a draft's
attachments stay the provider's alone, like its lines.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.invoicing.models import DRAFT
from portal.models_base import created_at_column, tenant_table_args
from portal.tenants.scoping import CommissionerVisible

#: How many documents one invoice may carry.
MAX_ATTACHMENTS = 20


class InvoiceAttachment(CommissionerVisible, db.Model):
    """A document of the provider's attached to an invoice, frozen for the commissioner."""

    __tablename__ = "invoice_attachments"
    __hidden_from_commissioner__ = (DRAFT,)
    __table_args__ = tenant_table_args(
        "invoice_attachments",
        Index("ix_invoice_attachments_commissioner_id", "commissioner_id", "invoice_id"),  # the commissioner's reads
        UniqueConstraint("tenant_id", "invoice_id", "document_id", name="uq_invoice_attachments_document"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
        Index("ix_invoice_attachments_invoice_id", "tenant_id", "invoice_id"),
        parents=(("invoice_id", "invoices"), ("document_id", "documents")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    document_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Copied from the invoice, so a draft's attachments stay the provider's alone.
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DRAFT)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    attached_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    @property
    def size_label(self) -> str:
        from portal.documents.models import format_size

        return format_size(self.size_bytes)
