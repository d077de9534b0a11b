from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.tenants.models import ALL_ROLES, Organisation
from portal.tenants.scoping import TenantScoped


class User(UserMixin, db.Model):
    """A person. Identity is global; what they may see comes from memberships."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_active_account: Mapped[bool] = mapped_column("is_active", Boolean, nullable=False, default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = created_at_column()
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Multi-factor authentication (portal.accounts.mfa): the TOTP secret encrypted with a key derived
    # from SECRET_KEY, when it was turned on, and the last time step accepted (a code works once).
    mfa_secret: Mapped[str | None] = mapped_column(String(255))
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mfa_last_step: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def has_mfa(self) -> bool:
        return self.mfa_enabled_at is not None and self.mfa_secret is not None

    @property
    def is_active(self) -> bool:  # flask-login
        return self.is_active_account

    def get_id(self) -> str:
        # flask-login keeps this in the cookie; the session itself is checked on the server.
        return str(self.id)

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Invitation(TenantScoped, db.Model):
    """An organisation admin's invitation: a signed, single-use, expiring link."""

    __tablename__ = "invitations"
    __table_args__ = tenant_table_args(
        "invitations",
        CheckConstraint(f"role in ({', '.join(repr(r) for r in ALL_ROLES)})", name="valid_role"),
        CheckConstraint("not (accepted_at is not null and revoked_at is not null)", name="accepted_or_revoked"),
        Index("ix_invitations_tenant_id_email", "tenant_id", "email"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    nonce_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship(foreign_keys="Invitation.tenant_id", lazy="joined")
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def status(self, now: datetime) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "pending"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored.

    A token belongs to its person (a user-owned table, like ``user_sessions``: it is looked up
    by its hash before any organisation is known) and names one organisation, which the request
    pipeline checks against the organisation of every address it is used on. Its scopes say
    which methods it may use: ``read`` the safe ones (GET), ``write`` the others too."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),
                      CheckConstraint("scopes <@ array['read', 'write']::varchar[] and cardinality(scopes) > 0",
                                      name="known_scopes"))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(20)), nullable=False, default=lambda: ["read"])
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    label: Mapped[str] = mapped_column(String(100), nullable=False, default="API token")
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class UserSession(db.Model):
    """A signed-in browser session, kept on the server so that it can be ended there: signing
    out, a password change or reset and removal end it, whatever copies of the cookie exist.
    The cookie carries a random id; only its SHA-256 is stored."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = created_at_column()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship(lazy="joined")


class MfaRecoveryCode(db.Model):
    """A single-use recovery code for someone who has lost their authenticator; only its argon2id
    hash is stored (each code carries 60 random bits). A person's own row, like their sessions."""

    __tablename__ = "mfa_recovery_codes"
    __table_args__ = (Index("ix_mfa_recovery_codes_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
