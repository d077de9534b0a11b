"""Clarification questions on tenders and the published clarifications log.

A question is the ASKING PROVIDER's row (``tenant_id``), read and answered by the tender's
commissioner (``commissioner_id``), like an interest: nobody else sees it, answered or not. Its
original text and a private answer stay on it.

Publishing writes a separate row, a :class:`Clarification`, owned by the commissioner and
``listed`` to every organisation like the tender itself. It holds the published (possibly
edited) question, the answer, the lot and its number in the tender's log, and nothing that
names or points to the provider that asked: the link from a question to its clarification is on
the question row, which other providers cannot read.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, ForeignKeyConstraint, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.procurement.models import ListedToAll, Tender
from portal.tenants.models import Organisation
from portal.tenants.scoping import CommissionerVisible

OPEN, PUBLISHED, PRIVATE = "open", "published", "private"
QUESTION_STATUSES = {OPEN: "Waiting for an answer", PUBLISHED: "Answered to all", PRIVATE: "Answered privately"}
QUESTION_TAGS = {OPEN: "govuk-tag--yellow", PUBLISHED: "govuk-tag--green", PRIVATE: "govuk-tag--blue"}
QUESTION_LIMIT = 5000
ANSWER_LIMIT = 20000
REASON_LIMIT = 2000


class Clarification(ListedToAll, db.Model):
    """A published clarification: the commissioner's row, read by every organisation."""

    __tablename__ = "tender_clarifications"
    __table_args__ = tenant_table_args(
        "tender_clarifications",
        UniqueConstraint("tenant_id", "tender_id", "number", name="uq_tender_clarifications_number"),
        CheckConstraint("number >= 1", name="number_from_one"),
        CheckConstraint("listed", name="always_listed"),
        parents=(("tender_id", "tenders"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    lot_number: Mapped[int | None] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    answer: Mapped[str] = mapped_column(Text, nullable=False)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    listed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    tender: Mapped[Tender] = relationship(
        primaryjoin="and_(foreign(Clarification.tender_id) == Tender.id, "
                    "foreign(Clarification.tenant_id) == Tender.tenant_id)", viewonly=True)


class Question(CommissionerVisible, db.Model):
    """A provider's clarification question on a tender: the provider's row, the commissioner reads
    and answers it."""

    __tablename__ = "tender_questions"
    __table_args__ = tenant_table_args(
        "tender_questions",
        CheckConstraint(f"status in {tuple(QUESTION_STATUSES)}", name="valid_status"),
        CheckConstraint("status = 'open' or answered_at is not null", name="answered_when_closed"),
        CheckConstraint("status <> 'private' or private_reason <> ''", name="private_has_reason"),
        CheckConstraint("(status = 'published') = (clarification_id is not null)", name="published_has_clarification"),
        ForeignKeyConstraint(["commissioner_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                             name="fk_tender_questions_commissioner_tender_id", ondelete="CASCADE"),
        ForeignKeyConstraint(["commissioner_id", "clarification_id"],
                             ["tender_clarifications.tenant_id", "tender_clarifications.id"],
                             name="fk_tender_questions_commissioner_clarification_id", ondelete="RESTRICT"),
        Index("ix_tender_questions_commissioner_id_status", "commissioner_id", "status", "created_at"),
        Index("ix_tender_questions_tenant_id_tender_id", "tenant_id", "tender_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    lot_number: Mapped[int | None] = mapped_column(Integer)
    #: What the provider asked, kept as asked (the asker and the procurement team read it).
    text: Mapped[str] = mapped_column(Text, nullable=False)
    #: The text published to every organisation: the question with anything naming the asker removed.
    published_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=OPEN)
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Why the answer went to the asker alone (commercially sensitive): required for a private answer.
    private_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clarification_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at_column()

    provider: Mapped[Organisation] = relationship(foreign_keys="Question.tenant_id", lazy="joined")
    tender: Mapped[Tender] = relationship(
        primaryjoin="and_(foreign(Question.tender_id) == Tender.id, "
                    "foreign(Question.commissioner_id) == Tender.tenant_id)", viewonly=True, lazy="joined")
    clarification: Mapped[Clarification | None] = relationship(
        primaryjoin="and_(foreign(Question.clarification_id) == Clarification.id, "
                    "foreign(Question.commissioner_id) == Clarification.tenant_id)", viewonly=True)

    @property
    def status_label(self) -> str:
        return QUESTION_STATUSES[self.status]

    @property
    def status_tag(self) -> str:
        return QUESTION_TAGS[self.status]
