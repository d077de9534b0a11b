"""Joins the two branches of 0007 (server-side sessions; framework codes per owner) into one head.

Revision ID: 0008_join_heads
Revises: 0007_user_sessions, 0007_framework_codes_per_owner
"""

revision = "0008_join_heads"
down_revision = ("0007_user_sessions", "0007_framework_codes_per_owner")
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    pass


def downgrade(app_role: str) -> None:
    pass
