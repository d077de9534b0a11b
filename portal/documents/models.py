from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.tenants.scoping import TenantScoped

PENDING, CLEAN, REJECTED, INFECTED = "pending", "clean", "rejected", "infected"
STATUSES = (PENDING, CLEAN, REJECTED, INFECTED)
SCAN_CLEAN, NOT_SCANNED, SCAN_INFECTED = "clean", "not_scanned", "infected"
SCAN_STATUSES = (SCAN_CLEAN, NOT_SCANNED, SCAN_INFECTED)

STATUS_LABELS = {PENDING: "Checking", CLEAN: "Ready", REJECTED: "Rejected", INFECTED: "Virus found"}
STATUS_TAG_CLASSES = {PENDING: "govuk-tag--blue", CLEAN: "govuk-tag--green", REJECTED: "govuk-tag--red",
                      INFECTED: "govuk-tag--red"}
SCAN_LABELS = {None: "Not checked yet", SCAN_CLEAN: "No virus found", NOT_SCANNED: "Not scanned",
               SCAN_INFECTED: "Virus found"}
SCAN_TAG_CLASSES = {None: "govuk-tag--blue", SCAN_CLEAN: "govuk-tag--green", NOT_SCANNED: "govuk-tag--grey",
                    SCAN_INFECTED: "govuk-tag--red"}


def format_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} bytes"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if size >= 10 or size == int(size) else f"{size:,.1f} {unit}"
    return ""


def _in(values) -> str:
    return ", ".join(repr(v) for v in values)


class Document(TenantScoped, db.Model):
    """An evidence file in an organisation's library. The bytes live in S3 under
    ``storage_key`` (made by the server, never from the file name); the row tracks what
    the processing job found. A document is usable (attachable, downloadable) only when
    its status is ``clean``."""

    __tablename__ = "documents"
    __table_args__ = tenant_table_args(
        "documents",
        UniqueConstraint("tenant_id", "storage_key", name="uq_documents_tenant_id_storage_key"),
        CheckConstraint(f"status in ({_in(STATUSES)})", name="valid_status"),
        CheckConstraint(f"scan_status is null or scan_status in ({_in(SCAN_STATUSES)})", name="valid_scan_status"),
        CheckConstraint("status <> 'rejected' or rejection_reason is not null", name="rejected_has_reason"),
        CheckConstraint("status = 'pending' or processed_at is not null", name="processed_has_time"),
        CheckConstraint("(status = 'infected') = (scan_status = 'infected')", name="infected_means_scan_found"),
        CheckConstraint("size_bytes > 0", name="not_empty"),
        Index("ix_documents_tenant_id_created_at", "tenant_id", "created_at"),
        Index("ix_documents_tenant_id_sha256", "tenant_id", "sha256"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(200), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    declared_content_type: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING)
    scan_status: Mapped[str | None] = mapped_column(String(20))
    scan_result: Mapped[str | None] = mapped_column(String(300))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    detected_type: Mapped[str | None] = mapped_column(String(20))
    content_type: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64))
    page_count: Mapped[int | None] = mapped_column(Integer)
    text_content: Mapped[str | None] = mapped_column(Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    object_deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    uploaded_by: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821

    @property
    def is_pending(self) -> bool:
        return self.status == PENDING

    @property
    def is_downloadable(self) -> bool:
        return self.status == CLEAN and self.object_deleted_at is None

    @property
    def is_usable(self) -> bool:
        """May be attached to returns and other records."""
        return self.is_downloadable

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_tag_class(self) -> str:
        return STATUS_TAG_CLASSES[self.status]

    @property
    def scan_label(self) -> str:
        return SCAN_LABELS[self.scan_status]

    @property
    def scan_tag_class(self) -> str:
        return SCAN_TAG_CLASSES[self.scan_status]

    @property
    def size_label(self) -> str:
        return format_size(self.size_bytes)

    @property
    def extension(self) -> str:
        _stem, dot, ext = self.filename.rpartition(".")
        return ext.lower() if dot else ""

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.status}>"
