"""Server-side sessions, so that signing out, password changes and removal end them.

Revision ID: 0007_user_sessions
Revises: 0006_collaboratives
"""
from alembic import op
import sqlalchemy as sa

from rls import grant

revision = "0007_user_sessions"
down_revision = "0006_collaboratives"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"], unique=False)
    grant("user_sessions", app_role, "SELECT, INSERT, UPDATE")


def downgrade(app_role: str) -> None:
    op.drop_table("user_sessions")
