"""Tenders, their lots and providers' interest in them.

A tender and its lots are the commissioner's rows (the tenant), read by every organisation once
listed (published): two permissive policies, the owner's for everything and ``listed`` for
reading. An interest is the provider's row, read by the tender's commissioner too.

Revision ID: 0013_tenders
Revises: 0012_delivery_units
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import enable_commissioner_rls, enable_listed_rls, grant

revision = "0013_tenders"
down_revision = "0012_delivery_units"
branch_labels = None
depends_on = None

SEARCH = ("to_tsvector('english', coalesce(reference, '') || ' ' || coalesce(title, '') || ' ' || "
          "coalesce(description, ''))")
SERVICE_TYPES = "('care_at_home', 'supported_living', 'day_opportunities', 'residential', 'other')"


def _tenant_fk(table: str):
    return sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"], name=op.f(f"fk_{table}_tenant_id_organisations"),
                                   ondelete="RESTRICT")


def upgrade(app_role: str) -> None:
    op.create_table(
        "tenders",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("service_type", sa.String(length=30), nullable=False),
        sa.Column("regime", sa.String(length=20), nullable=False),
        sa.Column("accelerated", sa.Boolean(), nullable=False),
        sa.Column("electronic", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clarification_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submission_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evaluation_on", sa.Date(), nullable=False),
        sa.Column("award_on", sa.Date(), nullable=False),
        sa.Column("standstill_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contract_start", sa.Date(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("search", postgresql.TSVECTOR(), sa.Computed(SEARCH, persisted=True), nullable=True),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status in ('draft', 'published', 'closed', 'evaluation', 'awarded', 'cancelled')",
                           name=op.f("ck_tenders_valid_status")),
        sa.CheckConstraint("regime in ('scotland', 'england', 'below_threshold')", name=op.f("ck_tenders_valid_regime")),
        sa.CheckConstraint(f"service_type in {SERVICE_TYPES}", name=op.f("ck_tenders_valid_service_type")),
        sa.CheckConstraint("listed or status in ('draft', 'cancelled')", name=op.f("ck_tenders_listed_unless_draft")),
        _tenant_fk("tenders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenders")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_tenders_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "reference", name="uq_tenders_tenant_id_reference"),
    )
    op.create_index("ix_tenders_listed_submission_deadline", "tenders", ["listed", "submission_deadline"])
    op.create_index("ix_tenders_search", "tenders", ["search"], postgresql_using="gin")
    op.create_table(
        "tender_lots",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("estimated_value", sa.Numeric(14, 2), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_tender_lots_number_from_one")),
        sa.CheckConstraint("estimated_value >= 0", name=op.f("ck_tender_lots_value_not_negative")),
        _tenant_fk("tender_lots"),
        sa.ForeignKeyConstraint(["tenant_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                                name="fk_tender_lots_tenant_tender_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_lots")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_tender_lots_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "tender_id", "number", name="uq_tender_lots_number"),
    )
    op.create_table(
        "tender_interests",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commissioner_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        _tenant_fk("tender_interests"),
        sa.ForeignKeyConstraint(["commissioner_id"], ["organisations.id"],
                                name=op.f("fk_tender_interests_commissioner_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["commissioner_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                                name="fk_tender_interests_commissioner_tender_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_interests")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_tender_interests_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "tender_id", name="uq_tender_interests_once"),
    )
    op.create_index("ix_tender_interests_commissioner_id_tender_id", "tender_interests",
                    ["commissioner_id", "tender_id"])
    for table in ("tenders", "tender_lots"):
        enable_listed_rls(table)
        grant(table, app_role)
    enable_commissioner_rls("tender_interests")
    grant("tender_interests", app_role)


def downgrade(app_role: str) -> None:
    op.drop_table("tender_interests")
    op.drop_table("tender_lots")
    op.drop_table("tenders")
