"""Full-text search: search_entries for commissioners (submitted narratives and evidence text);
stored search vectors with GIN indexes on answers and documents for providers' own search.

Revision ID: 0005_search
Revises: 0004_attachments_imports
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import enable_commissioner_rls, grant

revision = "0005_search"
down_revision = "0004_attachments_imports"
branch_labels = None
depends_on = None

# As portal.search.models.vector_of: the first 100,000 characters, parsed as English.
VECTOR = "to_tsvector('english'::regconfig, left(coalesce({column}, ''::text), 100000))"


def upgrade(app_role: str) -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("commissioner_id", sa.BigInteger(), nullable=False),
        sa.Column("return_id", sa.BigInteger(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("measure_code", sa.String(length=60), nullable=True),
        sa.Column("document_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("search_vector", postgresql.TSVECTOR(),
                  sa.Computed("to_tsvector('english'::regconfig, body)", persisted=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind in ('narrative', 'document')", name=op.f("ck_search_entries_valid_kind")),
        sa.CheckConstraint("(kind = 'narrative' and measure_code is not null and document_id is null) or "
                           "(kind = 'document' and document_id is not null and measure_code is null)",
                           name=op.f("ck_search_entries_source_matches_kind")),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"],
                                name=op.f("fk_search_entries_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["commissioner_id"], ["organisations.id"],
                                name=op.f("fk_search_entries_commissioner_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "return_id", "version_number"],
                                ["return_versions.tenant_id", "return_versions.return_id", "return_versions.number"],
                                name="fk_search_entries_tenant_return_version", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_search_entries_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "return_id", "kind", "measure_code", "document_id",
                            name="uq_search_entries_tenant_id_return_id_source", postgresql_nulls_not_distinct=True),
    )
    op.create_index("ix_search_entries_commissioner_id", "search_entries", ["commissioner_id"])
    op.create_index("ix_search_entries_search", "search_entries", ["search_vector"], postgresql_using="gin")
    for table, column in (("answers", "value_text"), ("documents", "text_content")):
        op.add_column(table, sa.Column("search_vector", postgresql.TSVECTOR(),
                                       sa.Computed(VECTOR.format(column=column), persisted=True), nullable=False))
        op.create_index(f"ix_{table}_search_vector", table, ["search_vector"], postgresql_using="gin")
    grant("search_entries", app_role, "SELECT, INSERT, DELETE")
    enable_commissioner_rls("search_entries")


def downgrade(app_role: str) -> None:
    for table in ("documents", "answers"):
        op.drop_index(f"ix_{table}_search_vector", table_name=table)
        op.drop_column(table, "search_vector")
    op.drop_table("search_entries")
