"""Reviews a provider can act on: a date to respond by and a comment per flagged section;
warnings the provider confirmed (kept with each version); outcomes' short names.

Revision ID: 0009_return_reviews
Revises: 0008_join_heads
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0009_return_reviews"
down_revision = "0008_join_heads"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.add_column("returns", sa.Column("respond_by", sa.Date(), nullable=True))
    op.add_column("returns", sa.Column("section_comments", postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                                       server_default=sa.text("'{}'::jsonb")))
    op.add_column("returns", sa.Column("confirmed_warnings", postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                                       server_default=sa.text("'{}'::jsonb")))
    op.add_column("return_versions", sa.Column("warnings", postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                                               server_default=sa.text("'{}'::jsonb")))
    op.add_column("outcomes", sa.Column("short_name", sa.String(length=80), nullable=False, server_default=""))


def downgrade(app_role: str) -> None:
    op.drop_column("outcomes", "short_name")
    op.drop_column("return_versions", "warnings")
    op.drop_column("returns", "confirmed_warnings")
    op.drop_column("returns", "section_comments")
    op.drop_column("returns", "respond_by")
