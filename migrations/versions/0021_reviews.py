"""Contract reviews: the commissioner's decision on a contract due to end (extend, vary,
retender or end), the provider's row that its commissioner writes and reads.

Revision ID: 0021_reviews
Revises: 0020_invoices
"""
from alembic import op
import sqlalchemy as sa

from rls import enable_commissioner_rls, grant

revision = "0021_reviews"
down_revision = "0020_invoices"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.create_table(
        "contract_reviews",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("commissioner_id", sa.BigInteger(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("previous_end_date", sa.Date(), nullable=False),
        sa.Column("new_end_date", sa.Date(), nullable=True),
        sa.Column("variation_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_by_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("decision in ('extend', 'vary', 'retender', 'end')",
                           name=op.f("ck_contract_reviews_valid_decision")),
        sa.CheckConstraint("decision <> 'extend' or (new_end_date is not null and new_end_date > previous_end_date)",
                           name=op.f("ck_contract_reviews_extension_moves_end")),
        sa.CheckConstraint("reason <> ''", name=op.f("ck_contract_reviews_has_reason")),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"],
                                name=op.f("fk_contract_reviews_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["commissioner_id"], ["organisations.id"],
                                name=op.f("fk_contract_reviews_commissioner_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_contract_reviews_decided_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"],
                                name="fk_contract_reviews_tenant_contract_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "variation_id"], ["contract_variations.tenant_id", "contract_variations.id"],
                                name="fk_contract_reviews_tenant_variation_id", ondelete="SET NULL (variation_id)"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_reviews")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_contract_reviews_tenant_id_id"),
    )
    op.create_index("ix_contract_reviews_contract_id", "contract_reviews", ["tenant_id", "contract_id", "decided_at"])
    op.create_index("ix_contract_reviews_commissioner_id", "contract_reviews", ["commissioner_id", "decided_at"])
    enable_commissioner_rls("contract_reviews")
    grant("contract_reviews", app_role)


def downgrade(app_role: str) -> None:
    op.drop_table("contract_reviews")
