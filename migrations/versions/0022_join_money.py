"""Joins the three branches of 0021 (visit actuals; contract reviews; proposals, investment funds
and savings) into one head.

Revision ID: 0022_join_money
Revises: 0021_actuals, 0021_reviews, 0021_proposals
"""

revision = "0022_join_money"
down_revision = ("0021_actuals", "0021_reviews", "0021_proposals")
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    pass


def downgrade(app_role: str) -> None:
    pass
