"""Market engagement threads: questions, replies and published answer sets.

A thread is the commissioner's row: read by every organisation when ``listed`` (market-wide),
and by the contract's provider named in ``provider_id`` (contract-scoped). A question is the
asking provider's row, read by the thread's commissioner. A reply is the commissioner's row,
read by the provider that asked. An answer-set entry is the commissioner's row, read like a
thread once published (``listed`` or ``provider_id`` set at publication).

Revision ID: 0014_threads
Revises: 0013_tenders
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import TENANT, enable_commissioner_rls, grant

revision = "0014_threads"
down_revision = "0013_tenders"
branch_labels = None
depends_on = None

THREAD_SEARCH = "to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, ''))"
ANSWER_SEARCH = "to_tsvector('english', coalesce(question, '') || ' ' || coalesce(answer, ''))"


def _commissioner_rows_read_by(table: str, readers: str) -> None:
    """The owner writes and reads; ``readers`` (a flat predicate) only read."""
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY owner_rows ON "{table}" USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT})')
    op.execute(f'CREATE POLICY reader_rows ON "{table}" FOR SELECT USING ({TENANT} IS NOT NULL AND ({readers}))')


def _org_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ["organisations.id"],
                                   name=op.f(f"fk_{table}_{column}_organisations"), ondelete="RESTRICT")


def _user_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"),
                                   ondelete="SET NULL")


def upgrade(app_role: str) -> None:
    op.create_table(
        "threads",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=True),
        sa.Column("provider_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("search", postgresql.TSVECTOR(), sa.Computed(THREAD_SEARCH, persisted=True), nullable=True),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("scope in ('market', 'contract')", name=op.f("ck_threads_valid_scope")),
        sa.CheckConstraint("status in ('open', 'closed')", name=op.f("ck_threads_valid_status")),
        sa.CheckConstraint(
            "(scope = 'market' and listed and contract_id is null and provider_id is null) or "
            "(scope = 'contract' and not listed and contract_id is not null and provider_id is not null)",
            name=op.f("ck_threads_scope_readers")),
        sa.CheckConstraint("(status = 'closed') = (closed_at is not null)", name=op.f("ck_threads_closed_when_closed")),
        _org_fk("threads", "tenant_id"),
        _org_fk("threads", "provider_id"),
        _user_fk("threads", "created_by_id"),
        sa.ForeignKeyConstraint(["provider_id", "contract_id"], ["contracts.tenant_id", "contracts.id"],
                                name="fk_threads_provider_contract", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threads")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_threads_tenant_id_id"),
    )
    op.create_index("ix_threads_listed_created_at", "threads", ["listed", "created_at"])
    op.create_index("ix_threads_provider_id", "threads", ["provider_id"])
    op.create_index("ix_threads_search", "threads", ["search"], postgresql_using="gin")

    op.create_table(
        "thread_questions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commissioner_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("length(body) between 1 and 5000", name=op.f("ck_thread_questions_body_length")),
        _org_fk("thread_questions", "tenant_id"),
        _org_fk("thread_questions", "commissioner_id"),
        _user_fk("thread_questions", "author_id"),
        sa.ForeignKeyConstraint(["commissioner_id", "thread_id"], ["threads.tenant_id", "threads.id"],
                                name="fk_thread_questions_commissioner_thread_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_questions")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_thread_questions_tenant_id_id"),
    )
    op.create_index("ix_thread_questions_commissioner_id_thread_id", "thread_questions",
                    ["commissioner_id", "thread_id"])
    op.create_index("ix_thread_questions_tenant_id_thread_id", "thread_questions", ["tenant_id", "thread_id"])

    op.create_table(
        "thread_replies",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("question_id", sa.BigInteger(), nullable=False),
        sa.Column("provider_id", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("length(body) between 1 and 10000", name=op.f("ck_thread_replies_body_length")),
        _org_fk("thread_replies", "tenant_id"),
        _org_fk("thread_replies", "provider_id"),
        _user_fk("thread_replies", "author_id"),
        sa.ForeignKeyConstraint(["tenant_id", "thread_id"], ["threads.tenant_id", "threads.id"],
                                name="fk_thread_replies_tenant_thread_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["provider_id", "question_id"], ["thread_questions.tenant_id", "thread_questions.id"],
                                name="fk_thread_replies_provider_question", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_replies")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_thread_replies_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "question_id", name="uq_thread_replies_one_per_question"),
    )
    op.create_index("ix_thread_replies_provider_id_thread_id", "thread_replies", ["provider_id", "thread_id"])

    op.create_table(
        "thread_answers",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("reply_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("provider_id", sa.BigInteger(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("search", postgresql.TSVECTOR(), sa.Computed(ANSWER_SEARCH, persisted=True), nullable=True),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("number is null or number >= 1", name=op.f("ck_thread_answers_number_from_one")),
        sa.CheckConstraint("(number is null) = (published_at is null)",
                           name=op.f("ck_thread_answers_numbered_when_published")),
        sa.CheckConstraint("number is not null or (not listed and provider_id is null)",
                           name=op.f("ck_thread_answers_read_once_published")),
        sa.CheckConstraint("length(question) between 1 and 5000", name=op.f("ck_thread_answers_question_length")),
        sa.CheckConstraint("length(answer) between 1 and 10000", name=op.f("ck_thread_answers_answer_length")),
        _org_fk("thread_answers", "tenant_id"),
        _org_fk("thread_answers", "provider_id"),
        sa.ForeignKeyConstraint(["tenant_id", "thread_id"], ["threads.tenant_id", "threads.id"],
                                name="fk_thread_answers_tenant_thread_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "reply_id"], ["thread_replies.tenant_id", "thread_replies.id"],
                                name="fk_thread_answers_tenant_reply_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_answers")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_thread_answers_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "reply_id", name="uq_thread_answers_one_per_reply"),
        sa.UniqueConstraint("tenant_id", "thread_id", "number", name="uq_thread_answers_number"),
    )
    op.create_index("ix_thread_answers_listed_thread_id", "thread_answers", ["listed", "thread_id"])
    op.create_index("ix_thread_answers_provider_id_thread_id", "thread_answers", ["provider_id", "thread_id"])
    op.create_index("ix_thread_answers_search", "thread_answers", ["search"], postgresql_using="gin")

    _commissioner_rows_read_by("threads", f"listed OR provider_id = {TENANT}")
    _commissioner_rows_read_by("thread_answers", f"listed OR provider_id = {TENANT}")
    _commissioner_rows_read_by("thread_replies", f"provider_id = {TENANT}")
    enable_commissioner_rls("thread_questions")
    for table in ("threads", "thread_questions", "thread_replies", "thread_answers"):
        grant(table, app_role)


def downgrade(app_role: str) -> None:
    op.drop_table("thread_answers")
    op.drop_table("thread_replies")
    op.drop_table("thread_questions")
    op.drop_table("threads")
