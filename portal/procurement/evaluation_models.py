"""Evaluation and award: the tender's evaluators and their declarations, each evaluator's scores,
the moderated (consensus) scores, the awards, and each bidder's outcome.

Who reads what, in the ORM and in PostgreSQL alike:

- evaluators, evaluators' scores and consensus scores are the commissioner's own rows
  (``tenant_id``): no provider ever reads them. Inside the commissioner the evaluation's rules
  (an evaluator sees another's scores only after submitting their own, nobody sees a price
  before the lot's quality is moderated) are kept by ``portal.procurement.evaluation_queries``.
  Evaluators' scores are append-only: once submitted they are final (the moderator settles
  differences, with a reason).
- an award (one row per winning bid) is public once made, like the tender: ``listed`` rows that
  every organisation reads (the winner, the value, the dates, the contract it became).
- a bid's outcome is the bidder's row (``tenant_id`` is the provider) that the commissioner
  writes at the award and reads (``commissioner_id``): the letter each bidder gets, with its own
  scores and the winner's, and never another unsuccessful bidder's.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, ForeignKeyConstraint, Index,
                        Integer, Numeric, String, Text, UniqueConstraint)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.procurement.models import ListedToAll, Lot, Tender
from portal.tenants.models import Organisation
from portal.tenants.scoping import CommissionerVisible, TenantScoped

ASSIGNED, DECLARED, CONFLICTED, REMOVED = "assigned", "declared", "conflicted", "removed"
EVALUATOR_STATUSES = {
    ASSIGNED: "Declaration needed",
    DECLARED: "No conflict declared",
    CONFLICTED: "Conflict declared: not evaluating",
    REMOVED: "Removed",
}
EVALUATOR_TAGS = {ASSIGNED: "govuk-tag--yellow", DECLARED: "govuk-tag--green", CONFLICTED: "govuk-tag--red",
                  REMOVED: "govuk-tag--grey"}

#: The scoring scale, 0 to 4: what each score means, shown wherever a score is given or read.
SCALE = {
    0: ("Unacceptable", "No answer, or the answer does not meet the requirement."),
    1: ("Poor", "The answer meets the requirement only in part, with major gaps or risks."),
    2: ("Satisfactory", "The answer meets the requirement, with some gaps or weaknesses."),
    3: ("Good", "The answer meets the requirement fully, with evidence."),
    4: ("Excellent", "The answer meets the requirement fully, with strong evidence and added value."),
}
#: Evaluators' scores this far apart (or further) for one question of one bid are flagged for moderation.
FLAG_SPREAD = 2
REASON_LIMIT = 5000

STANDSTILL, CONTRACTED = "standstill", "contracted"
AWARD_STATUSES = {STANDSTILL: "In standstill", CONTRACTED: "Contract made"}
AWARD_TAGS = {STANDSTILL: "govuk-tag--yellow", CONTRACTED: "govuk-tag--green"}


def _bid_key(table: str, provider_column: str = "provider_id"):
    return ForeignKeyConstraint([provider_column, "bid_id"], ["tender_bids.tenant_id", "tender_bids.id"],
                                name=f"fk_{table}_bid_id", ondelete="CASCADE")


class Evaluator(TenantScoped, db.Model):
    """A member of the commissioner on a tender's evaluation panel, and their declaration of
    interests (naming the bidders they will see) made before they see any bid."""

    __tablename__ = "tender_evaluators"
    __table_args__ = tenant_table_args(
        "tender_evaluators",
        UniqueConstraint("tenant_id", "tender_id", "user_id", name="uq_tender_evaluators_once"),
        CheckConstraint("status in ('assigned', 'declared', 'conflicted', 'removed')", name="valid_status"),
        CheckConstraint("status not in ('declared', 'conflicted') or declared_at is not null",
                        name="declared_when_declared"),
        CheckConstraint("status <> 'conflicted' or conflict <> ''", name="conflict_has_details"),
        parents=(("tender_id", "tenders"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ASSIGNED)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: When the evaluator declared (no conflict, or a conflict), and the bidders named then.
    declared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    declared_bidders: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    #: The conflict of interest declared, in the evaluator's words ("" for none).
    conflict: Mapped[str] = mapped_column(Text, nullable=False, default="")
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped["User"] = relationship(foreign_keys="Evaluator.user_id", lazy="joined")  # noqa: F821

    @property
    def status_label(self) -> str:
        return EVALUATOR_STATUSES[self.status]

    @property
    def status_tag(self) -> str:
        return EVALUATOR_TAGS[self.status]


class EvaluatorScore(TenantScoped, db.Model):
    """One evaluator's score (0-4) of one quality question of one bid, with the reason. Submitted
    together for the whole bid, and final: append-only."""

    __tablename__ = "tender_evaluator_scores"
    __table_args__ = tenant_table_args(
        "tender_evaluator_scores",
        UniqueConstraint("tenant_id", "bid_id", "question_id", "evaluator_id", name="uq_tender_evaluator_scores_once"),
        CheckConstraint("score between 0 and 4", name="score_in_scale"),
        CheckConstraint("reason <> ''", name="has_reason"),
        _bid_key("tender_evaluator_scores"),
        Index("ix_tender_evaluator_scores_tenant_id_tender_id", "tenant_id", "tender_id", "bid_id"),
        parents=(("tender_id", "tenders"), ("lot_id", "tender_lots"), ("question_id", "tender_quality_questions")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    lot_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bid_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    provider_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"),
                                             nullable=False)
    question_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    submitted_at: Mapped[datetime] = created_at_column()


class ConsensusScore(TenantScoped, db.Model):
    """The moderated score of one quality question of one bid, with the moderator's reason: the
    score the ranking uses. Recorded again (audited) until the lot is awarded."""

    __tablename__ = "tender_consensus_scores"
    __table_args__ = tenant_table_args(
        "tender_consensus_scores",
        UniqueConstraint("tenant_id", "bid_id", "question_id", name="uq_tender_consensus_scores_once"),
        CheckConstraint("score between 0 and 4", name="score_in_scale"),
        CheckConstraint("reason <> ''", name="has_reason"),
        _bid_key("tender_consensus_scores"),
        Index("ix_tender_consensus_scores_tenant_id_tender_id", "tenant_id", "tender_id", "lot_id"),
        parents=(("tender_id", "tenders"), ("lot_id", "tender_lots"), ("question_id", "tender_quality_questions")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    lot_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bid_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    provider_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"),
                                             nullable=False)
    question_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    moderated_at: Mapped[datetime] = created_at_column()


class Award(ListedToAll, db.Model):
    """A lot awarded to one bid (a lot taking several providers has one award per winner): public
    from the award notice. Its standstill ends per the tender's regime; then the award becomes a
    contract in the contracts module (``contract_id``)."""

    __tablename__ = "tender_awards"
    __table_args__ = tenant_table_args(
        "tender_awards",
        UniqueConstraint("tenant_id", "lot_id", "bid_id", name="uq_tender_awards_once"),
        CheckConstraint("status in ('standstill', 'contracted')", name="valid_status"),
        CheckConstraint("status <> 'contracted' or (contract_id is not null and concluded_at is not null)",
                        name="contracted_has_contract"),
        CheckConstraint("value > 0", name="value_positive"),
        CheckConstraint("contract_end >= contract_start", name="contract_ends_after_start"),
        CheckConstraint("listed", name="always_listed"),
        _bid_key("tender_awards"),
        ForeignKeyConstraint(["provider_id", "contract_id"], ["contracts.tenant_id", "contracts.id"],
                             name="fk_tender_awards_contract_id", ondelete="RESTRICT"),
        Index("ix_tender_awards_tenant_id_status", "tenant_id", "status", "standstill_end"),
        parents=(("tender_id", "tenders"), ("lot_id", "tender_lots")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    lot_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bid_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    provider_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"),
                                             nullable=False)
    #: The winning bid's price.
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    #: The bid's place in the lot's ranking.
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Why a bid outside the top of the ranking was chosen ("" when the top bids were).
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    notice_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    standstill_end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    contract_start: Mapped[date] = mapped_column(Date, nullable=False)
    contract_end: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=STANDSTILL)
    contract_id: Mapped[int | None] = mapped_column(BigInteger)
    concluded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    awarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    listed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    provider: Mapped[Organisation] = relationship(foreign_keys="Award.provider_id", lazy="joined")
    lot: Mapped[Lot] = relationship(
        primaryjoin="and_(foreign(Award.lot_id) == Lot.id, foreign(Award.tenant_id) == Lot.tenant_id)",
        viewonly=True, lazy="joined")
    tender: Mapped[Tender] = relationship(
        primaryjoin="and_(foreign(Award.tender_id) == Tender.id, foreign(Award.tenant_id) == Tender.tenant_id)",
        viewonly=True)

    @property
    def status_label(self) -> str:
        return AWARD_STATUSES[self.status]

    @property
    def status_tag(self) -> str:
        return AWARD_TAGS[self.status]


class BidOutcome(CommissionerVisible, db.Model):
    """What one bidder is told about the award of its lot: successful or not, its own scores and
    the winner's (each with the moderator's reasons), as they stood at the award. The bidder's
    row, written by the commissioner."""

    __tablename__ = "tender_bid_outcomes"
    __table_args__ = tenant_table_args(
        "tender_bid_outcomes",
        UniqueConstraint("tenant_id", "bid_id", name="uq_tender_bid_outcomes_once"),
        ForeignKeyConstraint(["commissioner_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                             name="fk_tender_bid_outcomes_commissioner_tender_id", ondelete="CASCADE"),
        ForeignKeyConstraint(["commissioner_id", "lot_id"], ["tender_lots.tenant_id", "tender_lots.id"],
                             name="fk_tender_bid_outcomes_commissioner_lot_id", ondelete="CASCADE"),
        Index("ix_tender_bid_outcomes_commissioner_id_tender_id", "commissioner_id", "tender_id"),
        parents=(("bid_id", "tender_bids"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    lot_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bid_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    successful: Mapped[bool] = mapped_column(Boolean, nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    #: {"lot", "places", "bidders", "own", "winners", "standstill_end", "reason"}: the figures
    #: with their workings, as strings (see portal.procurement.award).
    details: Mapped[dict] = mapped_column(JSONB, nullable=False)
    notice_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    tender: Mapped[Tender] = relationship(
        primaryjoin="and_(foreign(BidOutcome.tender_id) == Tender.id, "
                    "foreign(BidOutcome.commissioner_id) == Tender.tenant_id)", viewonly=True, lazy="joined")
