from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.tenants.scoping import TenantScoped

PROVIDER, COMMISSIONER = "provider", "commissioner"
ORGANISATION_KINDS = (PROVIDER, COMMISSIONER)

ROLES = {
    PROVIDER: ("provider_admin", "submitter", "finance"),
    COMMISSIONER: ("commissioner_admin", "contract_manager", "procurement", "finance", "viewer"),
}
ADMIN_ROLES = {PROVIDER: "provider_admin", COMMISSIONER: "commissioner_admin"}
ROLE_LABELS = {
    "provider_admin": "Organisation administrator",
    "submitter": "Submitter",
    "finance": "Finance",
    "commissioner_admin": "Organisation administrator",
    "contract_manager": "Contract manager",
    "procurement": "Procurement officer",
    "viewer": "Viewer",
}
ALL_ROLES = sorted({r for roles in ROLES.values() for r in roles})


class Organisation(db.Model):
    """A tenant: a care provider or a commissioning body (council, HSCP)."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(f"kind in {ORGANISATION_KINDS!r}", name="valid_kind"),
        CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="valid_slug"),
        CheckConstraint("suspended_at is null or offboarding_reason is not null", name="offboarding_has_reason"),
        CheckConstraint("deleted_at is null or (suspended_at is not null and not is_active)",
                        name="deleted_was_suspended"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_at_column()
    # Offboarding (portal.offboarding): suspended at once (is_active false), its rows deleted after
    # delete_after; the row itself stays as a tombstone that the audit log keeps pointing at.
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    offboarding_reason: Mapped[str | None] = mapped_column(Text)
    delete_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    objects_deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deletion_blocked: Mapped[dict | None] = mapped_column(JSONB)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None
    # Its administrator's "require MFA for everyone" (portal.accounts.mfa decides who must have it).
    require_mfa: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="false")

    @property
    def roles(self) -> tuple[str, ...]:
        return ROLES[self.kind]

    @property
    def admin_role(self) -> str:
        return ADMIN_ROLES[self.kind]

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Membership(TenantScoped, db.Model):
    """A user's place in an organisation, with one role."""

    __tablename__ = "memberships"
    __user_scoped__ = True
    __table_args__ = tenant_table_args(
        "memberships",
        UniqueConstraint("tenant_id", "user_id", name="uq_memberships_tenant_id_user_id"),
        CheckConstraint(f"role in ({', '.join(repr(r) for r in ALL_ROLES)})", name="valid_role"),
        Index("ix_memberships_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    organisation: Mapped[Organisation] = relationship(foreign_keys="Membership.tenant_id", lazy="joined")
    user: Mapped["User"] = relationship(lazy="joined")  # noqa: F821

    @property
    def is_admin(self) -> bool:
        return self.role == self.organisation.admin_role

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def can(self, permission: str) -> bool:
        """Whether this member's role grants ``permission`` (portal.tenants.permissions)."""
        from portal.tenants.permissions import role_can

        return role_can(self.organisation.kind, self.role, permission)
