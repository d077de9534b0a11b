"""Bids and what they are judged on: the tender's quality questions, the providers' bids per lot
(with consortium members, documents and receipts), the per-tender key that seals bid documents,
and the two-person opening.

Sealing, in the ORM and in PostgreSQL alike: a bid (and everything under it) is its provider's
row; the tender's commissioner reads it only once the tender is *opened*, that is once
``tenders.opened_at`` is set, which a trigger allows only after two different users of the
commissioner have confirmed the opening (``tender_openings``). Until then no page, API answer,
export, search or raw SQL as the app role can list, count or read a bid on the commissioner side.
The predicate is the same in both layers::

    tenant_id = :org
    OR (commissioner_id = :org AND status <> 'draft'
        AND tender_id IN (SELECT id FROM tenders WHERE tenant_id = :org AND opened_at IS NOT NULL))

Bid documents are encrypted before they reach S3 with a data key sealed to the tender's public
key (``Tender.bid_public_key``); the private key is kept only wrapped by the configured key
(``TenderKey``, the commissioner's row) and is unwrapped for reading once the tender is opened.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, CheckConstraint, DateTime, ForeignKey, ForeignKeyConstraint, Index, Integer,
                        LargeBinary, Numeric, String, Text, UniqueConstraint, and_, or_, select)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.procurement.models import ListedToAll, Lot, Tender, _in
from portal.tenants.models import Organisation
from portal.tenants.scoping import TenantScoped

BID_DRAFT = "draft"
BID_SUBMITTED = "submitted"
BID_WITHDRAWN = "withdrawn"
BID_STATUSES = {BID_DRAFT: "Not submitted", BID_SUBMITTED: "Submitted", BID_WITHDRAWN: "Withdrawn"}
BID_STATUS_TAGS = {BID_DRAFT: "govuk-tag--grey", BID_SUBMITTED: "govuk-tag--green", BID_WITHDRAWN: "govuk-tag--red"}

MEMBER_ROLES = {"member": "Consortium member", "subcontractor": "Sub-contractor"}


class QualityQuestion(ListedToAll, db.Model):
    """A question every bid answers, scored 0-4 in evaluation. ``weight`` is its share of the
    quality weight (the questions of a lot add up to 100); ``lot_id`` None means every lot."""

    __tablename__ = "tender_quality_questions"
    __table_args__ = tenant_table_args(
        "tender_quality_questions",
        UniqueConstraint("tenant_id", "tender_id", "number", name="uq_tender_quality_questions_number"),
        CheckConstraint("number >= 1", name="number_from_one"),
        CheckConstraint("weight between 1 and 100", name="weight_in_range"),
        CheckConstraint("word_limit is null or word_limit > 0", name="word_limit_positive"),
        parents=(("tender_id", "tenders"), ("lot_id", "tender_lots")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    lot_id: Mapped[int | None] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    guidance: Mapped[str] = mapped_column(Text, nullable=False, default="")
    weight: Mapped[int] = mapped_column(Integer, nullable=False)
    word_limit: Mapped[int | None] = mapped_column(Integer)
    listed: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=False)


class TenderKey(TenantScoped, db.Model):
    """The private half of a tender's bid key, wrapped by the configured key: the commissioner's
    own row, never listed. Made when the tender is published."""

    __tablename__ = "tender_keys"
    __table_args__ = tenant_table_args(
        "tender_keys",
        UniqueConstraint("tenant_id", "tender_id", name="uq_tender_keys_tender"),
        parents=(("tender_id", "tenders"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Which configured wrapping key wrapped it (so the key can be rotated).
    key_id: Mapped[str] = mapped_column(String(60), nullable=False)
    wrapped_private_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = created_at_column()


class TenderOpening(TenantScoped, db.Model):
    """One procurement user's confirmation that the bids may be opened. The second confirmation
    by a different user sets ``tenders.opened_at`` (a trigger refuses it sooner)."""

    __tablename__ = "tender_openings"
    __table_args__ = tenant_table_args(
        "tender_openings",
        UniqueConstraint("tenant_id", "tender_id", "user_id", name="uq_tender_openings_user"),
        parents=(("tender_id", "tenders"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    confirmed_at: Mapped[datetime] = created_at_column()

    user: Mapped["User"] = relationship(lazy="joined")  # noqa: F821


class Sealed(TenantScoped):
    """A provider's row about a bid, read by the tender's commissioner only once it is opened."""

    @classmethod
    def tenant_criteria(cls, tenant):
        opened = select(Tender.id).where(Tender.tenant_id == tenant, Tender.opened_at.is_not(None))
        return or_(cls.tenant_id == tenant,
                   and_(cls.commissioner_id == tenant, cls.status != BID_DRAFT, cls.tender_id.in_(opened)))

    @classmethod
    def writable_by(cls, obj, tenant) -> bool:
        return obj.tenant_id == tenant


def _sealed_args(table: str, *extra, parents=()):
    return tenant_table_args(
        table,
        ForeignKeyConstraint(["commissioner_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                             name=f"fk_{table}_commissioner_tender_id", ondelete="CASCADE"),
        Index(f"ix_{table}_commissioner_id_tender_id", "commissioner_id", "tender_id"),
        *extra, parents=parents)


class Bid(Sealed, db.Model):
    """A provider's bid for one lot: price, answers to the quality questions, documents, and (for
    a consortium) its members. Replaced by submitting again (``version`` counts submissions);
    withdrawn until the deadline."""

    __tablename__ = "tender_bids"
    __table_args__ = _sealed_args(
        "tender_bids",
        UniqueConstraint("tenant_id", "tender_id", "lot_id", name="uq_tender_bids_one_per_lot"),
        CheckConstraint(f"status in {_in(BID_STATUSES)}", name="valid_status"),
        CheckConstraint("price is null or price > 0", name="price_positive"),
        CheckConstraint("status <> 'submitted' or (price is not null and submitted_at is not null "
                        "and receipt_sha256 is not null)", name="submitted_is_complete"),
        ForeignKeyConstraint(["commissioner_id", "lot_id"], ["tender_lots.tenant_id", "tender_lots.id"],
                             name="fk_tender_bids_commissioner_lot_id", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    commissioner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"),
                                                 nullable=False)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    lot_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=BID_DRAFT)
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: Quality question id (as a string) -> the provider's answer.
    answers: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    #: How many times it has been submitted (a replacement is a new version).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    receipt_sha256: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Set when an amendment affecting the lot came after the submission: the provider confirms
    #: the bid still stands (or replaces it) before the deadline.
    reconfirm_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reconfirm_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = created_at_column()

    provider: Mapped[Organisation] = relationship(foreign_keys="Bid.tenant_id", lazy="joined")
    tender: Mapped[Tender] = relationship(
        primaryjoin="and_(foreign(Bid.tender_id) == Tender.id, foreign(Bid.commissioner_id) == Tender.tenant_id)",
        viewonly=True, lazy="joined")
    lot: Mapped[Lot] = relationship(
        primaryjoin="and_(foreign(Bid.lot_id) == Lot.id, foreign(Bid.commissioner_id) == Lot.tenant_id)",
        viewonly=True, lazy="joined")
    members: Mapped[list["BidMember"]] = relationship(
        primaryjoin="and_(foreign(BidMember.bid_id) == Bid.id, foreign(BidMember.tenant_id) == Bid.tenant_id)",
        order_by="BidMember.id", viewonly=True, lazy="selectin")
    documents: Mapped[list["BidDocument"]] = relationship(
        primaryjoin="and_(foreign(BidDocument.bid_id) == Bid.id, foreign(BidDocument.tenant_id) == Bid.tenant_id)",
        order_by="BidDocument.id", viewonly=True, lazy="selectin")

    @property
    def status_label(self) -> str:
        return BID_STATUSES[self.status]

    @property
    def status_tag(self) -> str:
        return BID_STATUS_TAGS[self.status]

    @property
    def reconfirmation_outstanding(self) -> bool:
        """Submitted before an amendment of its lot and not confirmed since: evaluators are told."""
        return self.status == BID_SUBMITTED and self.reconfirm_since is not None


class BidMember(Sealed, db.Model):
    """A consortium member or sub-contractor named by the lead provider (the tenant), with its
    role and share; the member organisation reads and confirms its own part."""

    __tablename__ = "tender_bid_members"
    __table_args__ = _sealed_args(
        "tender_bid_members",
        UniqueConstraint("tenant_id", "bid_id", "member_id", name="uq_tender_bid_members_once"),
        CheckConstraint("role in ('member', 'subcontractor')", name="valid_role"),
        CheckConstraint("share > 0 and share <= 100", name="share_in_range"),
        CheckConstraint("member_id <> tenant_id", name="not_the_lead"),
        CheckConstraint(f"status in {_in(BID_STATUSES)}", name="valid_status"),
        Index("ix_tender_bid_members_member_id", "member_id"),
        ForeignKeyConstraint(["commissioner_id", "lot_id"], ["tender_lots.tenant_id", "tender_lots.id"],
                             name="fk_tender_bid_members_commissioner_lot_id", ondelete="CASCADE"),
        parents=(("bid_id", "tender_bids"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    commissioner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"),
                                                 nullable=False)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bid_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: The lot of the bid, so the member sees what it confirms without reading the lead's bid.
    lot_id: Mapped[int | None] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"),
                                           nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The member's share of the work, in per cent.
    share: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False)
    part: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Mirrors the bid's status, so the sealing predicate is the same flat one.
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=BID_DRAFT)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    member: Mapped[Organisation] = relationship(foreign_keys="BidMember.member_id", lazy="joined")
    lead: Mapped[Organisation] = relationship(foreign_keys="BidMember.tenant_id", lazy="joined", viewonly=True)
    tender: Mapped[Tender] = relationship(
        primaryjoin="and_(foreign(BidMember.tender_id) == Tender.id, "
                    "foreign(BidMember.commissioner_id) == Tender.tenant_id)", viewonly=True, lazy="joined")
    lot: Mapped[Lot | None] = relationship(
        primaryjoin="and_(foreign(BidMember.lot_id) == Lot.id, foreign(BidMember.commissioner_id) == Lot.tenant_id)",
        viewonly=True, lazy="joined")

    @property
    def role_label(self) -> str:
        return MEMBER_ROLES.get(self.role, self.role)

    @classmethod
    def tenant_criteria(cls, tenant):
        return or_(super().tenant_criteria(tenant), cls.member_id == tenant)

    @classmethod
    def writable_by(cls, obj, tenant) -> bool:
        return obj.tenant_id == tenant or obj.member_id == tenant


class BidDocument(Sealed, db.Model):
    """A file of a bid, stored in S3 encrypted (AES-GCM) with its own data key, which is kept
    only sealed to the tender's public key (``sealed_key``)."""

    __tablename__ = "tender_bid_documents"
    __table_args__ = _sealed_args(
        "tender_bid_documents",
        UniqueConstraint("tenant_id", "storage_key", name="uq_tender_bid_documents_storage_key"),
        CheckConstraint("size_bytes > 0", name="not_empty"),
        CheckConstraint(f"status in {_in(BID_STATUSES)}", name="valid_status"),
        parents=(("bid_id", "tender_bids"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    commissioner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"),
                                                 nullable=False)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bid_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Over the plain bytes: part of the receipt.
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(200), nullable=False)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    scan_status: Mapped[str | None] = mapped_column(String(20))
    #: Mirrors the bid's status, so the sealing predicate is the same flat one.
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=BID_DRAFT)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    @property
    def size_label(self) -> str:
        from portal.documents.models import format_size

        return format_size(self.size_bytes)


class BidReceipt(Sealed, db.Model):
    """Every submission, replacement and withdrawal: when, and the SHA-256 over what was sent.
    Append-only."""

    __tablename__ = "tender_bid_receipts"
    __table_args__ = _sealed_args(
        "tender_bid_receipts",
        UniqueConstraint("tenant_id", "bid_id", "number", name="uq_tender_bid_receipts_number"),
        CheckConstraint(f"status in {_in((BID_SUBMITTED, BID_WITHDRAWN))}", name="valid_status"),
        parents=(("bid_id", "tender_bids"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    commissioner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"),
                                                 nullable=False)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bid_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    #: What happened: submitted (or replaced) or withdrawn.
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    #: The canonical JSON the hash was taken over, so anyone can check it.
    contents: Mapped[dict] = mapped_column(JSONB, nullable=False)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()


class BidChanges(TenantScoped, db.Model):
    """A bid's working copy while its provider prepares it, or a replacement of it: the price, the
    answers and the submitted documents to remove (documents added meanwhile are the bid's rows
    with status ``draft``). The submitted bid stands unchanged until the provider submits again.
    The provider's row alone: the commissioner never reads it, not even once the bids are opened."""

    __tablename__ = "tender_bid_changes"
    __table_args__ = tenant_table_args(
        "tender_bid_changes",
        UniqueConstraint("tenant_id", "bid_id", name="uq_tender_bid_changes_bid"),
        CheckConstraint("price is null or price > 0", name="price_positive"),
        parents=(("bid_id", "tender_bids"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bid_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: Quality question id (as a string) -> the answer being written.
    answers: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    #: Ids of the bid's submitted documents that the next submission leaves out.
    removed_documents: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    started_at: Mapped[datetime] = created_at_column()
