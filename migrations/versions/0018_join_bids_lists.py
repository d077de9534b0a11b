"""Joins the two branches of 0017 (bid changes; approved supplier lists, mini-competitions and
tender documents) into one head.

Revision ID: 0018_join_bids_lists
Revises: 0017_bids, 0017_lists
"""

revision = "0018_join_bids_lists"
down_revision = ("0017_bids", "0017_lists")
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    pass


def downgrade(app_role: str) -> None:
    pass
