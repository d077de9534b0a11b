"""Bids: the provider's changes not yet submitted, and the lot a consortium member confirms.

``tender_bid_changes`` holds a bid's working copy (price, answers, documents to remove) while the
provider prepares it or a replacement: the submitted bid stands, unchanged, until the provider
submits again. It is the provider's row alone: the commissioner never reads it, not even once the
tender is opened. A consortium member now sees which lot it confirms its part of
(``tender_bid_members.lot_id``), without reading the lead's bid.

Revision ID: 0017_bids
Revises: 0016_bids
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import enable_tenant_rls, grant

revision = "0017_bids"
down_revision = "0016_bids"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.create_table(
        "tender_bid_changes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("bid_id", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.Numeric(14, 2), nullable=True),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("removed_documents", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("price is null or price > 0", name=op.f("ck_tender_bid_changes_price_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_bid_changes")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_tender_bid_changes_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "bid_id", name="uq_tender_bid_changes_bid"),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"],
                                name=op.f("fk_tender_bid_changes_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "bid_id"], ["tender_bids.tenant_id", "tender_bids.id"],
                                name="fk_tender_bid_changes_tenant_bid_id", ondelete="CASCADE"),
    )
    enable_tenant_rls("tender_bid_changes")
    grant("tender_bid_changes", app_role)

    op.add_column("tender_bid_members", sa.Column("lot_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key("fk_tender_bid_members_commissioner_lot_id", "tender_bid_members", "tender_lots",
                          ["commissioner_id", "lot_id"], ["tenant_id", "id"], ondelete="CASCADE")


def downgrade(app_role: str) -> None:
    op.drop_constraint("fk_tender_bid_members_commissioner_lot_id", "tender_bid_members", type_="foreignkey")
    op.drop_column("tender_bid_members", "lot_id")
    op.drop_table("tender_bid_changes")
