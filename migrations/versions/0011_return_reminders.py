"""Reminders sent about a return, readable by its commissioner while the return is a draft.

Revision ID: 0011_return_reminders
Revises: 0010_short_names_deadlines
"""
from alembic import op
import sqlalchemy as sa

from rls import enable_commissioner_rls, grant

revision = "0011_return_reminders"
down_revision = "0010_short_names_deadlines"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.create_table(
        "return_reminders",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("commissioner_id", sa.BigInteger(), nullable=False),
        sa.Column("return_id", sa.BigInteger(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind in ('week', 'day', 'overdue')", name=op.f("ck_return_reminders_valid_kind")),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"],
                                name=op.f("fk_return_reminders_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["commissioner_id"], ["organisations.id"],
                                name=op.f("fk_return_reminders_commissioner_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "return_id"], ["returns.tenant_id", "returns.id"],
                                name="fk_return_reminders_tenant_return_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"],
                                name="fk_return_reminders_tenant_contract_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_reminders")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_return_reminders_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "return_id", "deadline", "kind", name="uq_return_reminders_once"),
    )
    op.create_index("ix_return_reminders_commissioner_id_contract_id", "return_reminders",
                    ["commissioner_id", "contract_id"])
    op.create_index("ix_return_reminders_tenant_id_contract_id", "return_reminders", ["tenant_id", "contract_id"])
    # The reminders already sent, against the due date they were about (when is not known: now).
    # Row-level security is forced on returns, for the owner too: lifted for this one read.
    op.execute("ALTER TABLE returns NO FORCE ROW LEVEL SECURITY")
    op.execute("""
        INSERT INTO return_reminders (tenant_id, commissioner_id, return_id, contract_id, period_start, kind,
                                      deadline, sent_at)
        SELECT r.tenant_id, r.commissioner_id, r.id, r.contract_id, r.period_start, k.kind, r.due_date, now()
        FROM returns r CROSS JOIN LATERAL unnest(r.reminders_sent) AS k(kind)
        WHERE k.kind IN ('week', 'day', 'overdue')
        ON CONFLICT DO NOTHING""")
    op.execute("ALTER TABLE returns FORCE ROW LEVEL SECURITY")
    enable_commissioner_rls("return_reminders")
    grant("return_reminders", app_role, "SELECT, INSERT")


def downgrade(app_role: str) -> None:
    op.drop_table("return_reminders")
