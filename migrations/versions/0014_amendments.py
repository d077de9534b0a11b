"""Amendments to published tenders: what changed, why and when, read by everyone who reads the
tender (listed, as tenders are), written once by its commissioner.

Revision ID: 0014_amendments
Revises: 0013_tenders
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import enable_listed_rls, grant

revision = "0014_amendments"
down_revision = "0013_tenders"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.create_table(
        "tender_amendments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"],
                                name=op.f("fk_tender_amendments_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                                name="fk_tender_amendments_tenant_tender_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_amendments")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_tender_amendments_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "tender_id", "number", name="uq_tender_amendments_number"),
    )
    enable_listed_rls("tender_amendments")
    grant("tender_amendments", app_role, "SELECT, INSERT")


def downgrade(app_role: str) -> None:
    op.drop_table("tender_amendments")
