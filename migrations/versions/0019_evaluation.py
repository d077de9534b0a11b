"""Evaluation and award: how many providers each lot takes, the evaluators and their
declarations, evaluators' scores (append-only), consensus scores, awards (public once made)
and each bidder's outcome (the bidder's row, written and read by the commissioner).

Revision ID: 0019_evaluation
Revises: 0018_join_bids_lists
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import append_only, enable_commissioner_rls, enable_listed_rls, enable_tenant_rls, grant

revision = "0019_evaluation"
down_revision = "0018_join_bids_lists"
branch_labels = None
depends_on = None


def _org_fk(table: str, column: str = "tenant_id"):
    return sa.ForeignKeyConstraint([column], ["organisations.id"], name=op.f(f"fk_{table}_{column}_organisations"),
                                   ondelete="RESTRICT")


def _user_fk(table: str, column: str, ondelete: str = "SET NULL"):
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"),
                                   ondelete=ondelete)


def _keys(table: str, *parents):
    made = [sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("tenant_id", "id", name=f"uq_{table}_tenant_id_id"),
            _org_fk(table)]
    for column, parent in parents:
        made.append(sa.ForeignKeyConstraint(["tenant_id", column], [f"{parent}.tenant_id", f"{parent}.id"],
                                            name=f"fk_{table}_tenant_{column}", ondelete="CASCADE"))
    return made


def _bid_key(table: str):
    return sa.ForeignKeyConstraint(["provider_id", "bid_id"], ["tender_bids.tenant_id", "tender_bids.id"],
                                   name=f"fk_{table}_bid_id", ondelete="CASCADE")


def _scores(table: str, *extra):
    """The columns and keys evaluators' scores and consensus scores share."""
    return [
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("bid_id", sa.BigInteger(), nullable=False),
        sa.Column("provider_id", sa.BigInteger(), nullable=False),
        sa.Column("question_id", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        *extra,
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("score between 0 and 4", name=op.f(f"ck_{table}_score_in_scale")),
        sa.CheckConstraint("reason <> ''", name=op.f(f"ck_{table}_has_reason")),
        _org_fk(table, "provider_id"),
        _bid_key(table),
        *_keys(table, ("tender_id", "tenders"), ("lot_id", "tender_lots"), ("question_id", "tender_quality_questions")),
    ]


def upgrade(app_role: str) -> None:
    op.add_column("tender_lots", sa.Column("places", sa.Integer(), nullable=False, server_default="1"))
    op.alter_column("tender_lots", "places", server_default=None)
    op.create_check_constraint("places_in_range", "tender_lots", "places between 1 and 50")

    op.create_table(
        "tender_evaluators",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assigned_by_id", sa.BigInteger(), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declared_bidders", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("conflict", sa.Text(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status in ('assigned', 'declared', 'conflicted', 'removed')",
                           name=op.f("ck_tender_evaluators_valid_status")),
        sa.CheckConstraint("status not in ('declared', 'conflicted') or declared_at is not null",
                           name=op.f("ck_tender_evaluators_declared_when_declared")),
        sa.CheckConstraint("status <> 'conflicted' or conflict <> ''",
                           name=op.f("ck_tender_evaluators_conflict_has_details")),
        _user_fk("tender_evaluators", "user_id", "RESTRICT"),
        _user_fk("tender_evaluators", "assigned_by_id"),
        sa.UniqueConstraint("tenant_id", "tender_id", "user_id", name="uq_tender_evaluators_once"),
        *_keys("tender_evaluators", ("tender_id", "tenders")),
    )
    enable_tenant_rls("tender_evaluators")

    op.create_table(
        "tender_evaluator_scores",
        *_scores("tender_evaluator_scores",
                 sa.Column("evaluator_id", sa.BigInteger(), nullable=False),
                 sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False)),
        _user_fk("tender_evaluator_scores", "evaluator_id", "RESTRICT"),
        sa.UniqueConstraint("tenant_id", "bid_id", "question_id", "evaluator_id",
                            name="uq_tender_evaluator_scores_once"),
    )
    op.create_index("ix_tender_evaluator_scores_tenant_id_tender_id", "tender_evaluator_scores",
                    ["tenant_id", "tender_id", "bid_id"])
    enable_tenant_rls("tender_evaluator_scores")
    append_only("tender_evaluator_scores")

    op.create_table(
        "tender_consensus_scores",
        *_scores("tender_consensus_scores",
                 sa.Column("moderator_id", sa.BigInteger(), nullable=True),
                 sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=False)),
        _user_fk("tender_consensus_scores", "moderator_id"),
        sa.UniqueConstraint("tenant_id", "bid_id", "question_id", name="uq_tender_consensus_scores_once"),
    )
    op.create_index("ix_tender_consensus_scores_tenant_id_tender_id", "tender_consensus_scores",
                    ["tenant_id", "tender_id", "lot_id"])
    enable_tenant_rls("tender_consensus_scores")

    op.create_table(
        "tender_awards",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("bid_id", sa.BigInteger(), nullable=False),
        sa.Column("provider_id", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Numeric(14, 2), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("notice_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("standstill_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contract_start", sa.Date(), nullable=False),
        sa.Column("contract_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=True),
        sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("awarded_by_id", sa.BigInteger(), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status in ('standstill', 'contracted')", name=op.f("ck_tender_awards_valid_status")),
        sa.CheckConstraint("status <> 'contracted' or (contract_id is not null and concluded_at is not null)",
                           name=op.f("ck_tender_awards_contracted_has_contract")),
        sa.CheckConstraint("value > 0", name=op.f("ck_tender_awards_value_positive")),
        sa.CheckConstraint("contract_end >= contract_start", name=op.f("ck_tender_awards_contract_ends_after_start")),
        sa.CheckConstraint("listed", name=op.f("ck_tender_awards_always_listed")),
        _org_fk("tender_awards", "provider_id"),
        _user_fk("tender_awards", "awarded_by_id"),
        _bid_key("tender_awards"),
        sa.ForeignKeyConstraint(["provider_id", "contract_id"], ["contracts.tenant_id", "contracts.id"],
                                name="fk_tender_awards_contract_id", ondelete="RESTRICT"),
        sa.UniqueConstraint("tenant_id", "lot_id", "bid_id", name="uq_tender_awards_once"),
        *_keys("tender_awards", ("tender_id", "tenders"), ("lot_id", "tender_lots")),
    )
    op.create_index("ix_tender_awards_tenant_id_status", "tender_awards", ["tenant_id", "status", "standstill_end"])
    enable_listed_rls("tender_awards")

    op.create_table(
        "tender_bid_outcomes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("commissioner_id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("bid_id", sa.BigInteger(), nullable=False),
        sa.Column("successful", sa.Boolean(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("notice_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        _org_fk("tender_bid_outcomes", "commissioner_id"),
        sa.ForeignKeyConstraint(["commissioner_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                                name="fk_tender_bid_outcomes_commissioner_tender_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["commissioner_id", "lot_id"], ["tender_lots.tenant_id", "tender_lots.id"],
                                name="fk_tender_bid_outcomes_commissioner_lot_id", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "bid_id", name="uq_tender_bid_outcomes_once"),
        *_keys("tender_bid_outcomes", ("bid_id", "tender_bids")),
    )
    op.create_index("ix_tender_bid_outcomes_commissioner_id_tender_id", "tender_bid_outcomes",
                    ["commissioner_id", "tender_id"])
    enable_commissioner_rls("tender_bid_outcomes")

    for table in ("tender_evaluators", "tender_consensus_scores"):
        grant(table, app_role)
    for table in ("tender_evaluator_scores", "tender_bid_outcomes"):
        grant(table, app_role, "SELECT, INSERT")
    grant("tender_awards", app_role, "SELECT, INSERT, UPDATE")


def downgrade(app_role: str) -> None:
    for table in ("tender_bid_outcomes", "tender_awards", "tender_consensus_scores", "tender_evaluator_scores",
                  "tender_evaluators"):
        op.drop_table(table)
    op.drop_column("tender_lots", "places")  # its check constraint goes with it
