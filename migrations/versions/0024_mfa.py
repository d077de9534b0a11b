"""Multi-factor authentication: each person's TOTP secret (encrypted), the last time step used and
their recovery codes (a person's own rows, like user_sessions: no tenant, no RLS); an organisation's
"require MFA for everyone".

Revision ID: 0024_mfa
Revises: 0023_invoice_attachments
"""
from alembic import op
import sqlalchemy as sa

from rls import grant

revision = "0024_mfa"
down_revision = "0023_invoice_attachments"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.add_column("users", sa.Column("mfa_secret", sa.String(length=255), nullable=True))
    op.add_column("users", sa.Column("mfa_enabled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("mfa_last_step", sa.BigInteger(), nullable=True))
    op.add_column("organisations", sa.Column("require_mfa", sa.Boolean(), nullable=False,
                                             server_default=sa.text("false")))
    op.create_table(
        "mfa_recovery_codes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),  # argon2id, like passwords
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_mfa_recovery_codes_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_codes")),
    )
    op.create_index("ix_mfa_recovery_codes_user_id", "mfa_recovery_codes", ["user_id"], unique=False)
    grant("mfa_recovery_codes", app_role)


def downgrade(app_role: str) -> None:
    op.drop_table("mfa_recovery_codes")
    op.drop_column("organisations", "require_mfa")
    op.drop_column("users", "mfa_last_step")
    op.drop_column("users", "mfa_enabled_at")
    op.drop_column("users", "mfa_secret")
