"""Collaboratives of commissioners and the outcome rollups they share.

Revision ID: 0006_collaboratives
Revises: 0005_search
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import TENANT, grant

revision = "0006_collaboratives"
down_revision = "0005_search"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.create_table(
        "collaboratives",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["organisations.id"], name=op.f("fk_collaboratives_created_by_id_organisations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collaboratives")),
    )
    op.create_table(
        "collaborative_members",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("collaborative_id", sa.BigInteger(), nullable=False),
        sa.Column("organisation_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status in ('invited', 'active')", name=op.f("ck_collaborative_members_valid_status")),
        sa.ForeignKeyConstraint(["collaborative_id"], ["collaboratives.id"], name=op.f("fk_collaborative_members_collaborative_id_collaboratives"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_collaborative_members_organisation_id_organisations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collaborative_members")),
        sa.UniqueConstraint("collaborative_id", "organisation_id", name="uq_collaborative_members_pair"),
    )
    op.create_index("ix_collaborative_members_organisation_id", "collaborative_members", ["organisation_id"])
    op.create_table(
        "outcome_rollups",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("framework_code", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("reviewed", sa.Numeric(18, 4), nullable=False),
        sa.Column("achieved", sa.Numeric(18, 4), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("visible_to", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"], name=op.f("fk_outcome_rollups_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_rollups")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_outcome_rollups_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "framework_code", "outcome", "period_start", name="uq_outcome_rollups_cell"),
    )
    op.create_index("ix_outcome_rollups_visible_to", "outcome_rollups", ["visible_to"], postgresql_using="gin")
    grant("collaboratives", app_role, "SELECT, INSERT")
    grant("collaborative_members", app_role, "SELECT, INSERT, UPDATE, DELETE")
    grant("outcome_rollups", app_role, "SELECT, INSERT, DELETE")
    op.execute('ALTER TABLE "outcome_rollups" ENABLE ROW LEVEL SECURITY')
    op.execute('ALTER TABLE "outcome_rollups" FORCE ROW LEVEL SECURITY')
    # The owning commissioner reads and writes its rollup; fellow members may only read it.
    op.execute(f'CREATE POLICY tenant_isolation ON "outcome_rollups" USING (tenant_id = {TENANT}) '
               f'WITH CHECK (tenant_id = {TENANT})')
    op.execute(f'CREATE POLICY shared_with_members ON "outcome_rollups" FOR SELECT USING ({TENANT} = ANY (visible_to))')


def downgrade(app_role: str) -> None:
    op.drop_table("outcome_rollups")
    op.drop_table("collaborative_members")
    op.drop_table("collaboratives")
