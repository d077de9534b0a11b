"""Money: contract rate cards and variations, invoices and credit notes, their lines and history,
payment runs and remittance advice, and each commissioner's invoicing settings.

Tenancy: rates, variations, invoices, lines, events and remittances are the provider's rows
(``tenant_id``) that its commissioner also reads and writes (``CommissionerVisible``), like
contracts and returns; a draft invoice (and its lines) is the provider's alone. Payment runs and
settings are the commissioner's own rows.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (ARRAY, BigInteger, CheckConstraint, Date, DateTime, ForeignKey, ForeignKeyConstraint, Index,
                        Integer, Numeric, String, Text, UniqueConstraint)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.contracts.models import Contract
from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args, utcnow
from portal.tenants.scoping import CommissionerVisible, TenantScoped


def _in(values) -> str:
    return "(" + ", ".join(repr(v) for v in values) + ")"


#: The units an invoice line (and a rate) is priced in.
UNITS = {"hour": "Hour", "visit": "Visit", "week": "Week", "night": "Night", "session": "Session", "block": "Block"}
DAY_TYPES = {"weekday": "Weekday", "weekend": "Weekend", "public_holiday": "Public holiday"}
VAT_CATEGORY_CODES = ("S", "Z", "E", "O")

# Invoice statuses. A submitted invoice over the commissioner's second-approval amount keeps its
# status after the first approval (``first_approved_by_id`` set) until a second person approves it.
DRAFT, SUBMITTED, QUERIED, APPROVED, REJECTED, SCHEDULED, PAID = (
    "draft", "submitted", "queried", "approved", "rejected", "scheduled", "paid")
STATUSES = (DRAFT, SUBMITTED, QUERIED, APPROVED, REJECTED, SCHEDULED, PAID)
STATUS_LABELS = {DRAFT: "Draft", SUBMITTED: "Submitted", QUERIED: "Queried", APPROVED: "Approved",
                 REJECTED: "Rejected", SCHEDULED: "In a payment run", PAID: "Paid"}
EDITABLE = (DRAFT, QUERIED)              # the provider may change it
AWAITING_APPROVAL = (SUBMITTED,)         # in the commissioner's approval queue
COUNTED = (SUBMITTED, QUERIED, APPROVED, SCHEDULED, PAID)  # counts towards the contract's invoiced value
APPROVED_OR_LATER = (APPROVED, SCHEDULED, PAID)
INVOICE, CREDIT_NOTE = "invoice", "credit_note"
KINDS = {INVOICE: "Invoice", CREDIT_NOTE: "Credit note"}
# Where an invoice came from.
SOURCES = ("typed", "actuals", "ubl", "adjustment", "api")

# Payment run statuses.
RUN_DRAFT, RUN_CONFIRMED, RUN_PAID, RUN_CANCELLED = "draft", "confirmed", "paid", "cancelled"
RUN_STATUSES = (RUN_DRAFT, RUN_CONFIRMED, RUN_PAID, RUN_CANCELLED)

# Contract variations.
VARIATION_KINDS = {"rate": "Rate change", "extension": "Extension", "value": "Change of value", "other": "Other"}


class ContractVariation(CommissionerVisible, db.Model):
    """A dated change to a contract: its rates (an accepted uplift), its end date (an extension,
    with new return periods) or its value (which lifts the invoicing ceiling)."""

    __tablename__ = "contract_variations"
    __table_args__ = tenant_table_args(
        "contract_variations",
        Index("ix_contract_variations_commissioner_id", "commissioner_id", "contract_id"),  # the commissioner's reads
        CheckConstraint(f"kind in {_in(VARIATION_KINDS)}", name="valid_kind"),
        Index("ix_contract_variations_contract_id", "tenant_id", "contract_id"),
        parents=(("contract_id", "contracts"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    contract_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: An extension's new end date.
    new_end_date: Mapped[date | None] = mapped_column(Date)
    #: What the variation adds to (or, negative, takes from) the contract's total value.
    value_change: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False, default=Decimal("0.00"))
    #: Where it came from: "proposal:<id>", "review:<id>" or "" when made by hand.
    source: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    contract: Mapped[Contract] = relationship(
        primaryjoin="and_(foreign(ContractVariation.contract_id) == Contract.id, "
                    "foreign(ContractVariation.tenant_id) == Contract.tenant_id)", viewonly=True, lazy="joined")


class ContractRate(CommissionerVisible, db.Model):
    """One rate of a contract's rate card: the price of a unit (for a service type, or any of the
    contract's when ``service_type`` is empty) on one type of day, from a date until a date (open
    when ``effective_to`` is empty). Rates of one unit, service type and day type never overlap."""

    __tablename__ = "contract_rates"
    __table_args__ = tenant_table_args(
        "contract_rates",
        Index("ix_contract_rates_commissioner_id", "commissioner_id", "contract_id"),  # the commissioner's reads
        CheckConstraint(f"unit in {_in(UNITS)}", name="valid_unit"),
        CheckConstraint(f"day_type in {_in(DAY_TYPES)}", name="valid_day_type"),
        CheckConstraint("rate >= 0", name="rate_not_negative"),
        CheckConstraint("effective_to is null or effective_to >= effective_from", name="dates_in_order"),
        Index("ix_contract_rates_contract_id", "tenant_id", "contract_id", "unit", "day_type", "effective_from"),
        ForeignKeyConstraint(["tenant_id", "variation_id"], ["contract_variations.tenant_id", "contract_variations.id"],
                             name="fk_contract_rates_tenant_variation_id", ondelete="SET NULL (variation_id)"),
        parents=(("contract_id", "contracts"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    contract_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    unit: Mapped[str] = mapped_column(String(20), nullable=False)
    service_type: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    day_type: Mapped[str] = mapped_column(String(20), nullable=False, default="weekday")
    rate: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)
    effective_to: Mapped[date | None] = mapped_column(Date)
    variation_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()


class PaymentRun(TenantScoped, db.Model):
    """A commissioner's batch of approved invoices paid together (the commissioner's own row)."""

    __tablename__ = "payment_runs"
    __table_args__ = tenant_table_args(
        "payment_runs",
        UniqueConstraint("tenant_id", "reference", name="uq_payment_runs_tenant_id_reference"),
        CheckConstraint(f"status in {_in(RUN_STATUSES)}", name="valid_status"),
        CheckConstraint("status <> 'paid' or (paid_on is not null and payment_reference <> '')", name="paid_has_date"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), nullable=False)
    due_by: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=RUN_DRAFT)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False, default=Decimal("0.00"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    created_at: Mapped[datetime] = created_at_column()


class Invoice(CommissionerVisible, db.Model):
    """A provider's invoice (or credit note) against a contract. Drafts are the provider's alone.

    Amounts are stored as worked out by ``portal.invoicing.money`` from the lines, never typed."""

    __tablename__ = "invoices"
    __hidden_from_commissioner__ = (DRAFT,)
    __table_args__ = tenant_table_args(
        "invoices",
        UniqueConstraint("tenant_id", "number", name="uq_invoices_tenant_id_number"),
        CheckConstraint(f"status in {_in(STATUSES)}", name="valid_status"),
        CheckConstraint(f"kind in {_in(KINDS)}", name="valid_kind"),
        CheckConstraint(f"source in {_in(SOURCES)}", name="valid_source"),
        CheckConstraint("period_end >= period_start", name="period_in_order"),
        CheckConstraint("net_total >= 0 and vat_total >= 0 and total = net_total + vat_total", name="totals_add_up"),
        CheckConstraint("kind = 'invoice' or corrects_id is not null", name="credit_note_corrects"),
        CheckConstraint("status = 'draft' or submitted_at is not null", name="submitted_has_time"),
        CheckConstraint("status not in ('scheduled', 'paid') or payment_run_id is not null", name="scheduled_has_run"),
        ForeignKeyConstraint(["tenant_id", "corrects_id"], ["invoices.tenant_id", "invoices.id"],
                             name="fk_invoices_tenant_corrects_id", ondelete="RESTRICT"),
        ForeignKeyConstraint(["commissioner_id", "payment_run_id"], ["payment_runs.tenant_id", "payment_runs.id"],
                             name="fk_invoices_commissioner_payment_run_id", ondelete="SET NULL (payment_run_id)"),
        Index("ix_invoices_commissioner_id_status", "commissioner_id", "status", "submitted_at"),
        Index("ix_invoices_tenant_id_contract_id", "tenant_id", "contract_id", "period_start"),
        Index("ix_invoices_payment_run_id", "commissioner_id", "payment_run_id"),
        parents=(("contract_id", "contracts"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    contract_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=INVOICE)
    #: The provider's own invoice number (unique per provider).
    number: Mapped[str] = mapped_column(String(60), nullable=False)
    #: A credit note's (or an adjustment's) invoice that it corrects.
    corrects_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The commissioner's buyer reference: a purchase order or cost centre.
    buyer_reference: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    issue_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DRAFT)
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="typed")
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="GBP")
    net_total: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False, default=Decimal("0.00"))
    vat_total: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False, default=Decimal("0.00"))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The checks' warnings as last worked out: [{"code", "message", "line": position or null}].
    warnings: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Everyone who raised or changed it (none of them may approve it).
    editor_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), nullable=False, default=list)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The first submission: prompt payment counts from it.
    first_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    first_approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    payment_run_id: Mapped[int | None] = mapped_column(BigInteger)
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    __mapper_args__ = {"version_id_col": lock_version}

    contract: Mapped[Contract] = relationship(
        primaryjoin="and_(foreign(Invoice.contract_id) == Contract.id, foreign(Invoice.tenant_id) == Contract.tenant_id)",
        viewonly=True, lazy="joined")
    lines: Mapped[list["InvoiceLine"]] = relationship(
        primaryjoin="and_(foreign(InvoiceLine.invoice_id) == Invoice.id, "
                    "foreign(InvoiceLine.tenant_id) == Invoice.tenant_id)",
        order_by="InvoiceLine.position", viewonly=True)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def signed_total(self) -> Decimal:
        """The total as it counts towards spend: a credit note takes away."""
        return -self.total if self.kind == CREDIT_NOTE else self.total


class InvoiceLine(CommissionerVisible, db.Model):
    """One line of an invoice, with how its price was worked out."""

    __tablename__ = "invoice_lines"
    __hidden_from_commissioner__ = (DRAFT,)
    __table_args__ = tenant_table_args(
        "invoice_lines",
        Index("ix_invoice_lines_commissioner_id", "commissioner_id", "invoice_id"),  # the commissioner's reads
        UniqueConstraint("tenant_id", "invoice_id", "position", name="uq_invoice_lines_position"),
        CheckConstraint(f"unit in {_in(UNITS)}", name="valid_unit"),
        CheckConstraint(f"vat_category in {_in(VAT_CATEGORY_CODES)}", name="valid_vat_category"),
        CheckConstraint("quantity >= 0 and unit_price >= 0 and net >= 0", name="not_negative"),
        CheckConstraint("vat_rate >= 0 and vat_rate <= 100", name="vat_rate_in_range"),
        CheckConstraint("vat_category = 'S' or vat_rate = 0", name="only_standard_rate_charges_vat"),
        CheckConstraint("line_end is null or line_start is null or line_end >= line_start", name="dates_in_order"),
        Index("ix_invoice_lines_invoice_id", "tenant_id", "invoice_id"),
        parents=(("invoice_id", "invoices"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Copied from the invoice, so a draft's lines stay the provider's alone.
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DRAFT)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(String(300), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 4), nullable=False)
    unit: Mapped[str] = mapped_column(String(20), nullable=False)
    service_type: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    day_type: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    #: "card" (priced from the rate card), "typed" (the provider's price) or "entered" (a unit
    #: the card does not price).
    price_source: Mapped[str] = mapped_column(String(20), nullable=False, default="typed")
    #: The card's rate when a typed price differs from it (a warning the approver sees too).
    card_rate: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    vat_category: Mapped[str] = mapped_column(String(1), nullable=False, default="E")
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("0"))
    line_start: Mapped[date | None] = mapped_column(Date)
    line_end: Mapped[date | None] = mapped_column(Date)
    net: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    #: How the line was worked out, in words ("12 visits × £18.50 (rate card from 1 April 2026)").
    workings: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The commissioner's query on this line, and the provider's answer.
    query: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")


class InvoiceEvent(CommissionerVisible, db.Model):
    """A step of an invoice's history from its submission on (append-only): submitted, approved
    (first or second), queried, answered, rejected, scheduled, paid; who, when and their words."""

    __tablename__ = "invoice_events"
    __table_args__ = tenant_table_args(
        "invoice_events",
        Index("ix_invoice_events_commissioner_id", "commissioner_id", "invoice_id", "at"),  # the commissioner's reads
        Index("ix_invoice_events_invoice_id", "tenant_id", "invoice_id", "at"),
        parents=(("invoice_id", "invoices"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Per-line words (line position -> text), for a query or its answer.
    line_comments: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    user = relationship("User", lazy="joined")


class Remittance(CommissionerVisible, db.Model):
    """The remittance advice a provider receives when a payment run is paid: the invoices and
    adjustments paid, frozen as sent."""

    __tablename__ = "remittances"
    __table_args__ = tenant_table_args(
        "remittances",
        Index("ix_remittances_commissioner_id", "commissioner_id", "payment_run_id"),  # the commissioner's reads
        UniqueConstraint("tenant_id", "payment_run_id", name="uq_remittances_run"),
        ForeignKeyConstraint(["commissioner_id", "payment_run_id"], ["payment_runs.tenant_id", "payment_runs.id"],
                             name="fk_remittances_commissioner_payment_run_id", ondelete="RESTRICT"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payment_run_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reference: Mapped[str] = mapped_column(String(40), nullable=False)
    paid_on: Mapped[date] = mapped_column(Date, nullable=False)
    payment_reference: Mapped[str] = mapped_column(String(60), nullable=False)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    #: [{"invoice_id", "number", "kind", "period", "net_total", "vat_total", "total"}] as paid.
    lines: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    created_at: Mapped[datetime] = created_at_column()


class InvoicingSettings(TenantScoped, db.Model):
    """A commissioner's invoicing rules (one row, made on first change; defaults otherwise)."""

    __tablename__ = "invoicing_settings"
    __table_args__ = tenant_table_args(
        "invoicing_settings",
        UniqueConstraint("tenant_id", name="uq_invoicing_settings_tenant_id"),
        CheckConstraint("target_working_days between 1 and 30", name="target_in_range"),
        CheckConstraint("second_approval_over is null or second_approval_over >= 0", name="threshold_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: Invoices whose total is over this need a second approver (None: never).
    second_approval_over: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: The commissioner's prompt payment target, in working days from receipt (the statutory limit is 30 days).
    target_working_days: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


#: The defaults a commissioner without a settings row has.
DEFAULT_TARGET_WORKING_DAYS = 10
STATUTORY_DAYS = 30
