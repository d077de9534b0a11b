"""Approved supplier lists: a commissioner's lists of providers it trusts for a kind of service,
each membership with its dates, from which it runs mini-competitions (tenders only the list's
members read). Called "supplier lists" here: "frameworks" are outcome frameworks in this code base.

Both tables are the commissioner's rows (the tenant). A provider reads, and only reads:

- its own membership rows (``provider_id``), current, future, ended or removed;
- the lists it has ever been a member of: ``provider_ids`` holds every provider with a
  membership row, kept by the services, so the predicate stays flat and indexable (GIN)::

      tenant_id = :org OR provider_ids @> ARRAY[:org]

It never reads another provider's membership.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint,
                        cast, or_, text)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.contracts.models import SERVICE_TYPES
from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.tenants.models import Organisation
from portal.tenants.scoping import TenantScoped

NAME_LIMIT = 200
DESCRIPTION_LIMIT = 5000
REASON_LIMIT = 2000

UPCOMING, CURRENT, ENDED, REMOVED = "upcoming", "current", "ended", "removed"
MEMBER_STATUSES = {UPCOMING: "Starts later", CURRENT: "Member", ENDED: "Ended", REMOVED: "Removed"}
MEMBER_TAGS = {UPCOMING: "govuk-tag--blue", CURRENT: "govuk-tag--green", ENDED: "govuk-tag--grey",
               REMOVED: "govuk-tag--red"}


def _service_types() -> str:
    return "(" + ", ".join(repr(v) for v in SERVICE_TYPES) + ")"


class SupplierList(TenantScoped, db.Model):
    """A commissioner's approved supplier list for a kind of service, running between two days."""

    __tablename__ = "supplier_lists"
    __table_args__ = tenant_table_args(
        "supplier_lists",
        UniqueConstraint("tenant_id", "name", name="uq_supplier_lists_name"),
        CheckConstraint(f"service_type in {_service_types()}", name="valid_service_type"),
        CheckConstraint("ends_on is null or ends_on >= starts_on", name="ends_after_start"),
        Index("ix_supplier_lists_provider_ids", "provider_ids", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LIMIT), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    service_type: Mapped[str] = mapped_column(String(30), nullable=False)
    #: The days the list runs (both included); open-ended without ``ends_on``.
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: Every provider with a membership row (current or not): who may read the list itself.
    provider_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), nullable=False, default=list)
    created_at: Mapped[datetime] = created_at_column()

    members: Mapped[list["SupplierListMember"]] = relationship(
        primaryjoin="and_(foreign(SupplierListMember.list_id) == SupplierList.id, "
                    "foreign(SupplierListMember.tenant_id) == SupplierList.tenant_id)",
        order_by="SupplierListMember.id", viewonly=True)
    commissioner: Mapped[Organisation] = relationship(foreign_keys="SupplierList.tenant_id", lazy="joined")

    @classmethod
    def tenant_criteria(cls, tenant):
        return or_(cls.tenant_id == tenant, cls.provider_ids.contains(array([cast(tenant, BigInteger)])))

    @property
    def service_type_label(self) -> str:
        return SERVICE_TYPES[self.service_type]

    def runs_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class SupplierListMember(TenantScoped, db.Model):
    """A provider's membership of a list, from ``starts_on`` to ``ends_on`` (both included; open
    without an end). Removing a member keeps the row, with when, by whom and why; a provider can
    join again afterwards (a new row): at most one row per provider is not removed."""

    __tablename__ = "supplier_list_members"
    __table_args__ = tenant_table_args(
        "supplier_list_members",
        CheckConstraint("ends_on is null or ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("(removed_at is null) = (removed_reason = '')", name="removed_has_reason"),
        Index("uq_supplier_list_members_one_open", "tenant_id", "list_id", "provider_id", unique=True,
              postgresql_where=text("removed_at is null")),
        Index("ix_supplier_list_members_provider_id", "provider_id"),
        parents=(("list_id", "supplier_lists"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    list_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    provider_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"),
                                             nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    provider: Mapped[Organisation] = relationship(foreign_keys="SupplierListMember.provider_id", lazy="joined")
    supplier_list: Mapped[SupplierList] = relationship(
        primaryjoin="and_(foreign(SupplierListMember.list_id) == SupplierList.id, "
                    "foreign(SupplierListMember.tenant_id) == SupplierList.tenant_id)", viewonly=True, lazy="joined")

    @classmethod
    def tenant_criteria(cls, tenant):
        return or_(cls.tenant_id == tenant, cls.provider_id == tenant)

    def status_on(self, day: date) -> str:
        if self.removed_at is not None:
            return REMOVED
        if day < self.starts_on:
            return UPCOMING
        if self.ends_on is not None and day > self.ends_on:
            return ENDED
        return CURRENT

    def is_member_on(self, day: date) -> bool:
        return self.status_on(day) == CURRENT
