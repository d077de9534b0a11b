"""Proposals and investment funds.

Who reads what (the ORM and PostgreSQL agree):

- a proposal, its frozen versions, its document links and the payments of an award are the
  provider's rows (``tenant_id``) addressed to one commissioner (``commissioner_id``), who reads
  and decides them once submitted (``CommissionerVisible``); drafts stay the provider's alone;
- wage floors are a commissioner's own rows that every signed-in organisation reads (a provider
  sees whether its pay meets the floor of the commissioner it writes to);
- an investment fund is the commissioner's row, read by every organisation once opened (so
  providers can bid); its panel, the panel's scores and the moderated scores are the
  commissioner's alone.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, ForeignKeyConstraint, Index,
                        Integer, Numeric, String, Text, UniqueConstraint, or_)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args, utcnow
from portal.tenants.models import Organisation
from portal.tenants.scoping import CommissionerVisible, TenantScoped


def _in(values) -> str:
    return "(" + ", ".join(repr(v) for v in values) + ")"


SERVICE_REDESIGN, RATE_UPLIFT, NEW_SERVICE, EFFICIENCY, FUND_BID = (
    "service_redesign", "rate_uplift", "new_service", "efficiency", "fund_bid")
KINDS = {SERVICE_REDESIGN: "Service redesign", RATE_UPLIFT: "Rate uplift", NEW_SERVICE: "New service",
         EFFICIENCY: "Efficiency", FUND_BID: "Investment fund bid"}

DRAFT, SUBMITTED, UNDER_REVIEW, ACCEPTED, DECLINED = "draft", "submitted", "under_review", "accepted", "declined"
STATUSES = {DRAFT: "Draft", SUBMITTED: "Submitted", UNDER_REVIEW: "Under review", ACCEPTED: "Accepted",
            DECLINED: "Declined"}
STATUS_TAGS = {DRAFT: "govuk-tag--grey", SUBMITTED: "govuk-tag--blue", UNDER_REVIEW: "govuk-tag--light-blue",
               ACCEPTED: "govuk-tag--green", DECLINED: "govuk-tag--red"}
OPEN_FOR_DECISION = (SUBMITTED, UNDER_REVIEW)
DECIDED = (ACCEPTED, DECLINED)

#: The financial model's inputs, in the order the form asks for them (name, label, unit).
MODEL_FIELDS = (
    ("hourly_pay", "Hourly pay", "£"),
    ("employer_ni_pct", "Employer National Insurance", "%"),
    ("pension_pct", "Employer pension", "%"),
    ("holiday_pct", "Holiday pay", "%"),
    ("travel_pct", "Travel time", "%"),
    ("training_pct", "Training", "%"),
    ("overheads_pct", "Overheads", "%"),
    ("margin_pct", "Margin", "%"),
    ("hours_per_year", "Hours per year", "hours"),
    ("current_rate", "Current hourly rate", "£"),
)


class Proposal(CommissionerVisible, db.Model):
    """A provider's proposal to one commissioner, with the financial model behind its hourly rate."""

    __tablename__ = "proposals"
    __hidden_from_commissioner__ = (DRAFT,)
    __table_args__ = tenant_table_args(
        "proposals",
        CheckConstraint(f"kind in {_in(KINDS)}", name="valid_kind"),
        CheckConstraint(f"status in {_in(STATUSES)}", name="valid_status"),
        CheckConstraint("status = 'draft' or submitted_at is not null", name="submitted_has_time"),
        CheckConstraint("kind <> 'fund_bid' or fund_id is not null", name="fund_bid_names_fund"),
        CheckConstraint("awarded_amount is null or awarded_amount >= 0", name="award_not_negative"),
        ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"],
                             name="fk_proposals_tenant_contract_id", ondelete="SET NULL (contract_id)"),
        ForeignKeyConstraint(["commissioner_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                             name="fk_proposals_commissioner_tender_id", ondelete="SET NULL (tender_id)"),
        ForeignKeyConstraint(["commissioner_id", "fund_id"], ["investment_funds.tenant_id", "investment_funds.id"],
                             name="fk_proposals_commissioner_fund_id", ondelete="RESTRICT"),
        Index("ix_proposals_commissioner_id_status", "commissioner_id", "status"),
        Index("ix_proposals_fund_id", "commissioner_id", "fund_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DRAFT)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    narrative: Mapped[str] = mapped_column(Text, nullable=False, default="")
    contract_id: Mapped[int | None] = mapped_column(BigInteger)
    tender_id: Mapped[int | None] = mapped_column(BigInteger)
    fund_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The day the proposal would take effect (an uplift's rate starts then).
    start_date: Mapped[date | None] = mapped_column(Date)
    amount_requested: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # The financial model (see portal.proposals.finance).
    hourly_pay: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    employer_ni_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # empty: worked out from thresholds
    pension_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("0"))
    holiday_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("12.07"))
    travel_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("0"))
    training_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("0"))
    overheads_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("0"))
    margin_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("0"))
    hours_per_year: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    #: The current hourly rate typed by the provider (a proposal not tied to a contract).
    current_rate: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    decision_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    awarded_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: What the acceptance made: "variation:<id>" for an uplift.
    outcome: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    versions_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    provider: Mapped[Organisation] = relationship(foreign_keys="Proposal.tenant_id", lazy="joined")
    commissioner: Mapped[Organisation] = relationship(foreign_keys="Proposal.commissioner_id", lazy="joined")

    @property
    def reference(self) -> str:
        return f"P-{self.id}"

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS[self.status]


class ProposalVersion(CommissionerVisible, db.Model):
    """What was submitted, frozen (append-only): one per submission, numbered from 1."""

    __tablename__ = "proposal_versions"
    __table_args__ = tenant_table_args(
        "proposal_versions",
        Index("ix_proposal_versions_commissioner_id", "commissioner_id", "proposal_id"),  # the commissioner's reads
        UniqueConstraint("tenant_id", "proposal_id", "number", name="uq_proposal_versions_number"),
        parents=(("proposal_id", "proposals"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    snapshot: Mapped[dict] = mapped_column(JSONB, nullable=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class ProposalDocument(CommissionerVisible, db.Model):
    """A document of the provider's (portal.documents) attached to a proposal. ``status`` is copied
    from the proposal so a draft's documents stay the provider's."""

    __tablename__ = "proposal_documents"
    __hidden_from_commissioner__ = (DRAFT,)
    __table_args__ = tenant_table_args(
        "proposal_documents",
        Index("ix_proposal_documents_commissioner_id", "commissioner_id", "proposal_id"),  # the commissioner's reads
        UniqueConstraint("tenant_id", "proposal_id", "document_id", name="uq_proposal_documents_pair"),
        parents=(("proposal_id", "proposals"), ("document_id", "documents")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    document_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DRAFT)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_at_column()


class ReadByAll(TenantScoped):
    """A commissioner's row that every organisation reads once ``listed`` (it alone writes it)."""

    @classmethod
    def tenant_criteria(cls, tenant):
        return or_(cls.tenant_id == tenant, cls.listed.is_(True))


class WageFloor(ReadByAll, db.Model):
    """The least hourly pay a commissioner expects for a financial year (the real Living Wage, say)."""

    __tablename__ = "wage_floors"
    __table_args__ = tenant_table_args(
        "wage_floors",
        UniqueConstraint("tenant_id", "year_start", name="uq_wage_floors_year"),
        CheckConstraint("hourly > 0", name="hourly_positive"),
        CheckConstraint("listed", name="always_listed"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: The first day of the financial year (1 April).
    year_start: Mapped[date] = mapped_column(Date, nullable=False)
    hourly: Mapped[Decimal] = mapped_column(Numeric(6, 2), nullable=False)
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    listed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


FUND_DRAFT, FUND_OPEN, FUND_CLOSED = "draft", "open", "closed"
FUND_STATUSES = {FUND_DRAFT: "Draft", FUND_OPEN: "Open", FUND_CLOSED: "Closed"}


class InvestmentFund(ReadByAll, db.Model):
    """A commissioner's fund that providers bid for (proposals of type fund bid)."""

    __tablename__ = "investment_funds"
    __table_args__ = tenant_table_args(
        "investment_funds",
        CheckConstraint(f"status in {_in(FUND_STATUSES)}", name="valid_status"),
        CheckConstraint("budget > 0", name="budget_positive"),
        CheckConstraint("closes_on >= opens_on", name="dates_in_order"),
        CheckConstraint("listed = (status <> 'draft')", name="listed_once_opened"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    opens_on: Mapped[date] = mapped_column(Date, nullable=False)
    closes_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: [{"key": "c1", "name": "Outcomes for people", "weight": 40}]: weights add up to 100.
    criteria: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=FUND_DRAFT)
    listed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    commissioner: Mapped[Organisation] = relationship(foreign_keys="InvestmentFund.tenant_id", lazy="joined")

    @property
    def status_label(self) -> str:
        return FUND_STATUSES[self.status]


class FundPanelMember(TenantScoped, db.Model):
    """A person of the commissioner's on a fund's panel."""

    __tablename__ = "fund_panel_members"
    __table_args__ = tenant_table_args(
        "fund_panel_members",
        UniqueConstraint("tenant_id", "fund_id", "user_id", name="uq_fund_panel_members_pair"),
        parents=(("fund_id", "investment_funds"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    fund_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    user = relationship("User", lazy="joined")


def _bid_key(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["provider_id", "proposal_id"], ["proposals.tenant_id", "proposals.id"],
                                name=f"fk_{table}_provider_proposal_id", ondelete="CASCADE")


class FundScore(TenantScoped, db.Model):
    """One panel member's score (0 to 4) of one bid against one criterion, with the reason."""

    __tablename__ = "fund_scores"
    __table_args__ = tenant_table_args(
        "fund_scores",
        UniqueConstraint("tenant_id", "proposal_id", "criterion", "user_id", name="uq_fund_scores_cell"),
        CheckConstraint("score between 0 and 4", name="score_in_scale"),
        _bid_key("fund_scores"),
        parents=(("fund_id", "investment_funds"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    fund_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    provider_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    proposal_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    criterion: Mapped[str] = mapped_column(String(20), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class FundConsensus(TenantScoped, db.Model):
    """The panel's moderated score of one bid against one criterion (recorded by a fund manager)."""

    __tablename__ = "fund_consensus_scores"
    __table_args__ = tenant_table_args(
        "fund_consensus_scores",
        UniqueConstraint("tenant_id", "proposal_id", "criterion", name="uq_fund_consensus_scores_cell"),
        CheckConstraint("score between 0 and 4", name="score_in_scale"),
        _bid_key("fund_consensus_scores"),
        parents=(("fund_id", "investment_funds"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    fund_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    provider_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    proposal_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    criterion: Mapped[str] = mapped_column(String(20), nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class FundPayment(CommissionerVisible, db.Model):
    """A payment the commissioner made against an awarded bid (the provider's row, as paid to it)."""

    __tablename__ = "fund_payments"
    __table_args__ = tenant_table_args(
        "fund_payments",
        Index("ix_fund_payments_commissioner_id", "commissioner_id", "proposal_id"),  # the commissioner's reads
        CheckConstraint("amount > 0", name="amount_positive"),
        parents=(("proposal_id", "proposals"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    paid_on: Mapped[date] = mapped_column(Date, nullable=False)
    reference: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
