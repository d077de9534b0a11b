"""Tenders, their lots and the providers interested in them.

A tender belongs to the commissioner that runs it (the tenant). Once published it is listed:
``listed`` is set at publication and never cleared (a cancelled tender stays on the record; a
draft cancelled before publication stays the commissioner's own). Who reads a listed row is its
``audience``: every organisation when NULL, else the organisations whose ids it holds (the
members of an approved supplier list on the day a mini-competition was published, see
portal.procurement.supplier_lists). The ORM criteria and the row-level security policy are one
flat, indexable predicate::

    tenant_id = :org OR (listed AND (audience IS NULL OR audience @> ARRAY[:org]))

Only the owner may write. A provider's interest in a tender is the provider's row, which the
tender's commissioner also reads.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Computed, Date, DateTime, FetchedValue,
                        ForeignKeyConstraint, Index, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint,
                        and_, cast, or_)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, array
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.contracts.models import SERVICE_TYPES
from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.procurement import supplier_list_models as _supplier_lists  # noqa: F401  (Tender.supplier_list)
from portal.tenants.models import Organisation
from portal.tenants.scoping import CommissionerVisible, TenantScoped

DRAFT, PUBLISHED, CLOSED, EVALUATION, AWARDED, CANCELLED = (
    "draft", "published", "closed", "evaluation", "awarded", "cancelled")
STATUSES = {
    DRAFT: "Draft",
    PUBLISHED: "Open",
    CLOSED: "Closed",
    EVALUATION: "Being evaluated",
    AWARDED: "Awarded",
    CANCELLED: "Cancelled",
}
STATUS_TAGS = {DRAFT: "govuk-tag--grey", PUBLISHED: "govuk-tag--green", CLOSED: "govuk-tag--blue",
               EVALUATION: "govuk-tag--light-blue", AWARDED: "govuk-tag--purple", CANCELLED: "govuk-tag--red"}


SEARCH_EXPRESSION = ("to_tsvector('english', coalesce(reference, '') || ' ' || coalesce(title, '') || ' ' || "
                     "coalesce(description, ''))")


def _in(values) -> str:
    return "(" + ", ".join(repr(v) for v in values) + ")"


class ListedToAll(TenantScoped):
    """A commissioner's row that its audience reads once it is ``listed`` (published): every
    organisation when ``audience`` is NULL, else the organisations it names. A table of these rows
    has a ``listed`` column, this ``audience`` column (GIN-indexed) and the RLS of
    ``migrations/rls.py:enable_listed_rls``; a row with a ``tender_id`` takes its tender's audience
    from a trigger each time it is written, so nothing written about a mini-competition can reach
    another organisation."""

    @declared_attr
    def audience(cls) -> Mapped[list[int] | None]:
        # Set on tenders by publication; copied to the other tables by the database (FetchedValue).
        return mapped_column(ARRAY(BigInteger), server_default=FetchedValue(), server_onupdate=FetchedValue())

    @classmethod
    def tenant_criteria(cls, tenant):
        audience = or_(cls.audience.is_(None), cls.audience.contains(array([cast(tenant, BigInteger)])))
        return or_(cls.tenant_id == tenant, and_(cls.listed.is_(True), audience))


class Tender(ListedToAll, db.Model):
    __tablename__ = "tenders"
    __table_args__ = tenant_table_args(
        "tenders",
        UniqueConstraint("tenant_id", "reference", name="uq_tenders_tenant_id_reference"),
        CheckConstraint(f"status in {_in(STATUSES)}", name="valid_status"),
        CheckConstraint("regime in ('scotland', 'england', 'below_threshold')", name="valid_regime"),
        CheckConstraint(f"service_type in {_in(SERVICE_TYPES)}", name="valid_service_type"),
        CheckConstraint("listed or status in ('draft', 'cancelled')", name="listed_unless_draft"),
        CheckConstraint("quality_weight >= 0 and price_weight >= 0 and quality_weight + price_weight = 100",
                        name="weights_add_up"),
        Index("ix_tenders_listed_submission_deadline", "listed", "submission_deadline"),
        Index("ix_tenders_search", "search", postgresql_using="gin"),
        ForeignKeyConstraint(["tenant_id", "supplier_list_id"], ["supplier_lists.tenant_id", "supplier_lists.id"],
                             name="fk_tenders_tenant_supplier_list_id", ondelete="RESTRICT"),
        CheckConstraint("supplier_list_id is not null or audience is null", name="audience_only_when_restricted"),
        CheckConstraint("supplier_list_id is null or not listed or audience is not null",
                        name="restricted_has_audience"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    service_type: Mapped[str] = mapped_column(String(30), nullable=False)
    regime: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The Scottish regime's shorter answer period applies (a state of urgency, documented).
    accelerated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Every notice goes electronically (the Scottish standstill is then 10 days, not 15).
    electronic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DRAFT)
    listed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The timetable: fixed moments and days, each stored as it was set (none is derived on reading).
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    clarification_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    answer_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    submission_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    evaluation_on: Mapped[date] = mapped_column(Date, nullable=False)
    award_on: Mapped[date] = mapped_column(Date, nullable=False)
    standstill_end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    contract_start: Mapped[date] = mapped_column(Date, nullable=False)
    cancel_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: How bids are weighed: quality and price, in per cent, adding up to 100.
    quality_weight: Mapped[int] = mapped_column(Integer, nullable=False, default=70)
    price_weight: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    #: The public half of the key bid documents are sealed with (made at publication).
    bid_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Set when the second procurement user confirms the opening: from then on the commissioner
    #: reads the bids (see portal.procurement.bid_models).
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: A mini-competition: only the members of this approved supplier list on the publication day
    #: read the tender once published (their ids are its ``audience``). Chosen while a draft.
    supplier_list_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at_column()
    #: What a search matches: the reference, title and description (kept by PostgreSQL).
    search = mapped_column(TSVECTOR, Computed(SEARCH_EXPRESSION, persisted=True), deferred=True)

    commissioner: Mapped[Organisation] = relationship(foreign_keys="Tender.tenant_id", lazy="joined")
    supplier_list: Mapped["SupplierList | None"] = relationship(  # noqa: F821
        primaryjoin="and_(foreign(Tender.supplier_list_id) == SupplierList.id, "
                    "foreign(Tender.tenant_id) == SupplierList.tenant_id)", viewonly=True)
    lots: Mapped[list["Lot"]] = relationship(
        primaryjoin="and_(foreign(Lot.tender_id) == Tender.id, foreign(Lot.tenant_id) == Tender.tenant_id)",
        order_by="Lot.number", viewonly=True, lazy="selectin")
    amendments: Mapped[list["Amendment"]] = relationship(
        primaryjoin="and_(foreign(Amendment.tender_id) == Tender.id, "
                    "foreign(Amendment.tenant_id) == Tender.tenant_id)",
        order_by="Amendment.number", viewonly=True, lazy="selectin")

    @property
    def service_type_label(self) -> str:
        return SERVICE_TYPES[self.service_type]

    @property
    def estimated_value(self) -> Decimal:
        return sum((lot.estimated_value for lot in self.lots), Decimal("0"))


class Lot(ListedToAll, db.Model):
    """A part of a tender that is bid for and awarded on its own; every tender has at least one."""

    __tablename__ = "tender_lots"
    __table_args__ = tenant_table_args(
        "tender_lots",
        UniqueConstraint("tenant_id", "tender_id", "number", name="uq_tender_lots_number"),
        CheckConstraint("number >= 1", name="number_from_one"),
        CheckConstraint("estimated_value >= 0", name="value_not_negative"),
        CheckConstraint("places between 1 and 50", name="places_in_range"),
        parents=(("tender_id", "tenders"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    estimated_value: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    #: How many providers the lot is awarded to (the top ``places`` bids of its ranking).
    places: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    listed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    tender: Mapped[Tender] = relationship(
        primaryjoin="and_(foreign(Lot.tender_id) == Tender.id, foreign(Lot.tenant_id) == Tender.tenant_id)",
        viewonly=True)


class Interest(CommissionerVisible, db.Model):
    """A provider's registered interest in a tender: it is told of clarifications, amendments,
    document releases and deadline changes. The provider is the tenant; the tender's
    commissioner reads it."""

    __tablename__ = "tender_interests"
    __table_args__ = tenant_table_args(
        "tender_interests",
        UniqueConstraint("tenant_id", "tender_id", name="uq_tender_interests_once"),
        ForeignKeyConstraint(["commissioner_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                             name="fk_tender_interests_commissioner_tender_id", ondelete="CASCADE"),
        Index("ix_tender_interests_commissioner_id_tender_id", "commissioner_id", "tender_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    provider: Mapped[Organisation] = relationship(foreign_keys="Interest.tenant_id", lazy="joined")
    tender: Mapped[Tender] = relationship(
        primaryjoin="and_(foreign(Interest.tender_id) == Tender.id, "
                    "foreign(Interest.commissioner_id) == Tender.tenant_id)", viewonly=True)


class Amendment(ListedToAll, db.Model):
    """A change to a published tender: what changed (each field before and after, in words), why,
    and when. Read by everyone who reads the tender; written by its commissioner alone, once."""

    __tablename__ = "tender_amendments"
    __table_args__ = tenant_table_args(
        "tender_amendments",
        UniqueConstraint("tenant_id", "tender_id", "number", name="uq_tender_amendments_number"),
        parents=(("tender_id", "tenders"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    #: Field name -> {"label", "before", "after"}, the values as people read them.
    changes: Mapped[dict] = mapped_column(JSONB, nullable=False)
    listed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_at_column()
