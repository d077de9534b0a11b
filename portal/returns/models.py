"""Returns (one per period of a contract's schedule), their answers and submitted versions."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (ARRAY, BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer,
                        Numeric, String, Text, UniqueConstraint)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.contracts.models import Contract, Measure
from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args, utcnow
from portal.tenants.scoping import CommissionerVisible, TenantScoped

DRAFT, SUBMITTED, ACCEPTED, CHANGES_REQUESTED, RESUBMITTED = (
    "draft", "submitted", "accepted", "changes_requested", "resubmitted")
STATUSES = (DRAFT, SUBMITTED, ACCEPTED, CHANGES_REQUESTED, RESUBMITTED)
STATUS_LABELS = {
    DRAFT: "Draft", SUBMITTED: "Submitted", ACCEPTED: "Accepted",
    CHANGES_REQUESTED: "Changes requested", RESUBMITTED: "Resubmitted",
}
# Status groups, defined here only: code uses the names, SQL takes them as bound parameters
# (``status = ANY(:counted)``).
EDITABLE = (DRAFT, CHANGES_REQUESTED)  # the provider may still change it
AWAITING_REVIEW = (SUBMITTED, RESUBMITTED)  # in the commissioner's review queue
COUNTED = (SUBMITTED, RESUBMITTED, ACCEPTED)  # its latest submitted version counts in outcome figures
# The key of the last task of every return's task list (the others are outcome codes and delivery).
DECLARATION_TASK = "declaration"


class Return(CommissionerVisible, db.Model):
    """A provider's return for one period of a contract. Drafts are the provider's alone."""

    __tablename__ = "returns"
    __hidden_from_commissioner__ = (DRAFT,)
    __table_args__ = tenant_table_args(
        "returns",
        UniqueConstraint("tenant_id", "contract_id", "period_start", name="uq_returns_tenant_id_contract_id_period"),
        CheckConstraint("period_end >= period_start", name="period_in_order"),
        CheckConstraint("status in " + "(" + ", ".join(repr(s) for s in STATUSES) + ")", name="valid_status"),
        CheckConstraint("status = 'draft' or submitted_at is not null", name="submitted_has_time"),
        Index("ix_returns_tenant_id_due_date", "tenant_id", "due_date"),
        Index("ix_returns_commissioner_id_status_due_date", "commissioner_id", "status", "due_date"),
        parents=(("contract_id", "contracts"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    contract_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(30), nullable=False, default=DRAFT)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    problem_tasks: Mapped[list[str]] = mapped_column(ARRAY(String(60)), nullable=False, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    reminders_sent: Mapped[list[str]] = mapped_column(ARRAY(String(20)), nullable=False, default=list)
    #: When changes are requested: the date the provider should respond by (None: the due date stands).
    respond_by: Mapped[date | None] = mapped_column(Date)
    #: When changes are requested: the commissioner's comment on each flagged section (task key -> text).
    section_comments: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    #: Warnings (a figure far from the previous period's) the provider has seen and confirmed:
    #: measure code -> the warning as shown. Frozen into each version as ``warnings``.
    confirmed_warnings: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)

    __mapper_args__ = {"version_id_col": lock_version}

    contract: Mapped[Contract] = relationship(
        primaryjoin="and_(foreign(Return.contract_id) == Contract.id, foreign(Return.tenant_id) == Contract.tenant_id)",
        viewonly=True, lazy="joined")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE


class Answer(TenantScoped, db.Model):
    """The provider's current answer to one measure. Provider-only: commissioners read versions."""

    __tablename__ = "answers"
    __table_args__ = tenant_table_args(
        "answers",
        UniqueConstraint("tenant_id", "return_id", "measure_id", name="uq_answers_tenant_id_return_id_measure_id"),
        parents=(("return_id", "returns"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    return_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="RESTRICT"), nullable=False)
    value_number: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    value_bool: Mapped[bool | None] = mapped_column(Boolean)
    value_text: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    measure: Mapped[Measure] = relationship(lazy="joined")


class ReturnVersion(CommissionerVisible, db.Model):
    """An immutable submission: the answers and document references as submitted, with their hash."""

    __tablename__ = "return_versions"
    __table_args__ = tenant_table_args(
        "return_versions",
        Index("ix_return_versions_commissioner_id", "commissioner_id", "return_id", "number"),  # the commissioner's reads
        UniqueConstraint("tenant_id", "return_id", "number", name="uq_return_versions_tenant_id_return_id_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        parents=(("return_id", "returns"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    return_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    answers: Mapped[dict] = mapped_column(JSONB, nullable=False)
    documents: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: The date this submission was judged against (portal.returns.lateness): the due date, or
    #: for a resubmission the date the commissioner set to respond by.
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    #: The warnings the provider confirmed before submitting (measure code -> warning).
    warnings: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)

    submitted_by = relationship("User", lazy="joined")


class ReturnDocument(TenantScoped, db.Model):
    """A library document attached to a return as evidence."""

    __tablename__ = "return_documents"
    __table_args__ = tenant_table_args(
        "return_documents",
        UniqueConstraint("tenant_id", "return_id", "document_id", name="uq_return_documents_return_document"),
        parents=(("return_id", "returns"), ("document_id", "documents")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    return_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    document_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    attached_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    document = relationship(
        "Document", lazy="joined", viewonly=True,
        primaryjoin="and_(foreign(ReturnDocument.document_id) == Document.id, "
                    "foreign(ReturnDocument.tenant_id) == Document.tenant_id)")


IMPORT_PENDING, IMPORT_APPLIED, IMPORT_FAILED = "pending", "applied", "failed"


class ReturnImport(TenantScoped, db.Model):
    """A filled-in spreadsheet for a return: a worker applies every answer in it, or none."""

    __tablename__ = "return_imports"
    __table_args__ = tenant_table_args(
        "return_imports",
        CheckConstraint("status in ('pending', 'applied', 'failed')", name="valid_status"),
        parents=(("return_id", "returns"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    return_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    file_format: Mapped[str] = mapped_column(String(10), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=IMPORT_PENDING)
    errors: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    applied_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by = relationship("User", lazy="joined")


REMINDER_KINDS = ("week", "day", "overdue")
REMINDER_LABELS = {"week": "A week before", "day": "The day before", "overdue": "When overdue"}


class ReturnReminder(CommissionerVisible, db.Model):
    """A reminder emailed to the provider about a return, kept where the commissioner can see it
    even while the return is a draft (the draft itself stays the provider's own), so that a
    contract manager chasing a missing return knows what the provider has been sent."""

    __tablename__ = "return_reminders"
    __table_args__ = tenant_table_args(
        "return_reminders",
        UniqueConstraint("tenant_id", "return_id", "deadline", "kind", name="uq_return_reminders_once"),
        CheckConstraint("kind in ('week', 'day', 'overdue')", name="valid_kind"),
        Index("ix_return_reminders_commissioner_id_contract_id", "commissioner_id", "contract_id"),
        Index("ix_return_reminders_tenant_id_contract_id", "tenant_id", "contract_id"),
        parents=(("return_id", "returns"), ("contract_id", "contracts")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    return_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: The contract and period, so that the commissioner can place a reminder without seeing the draft.
    contract_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The deadline the reminder was about: the due date, or the date to respond by.
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    sent_at: Mapped[datetime] = created_at_column()

    @property
    def label(self) -> str:
        return REMINDER_LABELS[self.kind]
