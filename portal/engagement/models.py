"""Market engagement: Q&A threads a commissioner opens outside a tender.

Who owns and who reads each row (the ORM criteria here mirror the RLS policies of
migrations/versions/0014_threads.py):

- a ``Thread`` is the commissioner's row. A market-wide one is ``listed`` (read by every
  organisation from the moment it is opened); a contract-scoped one names the contract's
  provider in ``provider_id``, the one other organisation that reads it;
- a ``ThreadQuestion`` is the asking provider's row, read by the thread's commissioner
  (``CommissionerVisible``): no other provider ever reads it, nor learns who asked;
- a ``Reply`` is the commissioner's row, read by the provider that asked (``provider_id``);
- an ``Answer`` is an entry of the published answer set: the commissioner's row, with the
  question and reply as the commissioner edited them (asker-free). It is read by nobody else until
  published: then it becomes ``listed`` (market-wide) or gets the contract's ``provider_id``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Computed, DateTime, ForeignKey, ForeignKeyConstraint,
                        Index, Integer, String, Text, UniqueConstraint, or_)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.tenants.models import Organisation
from portal.tenants.scoping import CommissionerVisible, TenantScoped

MARKET, CONTRACT = "market", "contract"
SCOPES = {MARKET: "Market-wide: every organisation can read it",
          CONTRACT: "One contract: only its provider, and on your side its lead manager, administrators and "
                    "procurement officers"}
OPEN, CLOSED = "open", "closed"
STATUSES = {OPEN: "Open", CLOSED: "Closed"}
STATUS_TAGS = {OPEN: "govuk-tag--green", CLOSED: "govuk-tag--grey"}
QUESTION_LIMIT = 5000
REPLY_LIMIT = 10000

THREAD_SEARCH = "to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, ''))"
ANSWER_SEARCH = "to_tsvector('english', coalesce(question, '') || ' ' || coalesce(answer, ''))"


class ListedOrProvider(TenantScoped):
    """A commissioner's row read by every organisation when ``listed``, and by the one provider
    named in ``provider_id``; only the commissioner writes it."""

    @classmethod
    def tenant_criteria(cls, tenant):
        return or_(cls.tenant_id == tenant, cls.listed.is_(True), cls.provider_id == tenant)


class ReadByProvider(TenantScoped):
    """A commissioner's row read by the one provider named in ``provider_id``."""

    @classmethod
    def tenant_criteria(cls, tenant):
        return or_(cls.tenant_id == tenant, cls.provider_id == tenant)


class Thread(ListedOrProvider, db.Model):
    __tablename__ = "threads"
    __table_args__ = tenant_table_args(
        "threads",
        CheckConstraint("scope in ('market', 'contract')", name="valid_scope"),
        CheckConstraint("status in ('open', 'closed')", name="valid_status"),
        CheckConstraint("(scope = 'market' and listed and contract_id is null and provider_id is null) or "
                        "(scope = 'contract' and not listed and contract_id is not null and provider_id is not null)",
                        name="scope_readers"),
        CheckConstraint("(status = 'closed') = (closed_at is not null)", name="closed_when_closed"),
        ForeignKeyConstraint(["provider_id", "contract_id"], ["contracts.tenant_id", "contracts.id"],
                             name="fk_threads_provider_contract", ondelete="CASCADE"),
        Index("ix_threads_listed_created_at", "listed", "created_at"),
        Index("ix_threads_provider_id", "provider_id"),
        Index("ix_threads_search", "search", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    scope: Mapped[str] = mapped_column(String(20), nullable=False, default=MARKET)
    listed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    contract_id: Mapped[int | None] = mapped_column(BigInteger)
    provider_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=OPEN)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the answer set was last published (None: never).
    answers_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search = mapped_column(TSVECTOR, Computed(THREAD_SEARCH, persisted=True), deferred=True)

    commissioner: Mapped[Organisation] = relationship(foreign_keys="Thread.tenant_id", lazy="joined")
    provider: Mapped[Organisation | None] = relationship(foreign_keys="Thread.provider_id", lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS[self.status]


class ThreadQuestion(CommissionerVisible, db.Model):
    """A provider's question in a thread (the provider is the tenant)."""

    __tablename__ = "thread_questions"
    __table_args__ = tenant_table_args(
        "thread_questions",
        ForeignKeyConstraint(["commissioner_id", "thread_id"], ["threads.tenant_id", "threads.id"],
                             name="fk_thread_questions_commissioner_thread_id", ondelete="CASCADE"),
        CheckConstraint(f"length(body) between 1 and {QUESTION_LIMIT}", name="body_length"),
        Index("ix_thread_questions_commissioner_id_thread_id", "commissioner_id", "thread_id"),
        Index("ix_thread_questions_tenant_id_thread_id", "tenant_id", "thread_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    thread_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    provider: Mapped[Organisation] = relationship(foreign_keys="ThreadQuestion.tenant_id", lazy="joined")
    author = relationship("User", foreign_keys="ThreadQuestion.author_id", lazy="joined")


class Reply(ReadByProvider, db.Model):
    """The commissioner's reply to one question, read by the provider that asked it."""

    __tablename__ = "thread_replies"
    __table_args__ = tenant_table_args(
        "thread_replies",
        UniqueConstraint("tenant_id", "question_id", name="uq_thread_replies_one_per_question"),
        ForeignKeyConstraint(["provider_id", "question_id"], ["thread_questions.tenant_id", "thread_questions.id"],
                             name="fk_thread_replies_provider_question", ondelete="CASCADE"),
        CheckConstraint(f"length(body) between 1 and {REPLY_LIMIT}", name="body_length"),
        Index("ix_thread_replies_provider_id_thread_id", "provider_id", "thread_id"),
        parents=(("thread_id", "threads"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    thread_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    question_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    provider_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"),
                                             nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()


class Answer(ListedOrProvider, db.Model):
    """One entry of a thread's answer set: the question and reply as the commissioner edited
    them, never naming who asked. Unpublished entries (``number`` None) are the commissioner's."""

    __tablename__ = "thread_answers"
    __table_args__ = tenant_table_args(
        "thread_answers",
        UniqueConstraint("tenant_id", "reply_id", name="uq_thread_answers_one_per_reply"),
        UniqueConstraint("tenant_id", "thread_id", "number", name="uq_thread_answers_number"),
        ForeignKeyConstraint(["tenant_id", "reply_id"], ["thread_replies.tenant_id", "thread_replies.id"],
                             name="fk_thread_answers_tenant_reply_id", ondelete="CASCADE"),
        CheckConstraint("number is null or number >= 1", name="number_from_one"),
        CheckConstraint("(number is null) = (published_at is null)", name="numbered_when_published"),
        CheckConstraint("number is not null or (not listed and provider_id is null)", name="read_once_published"),
        CheckConstraint(f"length(question) between 1 and {QUESTION_LIMIT}", name="question_length"),
        CheckConstraint(f"length(answer) between 1 and {REPLY_LIMIT}", name="answer_length"),
        Index("ix_thread_answers_listed_thread_id", "listed", "thread_id"),
        Index("ix_thread_answers_provider_id_thread_id", "provider_id", "thread_id"),
        Index("ix_thread_answers_search", "search", postgresql_using="gin"),
        parents=(("thread_id", "threads"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    thread_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reply_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    number: Mapped[int | None] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    answer: Mapped[str] = mapped_column(Text, nullable=False)
    listed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    provider_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    search = mapped_column(TSVECTOR, Computed(ANSWER_SEARCH, persisted=True), deferred=True)
