"""Visit actuals: each contract's visit rule, imports of electronic call monitoring files and their
visits (payable or exceptions the commissioner decides).

Revision ID: 0021_actuals
Revises: 0020_invoices
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import enable_commissioner_rls, grant

revision = "0021_actuals"
down_revision = "0020_invoices"
branch_labels = None
depends_on = None

TABLES = ("visit_rules", "visit_imports", "visits")


def _owned(table: str) -> list:
    """The columns and keys every commissioner-visible table has."""
    return [
        sa.Column("commissioner_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["commissioner_id"], ["organisations.id"],
                                name=op.f(f"fk_{table}_commissioner_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"], name=op.f(f"fk_{table}_tenant_id_organisations"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"],
                                name=f"fk_{table}_tenant_contract_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("tenant_id", "id", name=f"uq_{table}_tenant_id_id"),
    ]


def upgrade(app_role: str) -> None:
    op.create_table(
        "visit_rules",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("basis", sa.String(20), nullable=False),
        sa.Column("rounding", sa.Integer(), nullable=False),
        sa.Column("tolerance_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_owned("visit_rules"),
        sa.CheckConstraint("basis in ('planned', 'actual', 'actual_capped')", name=op.f("ck_visit_rules_valid_basis")),
        sa.CheckConstraint("rounding in (0, 5, 15)", name=op.f("ck_visit_rules_valid_rounding")),
        sa.CheckConstraint("tolerance_minutes between 0 and 120", name=op.f("ck_visit_rules_tolerance_in_range")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_visit_rules_updated_by_id_users"),
                                ondelete="SET NULL"),
        sa.UniqueConstraint("tenant_id", "contract_id", name="uq_visit_rules_contract"),
    )
    op.create_table(
        "visit_imports",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("uploaded_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_owned("visit_imports"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_visit_imports_uploaded_by_id_users"),
                                ondelete="SET NULL"),
    )
    op.create_index("ix_visit_imports_contract_id", "visit_imports", ["tenant_id", "contract_id", "created_at"])
    op.create_table(
        "visits",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("person_ref", sa.String(60), nullable=False),
        sa.Column("planned_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actual_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("carers", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("day_type", sa.String(20), nullable=False),
        sa.Column("planned_minutes", sa.Integer(), nullable=False),
        sa.Column("actual_minutes", sa.Integer(), nullable=True),
        sa.Column("paid_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("problems", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invoice_id", sa.BigInteger(), nullable=True),
        *_owned("visits"),
        sa.CheckConstraint("status in ('payable', 'exception', 'accepted', 'rejected')",
                           name=op.f("ck_visits_valid_status")),
        sa.CheckConstraint("carers between 1 and 4", name=op.f("ck_visits_carers_in_range")),
        sa.CheckConstraint("paid_minutes >= 0", name=op.f("ck_visits_paid_not_negative")),
        sa.CheckConstraint("planned_end > planned_start", name=op.f("ck_visits_planned_in_order")),
        sa.CheckConstraint("status not in ('accepted', 'rejected') or decision_reason <> ''",
                           name=op.f("ck_visits_decision_has_reason")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_visits_decided_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id", "import_id"], ["visit_imports.tenant_id", "visit_imports.id"],
                                name="fk_visits_tenant_import_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"],
                                name="fk_visits_tenant_invoice_id", ondelete="SET NULL (invoice_id)"),
    )
    op.create_index("ix_visits_import_id", "visits", ["tenant_id", "import_id", "row_number"])
    op.create_index("ix_visits_commissioner_id_status", "visits", ["commissioner_id", "status"])
    op.create_index("ix_visits_person", "visits", ["tenant_id", "contract_id", "person_ref", "planned_start"])
    op.create_index("ix_visits_invoice_id", "visits", ["tenant_id", "invoice_id"])
    for table in TABLES:
        enable_commissioner_rls(table)
        grant(table, app_role)


def downgrade(app_role: str) -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
