"""Visit actuals: each contract's visit rule, the provider's imports of electronic call monitoring
exports and their visits (payable, or exceptions the commissioner accepts or rejects).

Tenancy: all three are the provider's rows (``tenant_id``) that its commissioner also reads and
writes (``CommissionerVisible``), like the rate card: the commissioner sets the rule and decides
the exceptions. Person references are pseudonymous, as the provider's system exports them.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, CheckConstraint, Date, DateTime, ForeignKey, ForeignKeyConstraint, Index, Integer,
                        String, Text, UniqueConstraint)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.contracts.models import Contract
from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args, utcnow
from portal.tenants.scoping import CommissionerVisible

BASES = {"planned": "Planned time", "actual": "Actual time", "actual_capped": "Actual time, capped at planned"}
ROUNDINGS = {0: "No rounding", 5: "Rounded to the nearest 5 minutes", 15: "Rounded to the nearest 15 minutes"}
MAX_TOLERANCE = 120

# Visit statuses: payable by the rule; an exception waiting for the commissioner; accepted or rejected by it.
PAYABLE, EXCEPTION, ACCEPTED, REJECTED = "payable", "exception", "accepted", "rejected"
VISIT_STATUSES = (PAYABLE, EXCEPTION, ACCEPTED, REJECTED)
VISIT_STATUS_LABELS = {PAYABLE: "Payable", EXCEPTION: "Exception: awaiting a decision", ACCEPTED: "Exception accepted",
                       REJECTED: "Exception rejected"}
CHARGEABLE = (PAYABLE, ACCEPTED)

# Why a visit is an exception.
PROBLEMS = {
    "outside_tolerance": "Actual times outside the planned times by more than the tolerance",
    "missing_actuals": "No actual start or end time",
    "overlapping": "Overlaps another visit to the same person",
    "duration_far_off": "Actual length far from the planned length",
}


def _in(values) -> str:
    return "(" + ", ".join(repr(v) for v in values) + ")"


class VisitRule(CommissionerVisible, db.Model):
    """How a contract's visits are paid (set by the commissioner; one per contract)."""

    __tablename__ = "visit_rules"
    __table_args__ = tenant_table_args(
        "visit_rules",
        Index("ix_visit_rules_commissioner_id", "commissioner_id", "contract_id"),  # the commissioner's reads
        UniqueConstraint("tenant_id", "contract_id", name="uq_visit_rules_contract"),
        CheckConstraint(f"basis in {_in(BASES)}", name="valid_basis"),
        CheckConstraint("rounding in (0, 5, 15)", name="valid_rounding"),
        CheckConstraint(f"tolerance_minutes between 0 and {MAX_TOLERANCE}", name="tolerance_in_range"),
        parents=(("contract_id", "contracts"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    contract_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    basis: Mapped[str] = mapped_column(String(20), nullable=False, default="actual_capped")
    rounding: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tolerance_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    @property
    def description(self) -> str:
        rounding = "no rounding" if not self.rounding else f"rounded to the nearest {self.rounding} minutes"
        return (f"{BASES[self.basis]}, {rounding}, with a tolerance of {self.tolerance_minutes} "
                f"minute{'s' if self.tolerance_minutes != 1 else ''}")


class VisitImport(CommissionerVisible, db.Model):
    """One electronic call monitoring file the provider uploaded, with the rule it was read by."""

    __tablename__ = "visit_imports"
    __table_args__ = tenant_table_args(
        "visit_imports",
        Index("ix_visit_imports_commissioner_id", "commissioner_id", "contract_id"),  # the commissioner's reads
        Index("ix_visit_imports_contract_id", "tenant_id", "contract_id", "created_at"),
        parents=(("contract_id", "contracts"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    contract_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    #: The rule as applied, in words (the rule may change later).
    rule: Mapped[str] = mapped_column(String(200), nullable=False)
    visits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_day: Mapped[date] = mapped_column(Date, nullable=False)
    last_day: Mapped[date] = mapped_column(Date, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    contract: Mapped[Contract] = relationship(
        primaryjoin="and_(foreign(VisitImport.contract_id) == Contract.id, "
                    "foreign(VisitImport.tenant_id) == Contract.tenant_id)", viewonly=True, lazy="joined")


class Visit(CommissionerVisible, db.Model):
    """One visit of an import: its times (UTC), the minutes paid by the rule and its standing."""

    __tablename__ = "visits"
    __table_args__ = tenant_table_args(
        "visits",
        CheckConstraint(f"status in {_in(VISIT_STATUSES)}", name="valid_status"),
        CheckConstraint("carers between 1 and 4", name="carers_in_range"),
        CheckConstraint("paid_minutes >= 0", name="paid_not_negative"),
        CheckConstraint("planned_end > planned_start", name="planned_in_order"),
        CheckConstraint("status not in ('accepted', 'rejected') or decision_reason <> ''", name="decision_has_reason"),
        ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"],
                             name="fk_visits_tenant_invoice_id", ondelete="SET NULL (invoice_id)"),
        Index("ix_visits_import_id", "tenant_id", "import_id", "row_number"),
        Index("ix_visits_commissioner_id_status", "commissioner_id", "status"),
        Index("ix_visits_person", "tenant_id", "contract_id", "person_ref", "planned_start"),
        Index("ix_visits_invoice_id", "tenant_id", "invoice_id"),
        parents=(("import_id", "visit_imports"), ("contract_id", "contracts")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    import_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    contract_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    row_number: Mapped[int] = mapped_column(Integer, nullable=False)
    person_ref: Mapped[str] = mapped_column(String(60), nullable=False)
    planned_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    planned_end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actual_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actual_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    carers: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    #: The day of the visit in London, and its type (weekday, weekend, public holiday).
    day: Mapped[date] = mapped_column(Date, nullable=False)
    day_type: Mapped[str] = mapped_column(String(20), nullable=False)
    planned_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    actual_minutes: Mapped[int | None] = mapped_column(Integer)
    paid_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PAYABLE)
    #: [{"code", "message"}] for an exception.
    problems: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    decision_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The invoice the visit was charged on (each visit is charged once).
    invoice_id: Mapped[int | None] = mapped_column(BigInteger)

    decided_by = relationship("User", lazy="joined")
    visit_import: Mapped[VisitImport] = relationship(
        primaryjoin="and_(foreign(Visit.import_id) == VisitImport.id, foreign(Visit.tenant_id) == VisitImport.tenant_id)",
        viewonly=True, lazy="joined")

    @property
    def status_label(self) -> str:
        return VISIT_STATUS_LABELS[self.status]
