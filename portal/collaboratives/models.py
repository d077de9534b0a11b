from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ARRAY, BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, \
    UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.tenants.models import Organisation
from portal.tenants.scoping import TenantScoped

INVITED, ACTIVE = "invited", "active"


class Collaborative(db.Model):
    """A named group of commissioners (a registry, like organisations: it holds no one's data)."""

    __tablename__ = "collaboratives"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    members: Mapped[list["CollaborativeMember"]] = relationship(back_populates="collaborative", lazy="selectin")


class CollaborativeMember(db.Model):
    """A commissioner's place in a collaborative: invited until it accepts."""

    __tablename__ = "collaborative_members"
    __table_args__ = (
        UniqueConstraint("collaborative_id", "organisation_id", name="uq_collaborative_members_pair"),
        CheckConstraint("status in ('invited', 'active')", name="valid_status"),
        Index("ix_collaborative_members_organisation_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id", ondelete="CASCADE"), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=INVITED)
    created_at: Mapped[datetime] = created_at_column()
    joined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    collaborative: Mapped[Collaborative] = relationship(back_populates="members")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class OutcomeRollup(TenantScoped, db.Model):
    """A commissioner's outcome totals per framework, outcome and month, from the latest submitted
    version of each return. Shared read-only with fellow members of its collaboratives
    (``visible_to``); the commissioner is the tenant."""

    __tablename__ = "outcome_rollups"
    __table_args__ = tenant_table_args(
        "outcome_rollups",
        UniqueConstraint("tenant_id", "framework_code", "outcome", "period_start", name="uq_outcome_rollups_cell"),
        Index("ix_outcome_rollups_visible_to", "visible_to", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    framework_code: Mapped[str] = mapped_column(String(40), nullable=False)
    outcome: Mapped[str] = mapped_column(String(40), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    reviewed: Mapped[int] = mapped_column(Numeric(18, 4), nullable=False)
    achieved: Mapped[int] = mapped_column(Numeric(18, 4), nullable=False)
    returns: Mapped[int] = mapped_column(Integer, nullable=False)
    visible_to: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), nullable=False, default=list)
