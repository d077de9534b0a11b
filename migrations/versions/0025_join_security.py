"""Joins the branches of 0024 (multi-factor authentication; per-organisation API tokens and the access trail;
organisation offboarding) into one head.

Revision ID: 0025_join_security
Revises: 0024_mfa, 0024_tokens, 0024_offboarding
"""

revision = "0025_join_security"
down_revision = ("0024_mfa", "0024_tokens", "0024_offboarding")
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    pass


def downgrade(app_role: str) -> None:
    pass
