"""Outcome frameworks (shared reference data), contracts and return schedules."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String,
                        Text, UniqueConstraint)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.tenants.models import Organisation
from portal.tenants.scoping import CommissionerVisible

SERVICE_TYPES = {
    "care_at_home": "Care at home",
    "supported_living": "Supported living",
    "day_opportunities": "Day opportunities",
    "residential": "Residential",
    "other": "Other",
}
#: What a contract counts its delivery in. Figures are only ever added up within one unit.
DELIVERY_UNITS = {
    "hours": "Hours",
    "visits": "Visits",
    "sessions": "Sessions",
    "nights": "Nights",
    "weeks": "Weeks",
    "places": "Places",
}
#: The unit a contract counts when the commissioner does not say.
USUAL_UNIT = {"care_at_home": "hours", "supported_living": "hours", "day_opportunities": "sessions",
              "residential": "nights", "other": "hours"}
#: Whose public holidays a contract follows (the regions of the ``holidays`` library's GB calendar).
HOLIDAY_REGIONS = {"scotland": "Scotland", "england": "England and Wales", "northern_ireland": "Northern Ireland",
                   "uk": "Anywhere in the UK"}
FUNDING_MODELS = {"block": "Block", "hourly": "Hourly", "outcomes_based": "Outcomes-based"}
FREQUENCIES = {"monthly": "Monthly", "quarterly": "Quarterly", "annual": "Annual"}
MEASURE_TYPES = {
    "integer": "Whole number",
    "decimal": "Number",
    "percentage": "Percentage",
    "yes_no": "Yes or no",
    "text": "Text",
}
DELIVERY_TASK = "delivery"


def _in(values) -> str:
    return "(" + ", ".join(repr(v) for v in values) + ")"


class OutcomeFramework(db.Model):
    """A set of outcomes and the return template that measures them.

    Shared reference data, like a published standard: every organisation may read every
    framework (they hold no one's data); only the owning commissioner may change its own,
    and the seeded national frameworks belong to no one. A code is unique among one owner's
    frameworks and among the national ones (a commissioner cannot take a national code, which
    custom_frameworks checks), so no commissioner can learn another's codes by trying them.
    """

    __tablename__ = "outcome_frameworks"
    __table_args__ = (
        UniqueConstraint("owner_id", "code", name="uq_outcome_frameworks_owner_id_code"),
        Index("uq_outcome_frameworks_national_code", "code", unique=True, postgresql_where=sql("owner_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at_column()

    outcomes: Mapped[list["Outcome"]] = relationship(order_by="Outcome.position", back_populates="framework",
                                                     cascade="all, delete-orphan")
    measures: Mapped[list["Measure"]] = relationship(order_by="Measure.position", back_populates="framework",
                                                     cascade="all, delete-orphan")


class Outcome(db.Model):
    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_outcomes_framework_id_code"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("outcome_frameworks.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    #: A few words people recognise the outcome by ("Safe from harm"); the statutory ``text`` stays.
    short_name: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    framework: Mapped[OutcomeFramework] = relationship(back_populates="outcomes")


class Measure(db.Model):
    """One question of a return template: typed, with validation."""

    __tablename__ = "measures"
    __table_args__ = (
        UniqueConstraint("framework_id", "code", name="uq_measures_framework_id_code"),
        CheckConstraint(f"type in {_in(MEASURE_TYPES)}", name="valid_type"),
        CheckConstraint("minimum is null or maximum is null or minimum <= maximum", name="range_in_order"),
        Index("ix_measures_outcome_id", "outcome_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("outcome_frameworks.id", ondelete="CASCADE"), nullable=False)
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    label: Mapped[str] = mapped_column(String(300), nullable=False)
    hint: Mapped[str] = mapped_column(Text, nullable=False, default="")
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    minimum: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    maximum: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    is_narrative: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    framework: Mapped[OutcomeFramework] = relationship(back_populates="measures")
    outcome: Mapped[Outcome | None] = relationship()

    @property
    def task(self) -> str:
        return self.outcome.code if self.outcome_id else DELIVERY_TASK


class Contract(CommissionerVisible, db.Model):
    """A contract between one commissioner and one provider (the provider is the tenant)."""

    __tablename__ = "contracts"
    __table_args__ = tenant_table_args(
        "contracts",
        UniqueConstraint("commissioner_id", "reference", name="uq_contracts_commissioner_id_reference"),
        CheckConstraint("end_date >= start_date", name="ends_after_start"),
        CheckConstraint("annual_value >= 0", name="value_not_negative"),
        CheckConstraint(f"service_type in {_in(SERVICE_TYPES)}", name="valid_service_type"),
        CheckConstraint(f"funding_model in {_in(FUNDING_MODELS)}", name="valid_funding_model"),
        CheckConstraint(f"delivery_unit in {_in(DELIVERY_UNITS)}", name="valid_delivery_unit"),
        CheckConstraint(f"holiday_region in {_in(HOLIDAY_REGIONS)}", name="valid_holiday_region"),
        Index("ix_contracts_commissioner_id", "commissioner_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    service_type: Mapped[str] = mapped_column(String(30), nullable=False)
    care_group: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    locality: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    annual_value: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    funding_model: Mapped[str] = mapped_column(String(20), nullable=False)
    #: What the return's "contracted" and "delivered" figures count (hours, visits, nights...).
    delivery_unit: Mapped[str] = mapped_column(String(20), nullable=False, default="hours")
    lead_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    framework_id: Mapped[int] = mapped_column(ForeignKey("outcome_frameworks.id", ondelete="RESTRICT"), nullable=False)
    living_wage_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    #: Whose public holidays the rate card's "public holiday" rates and working days follow.
    holiday_region: Mapped[str] = mapped_column(String(20), nullable=False, default="scotland",
                                                server_default="scotland")
    created_at: Mapped[datetime] = created_at_column()

    provider: Mapped[Organisation] = relationship(foreign_keys="Contract.tenant_id", lazy="joined")
    commissioner: Mapped[Organisation] = relationship(foreign_keys="Contract.commissioner_id", lazy="joined")
    framework: Mapped[OutcomeFramework] = relationship(lazy="joined")
    lead_manager = relationship("User", lazy="joined")

    @property
    def service_type_label(self) -> str:
        return SERVICE_TYPES[self.service_type]

    @property
    def funding_model_label(self) -> str:
        return FUNDING_MODELS[self.funding_model]

    @property
    def delivery_unit_label(self) -> str:
        """The unit in lower case, for sentences: "hours"."""
        return DELIVERY_UNITS[self.delivery_unit].lower()


class ReturnSchedule(CommissionerVisible, db.Model):
    """How often a contract's returns fall due; generates its return periods."""

    __tablename__ = "return_schedules"
    __table_args__ = tenant_table_args(
        "return_schedules",
        Index("ix_return_schedules_commissioner_id", "commissioner_id", "contract_id"),  # the commissioner's reads
        UniqueConstraint("tenant_id", "contract_id", name="uq_return_schedules_tenant_id_contract_id"),
        CheckConstraint(f"frequency in {_in(FREQUENCIES)}", name="valid_frequency"),
        CheckConstraint("due_days between 0 and 120", name="due_days_in_range"),
        parents=(("contract_id", "contracts"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    contract_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    frequency: Mapped[str] = mapped_column(String(20), nullable=False)
    due_days: Mapped[int] = mapped_column(Integer, nullable=False, default=14)
    created_at: Mapped[datetime] = created_at_column()
