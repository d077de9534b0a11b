"""Outcome framework codes unique per owner, and among the national frameworks.

A global unique code let one commissioner find out another's codes by trying them. Now a code
is unique among one commissioner's frameworks and among the national ones; the service keeps
a commissioner from taking a national code.

Revision ID: 0007_framework_codes_per_owner
Revises: 0006_collaboratives
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_framework_codes_per_owner"
down_revision = "0006_collaboratives"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.drop_constraint("uq_outcome_frameworks_code", "outcome_frameworks", type_="unique")
    op.create_unique_constraint("uq_outcome_frameworks_owner_id_code", "outcome_frameworks", ["owner_id", "code"])
    op.create_index("uq_outcome_frameworks_national_code", "outcome_frameworks", ["code"], unique=True,
                    postgresql_where=sa.text("owner_id IS NULL"))


def downgrade(app_role: str) -> None:
    # Fails, as it should, while two commissioners share a code.
    op.drop_index("uq_outcome_frameworks_national_code", table_name="outcome_frameworks")
    op.drop_constraint("uq_outcome_frameworks_owner_id_code", "outcome_frameworks", type_="unique")
    op.create_unique_constraint("uq_outcome_frameworks_code", "outcome_frameworks", ["code"])
