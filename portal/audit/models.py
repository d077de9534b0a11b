from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
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


class AccessEvent(db.Model):
    """A download, or a refused attempt to reach another organisation: who (ids only), where
    (the route's endpoint and the object's kind and id), what happened and when, and a keyed
    hash of the caller's truncated address. Never names, emails, file names or free text.

    A platform table, not a tenant's: a refused attempt comes from outside the organisation it
    names, and is written in its own short transaction even though the request fails
    (``portal.audit.access``). Append-only; the ids are plain numbers, so the record outlives
    the organisation, person or token it names."""

    __tablename__ = "access_events"
    __table_args__ = (Index("ix_access_events_created_at", "created_at"),
                      Index("ix_access_events_organisation_id_created_at", "organisation_id", "created_at"))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_at: Mapped[datetime] = created_at_column()
    outcome: Mapped[str] = mapped_column(String(40), nullable=False)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    token_id: Mapped[int | None] = mapped_column(BigInteger)
    organisation_id: Mapped[int | None] = mapped_column(BigInteger)
    endpoint: Mapped[str] = mapped_column(String(120), nullable=False)
    method: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[int] = mapped_column(Integer, nullable=False)
    object_kind: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(16))
