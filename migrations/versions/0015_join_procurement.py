"""Joins the three branches of 0014 (tender amendments; clarification questions; market
engagement threads) into one head.

Revision ID: 0015_join_procurement
Revises: 0014_amendments, 0014_clarifications, 0014_threads
"""

revision = "0015_join_procurement"
down_revision = ("0014_amendments", "0014_clarifications", "0014_threads")
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    pass


def downgrade(app_role: str) -> None:
    pass
