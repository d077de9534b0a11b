"""A tender's documents: files from the commissioner's document library, published with the tender,
some released only from a set moment (market data on people supported, released on a date).

A row is the commissioner's and is listed with its tender (same audience, copied by the database),
but the library's ``Document`` row is not: what providers need is copied here when the document
is attached (title, file name, type, size, SHA-256) and the bytes are copied in S3 to a key of the
tender's, so the published document never changes under the tender, whatever happens to the
library. A provider downloads it only from its release moment, by the server clock, through a
route that checks it (portal.procurement.tender_documents.download_url).

Replacing or withdrawing a document of a published tender keeps the old row (``replaced`` or
``withdrawn``) and is an amendment; on a draft the old row simply never becomes listed.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from portal.documents.models import format_size
from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.procurement.models import ListedToAll

CURRENT, REPLACED, WITHDRAWN = "current", "replaced", "withdrawn"
STATUSES = (CURRENT, REPLACED, WITHDRAWN)
TITLE_LIMIT = 200


class TenderDocument(ListedToAll, db.Model):
    __tablename__ = "tender_documents"
    __table_args__ = tenant_table_args(
        "tender_documents",
        UniqueConstraint("tenant_id", "storage_key", name="uq_tender_documents_storage_key"),
        CheckConstraint("status in ('current', 'replaced', 'withdrawn')", name="valid_status"),
        CheckConstraint("size_bytes > 0", name="not_empty"),
        CheckConstraint("released_at is null or listed", name="released_when_listed"),
        CheckConstraint("(status = 'current') = (changed_at is null)", name="changed_when_not_current"),
        Index("ix_tender_documents_tenant_id_tender_id", "tenant_id", "tender_id"),
        Index("ix_tender_documents_due", "tenant_id", "release_at",
              postgresql_where=text("released_at is null and listed and status = 'current'")),
        parents=(("tender_id", "tenders"), ("replaces_id", "tender_documents")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    title: Mapped[str] = mapped_column(String(TITLE_LIMIT), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    #: The tender's own copy of the bytes in S3.
    storage_key: Mapped[str] = mapped_column(String(200), nullable=False)
    #: The library document it was copied from (the commissioner's; kept for the record only).
    source_document_id: Mapped[int | None] = mapped_column(BigInteger)
    #: From when providers may download it; None: as soon as the tender is published.
    release_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When it was released (at publication, when attached, or by the release job).
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=CURRENT)
    #: The document this one replaced.
    replaces_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The amendment that added, replaced or withdrew it (published tenders only).
    amendment_number: Mapped[int | None] = mapped_column(Integer)
    #: When it was replaced or withdrawn.
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    listed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    @property
    def size_label(self) -> str:
        return format_size(self.size_bytes)

    @property
    def sha256_short(self) -> str:
        return self.sha256[:12]

    def is_released(self, now: datetime) -> bool:
        """Downloadable by the tender's readers: listed and its moment reached (server clock)."""
        return self.listed and self.status == CURRENT and (self.release_at is None or now >= self.release_at)
