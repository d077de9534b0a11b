from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.tenants.scoping import TenantScoped


class _AuditColumns:
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    action: Mapped[str] = mapped_column(String(80), nullable=False)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    ip_address: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_at_column()


class AuditEvent(TenantScoped, _AuditColumns, db.Model):
    """A state change inside one organisation. Append-only: no UPDATE or DELETE grant."""

    __tablename__ = "audit_events"
    __table_args__ = tenant_table_args(
        "audit_events", Index("ix_audit_events_tenant_id_created_at", "tenant_id", "created_at"))

    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor = relationship("User", lazy="joined")


class PlatformAuditEvent(_AuditColumns, db.Model):
    """An account or platform event that belongs to no one organisation (sign-in, new organisation)."""

    __tablename__ = "platform_audit_events"
    __table_args__ = (Index("ix_platform_audit_events_created_at", "created_at"),)

    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    actor = relationship("User", lazy="joined")
