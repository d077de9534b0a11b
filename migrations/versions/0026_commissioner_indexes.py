"""An index leading with commissioner_id on every provider-owned table its commissioner reads
(make bench found the delivery dashboard scanning every return version of every organisation:
the row-level security policies and the ORM both ask for ``tenant_id = X OR commissioner_id = X``,
and only tables with an index on each side can answer that without a sequential scan).

Revision ID: 0026_commissioner_indexes
Revises: 0025_join_security
"""
from alembic import op

revision = "0026_commissioner_indexes"
down_revision = "0025_join_security"
branch_labels = None
depends_on = None

INDEXES = {
    "contract_rates": ("contract_id",), "contract_variations": ("contract_id",), "fund_payments": ("proposal_id",),
    "invoice_attachments": ("invoice_id",), "invoice_events": ("invoice_id", "at"), "invoice_lines": ("invoice_id",),
    "proposal_documents": ("proposal_id",), "proposal_versions": ("proposal_id",), "remittances": ("payment_run_id",),
    "return_schedules": ("contract_id",), "return_versions": ("return_id", "number"),
    "visit_imports": ("contract_id",), "visit_rules": ("contract_id",),
}


def upgrade(app_role: str) -> None:
    for table, columns in INDEXES.items():
        op.create_index(f"ix_{table}_commissioner_id", table, ["commissioner_id", *columns])


def downgrade(app_role: str) -> None:
    for table in INDEXES:
        op.drop_index(f"ix_{table}_commissioner_id", table_name=table)
