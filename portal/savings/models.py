"""Savings targets and the savings recorded against them: a commissioner's own rows.

A target covers one financial year and one scope: a programme (free text, all of the
commissioner's paid invoices unless a service type narrows it), a service type, or a
collaborative of commissioners (the lead commissioner, who holds and pays the collaborative's
contracts, sets the target; members' shares are their baselines in ``member_baselines``).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, ForeignKeyConstraint, Index, Numeric, \
    String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args, utcnow
from portal.tenants.scoping import TenantScoped


def _in(values) -> str:
    return "(" + ", ".join(repr(v) for v in values) + ")"


PROGRAMME, SERVICE_TYPE, COLLABORATIVE = "programme", "service_type", "collaborative"
SCOPES = {PROGRAMME: "Programme", SERVICE_TYPE: "Service type", COLLABORATIVE: "Collaborative"}
PERCENT, AMOUNT = "percent", "amount"
TARGET_KINDS = {PERCENT: "Percentage of the baseline", AMOUNT: "Amount"}
TYPED, FROM_INVOICES = "typed", "invoices"
BASELINE_KINDS = {TYPED: "An amount per year", FROM_INVOICES: "The previous year’s paid invoices"}

PROPOSED, AGREED, REALISED = "proposed", "agreed", "realised"
SAVING_STATUSES = {PROPOSED: "Proposed", AGREED: "Agreed", REALISED: "Realised"}
SAVING_TAGS = {PROPOSED: "govuk-tag--grey", AGREED: "govuk-tag--blue", REALISED: "govuk-tag--green"}


class SavingsTarget(TenantScoped, db.Model):
    __tablename__ = "savings_targets"
    __table_args__ = tenant_table_args(
        "savings_targets",
        CheckConstraint(f"scope in {_in(SCOPES)}", name="valid_scope"),
        CheckConstraint(f"target_kind in {_in(TARGET_KINDS)}", name="valid_target_kind"),
        CheckConstraint(f"baseline_kind in {_in(BASELINE_KINDS)}", name="valid_baseline_kind"),
        CheckConstraint("target_value > 0", name="target_positive"),
        CheckConstraint("target_kind <> 'percent' or target_value <= 100", name="percent_in_range"),
        CheckConstraint("baseline_kind <> 'typed' or baseline_amount is not null", name="typed_baseline_given"),
        CheckConstraint("scope <> 'collaborative' or collaborative_id is not null", name="collaborative_named"),
        CheckConstraint("scope <> 'service_type' or service_type <> ''", name="service_type_named"),
        Index("ix_savings_targets_year", "tenant_id", "year_start"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    year_start: Mapped[date] = mapped_column(Date, nullable=False)
    scope: Mapped[str] = mapped_column(String(20), nullable=False)
    programme: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    service_type: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    collaborative_id: Mapped[int | None] = mapped_column(ForeignKey("collaboratives.id", ondelete="RESTRICT"))
    target_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    target_value: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    baseline_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    baseline_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: A collaborative's members and their baselines: {"<organisation id>": "amount"}.
    member_baselines: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    @property
    def scope_label(self) -> str:
        return SCOPES[self.scope]


class Saving(TenantScoped, db.Model):
    """One saving towards a target, moving proposed → agreed → realised; it may come from an
    accepted proposal (``provider_id``, ``proposal_id``)."""

    __tablename__ = "savings"
    __table_args__ = tenant_table_args(
        "savings",
        CheckConstraint(f"status in {_in(SAVING_STATUSES)}", name="valid_status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("(provider_id is null) = (proposal_id is null)", name="proposal_whole"),
        ForeignKeyConstraint(["provider_id", "proposal_id"], ["proposals.tenant_id", "proposals.id"],
                             name="fk_savings_provider_proposal_id", ondelete="SET NULL (provider_id, proposal_id)"),
        Index("ix_savings_target_id", "tenant_id", "target_id"),
        parents=(("target_id", "savings_targets"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    target_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    description: Mapped[str] = mapped_column(String(300), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PROPOSED)
    provider_id: Mapped[int | None] = mapped_column(BigInteger)
    proposal_id: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    @property
    def status_label(self) -> str:
        return SAVING_STATUSES[self.status]

    @property
    def status_tag(self) -> str:
        return SAVING_TAGS[self.status]
