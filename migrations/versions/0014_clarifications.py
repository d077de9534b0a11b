"""Clarification questions on tenders and the published clarifications log.

A question is the asking provider's row, read and answered by the tender's commissioner
(``enable_commissioner_rls``). A published clarification is the commissioner's row, read by
every organisation (``listed``, the two policies of tenders) and holding nothing of the asker.

Revision ID: 0014_clarifications
Revises: 0013_tenders
"""
from alembic import op
import sqlalchemy as sa

from rls import enable_commissioner_rls, enable_listed_rls, grant

revision = "0014_clarifications"
down_revision = "0013_tenders"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.create_table(
        "tender_clarifications",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_tender_clarifications_number_from_one")),
        sa.CheckConstraint("listed", name=op.f("ck_tender_clarifications_always_listed")),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"],
                                name=op.f("fk_tender_clarifications_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                                name="fk_tender_clarifications_tenant_tender_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_clarifications")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_tender_clarifications_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "tender_id", "number", name="uq_tender_clarifications_number"),
    )
    op.create_table(
        "tender_questions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_number", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published_text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("private_reason", sa.Text(), nullable=False),
        sa.Column("asked_by_id", sa.BigInteger(), nullable=True),
        sa.Column("answered_by_id", sa.BigInteger(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clarification_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commissioner_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status in ('open', 'published', 'private')", name=op.f("ck_tender_questions_valid_status")),
        sa.CheckConstraint("status = 'open' or answered_at is not null",
                           name=op.f("ck_tender_questions_answered_when_closed")),
        sa.CheckConstraint("status <> 'private' or private_reason <> ''",
                           name=op.f("ck_tender_questions_private_has_reason")),
        sa.CheckConstraint("(status = 'published') = (clarification_id is not null)",
                           name=op.f("ck_tender_questions_published_has_clarification")),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"],
                                name=op.f("fk_tender_questions_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["commissioner_id"], ["organisations.id"],
                                name=op.f("fk_tender_questions_commissioner_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["asked_by_id"], ["users.id"], name=op.f("fk_tender_questions_asked_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["answered_by_id"], ["users.id"],
                                name=op.f("fk_tender_questions_answered_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["commissioner_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                                name="fk_tender_questions_commissioner_tender_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["commissioner_id", "clarification_id"],
                                ["tender_clarifications.tenant_id", "tender_clarifications.id"],
                                name="fk_tender_questions_commissioner_clarification_id", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_questions")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_tender_questions_tenant_id_id"),
    )
    op.create_index("ix_tender_questions_commissioner_id_status", "tender_questions",
                    ["commissioner_id", "status", "created_at"])
    op.create_index("ix_tender_questions_tenant_id_tender_id", "tender_questions", ["tenant_id", "tender_id"])
    enable_listed_rls("tender_clarifications")
    grant("tender_clarifications", app_role)
    enable_commissioner_rls("tender_questions")
    grant("tender_questions", app_role)


def downgrade(app_role: str) -> None:
    op.drop_table("tender_questions")
    op.drop_table("tender_clarifications")
