"""An organisation's exports. The offboarding state itself (suspended, when it is deleted) lives
on the organisation (``portal.tenants.models.Organisation``), which outlives the deletion as a
tombstone so that the audit log, and other organisations' rows that name it, keep their keys."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args, utcnow
from portal.tenants.scoping import TenantScoped

PENDING, READY, FAILED, EXPIRED = "pending", "ready", "failed", "expired"
STATUSES = (PENDING, READY, FAILED, EXPIRED)
STATUS_LABELS = {PENDING: "Being prepared", READY: "Ready to download", FAILED: "Failed", EXPIRED: "Expired"}
STATUS_TAGS = {PENDING: "govuk-tag--blue", READY: "govuk-tag--green", FAILED: "govuk-tag--red",
               EXPIRED: "govuk-tag--grey"}


class OrganisationExport(TenantScoped, db.Model):
    """A zip of every row and document of the organisation, in S3 until it expires."""

    __tablename__ = "organisation_exports"
    __table_args__ = tenant_table_args(
        "organisation_exports",
        CheckConstraint(f"status in ({', '.join(repr(s) for s in STATUSES)})", name="valid_status"),
        CheckConstraint("status <> 'ready' or (storage_key is not null and expires_at is not null)",
                        name="ready_has_file"),
        Index("ix_organisation_exports_tenant_id_created_at", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING)
    reason: Mapped[str] = mapped_column(String(40), nullable=False, default="requested")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    storage_key: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    manifest: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_downloadable(self) -> bool:
        return self.status == READY and self.expires_at is not None and self.expires_at > utcnow()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[EXPIRED if self.status == READY and not self.is_downloadable else self.status]

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS[EXPIRED if self.status == READY and not self.is_downloadable else self.status]

    @property
    def filename(self) -> str:
        return f"organisation-export-{self.id}.zip"
