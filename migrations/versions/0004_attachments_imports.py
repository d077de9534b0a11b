"""Documents attached to returns; spreadsheet imports. Joins the documents and returns branches.

Revision ID: 0004_attachments_imports
Revises: 0002_documents, 0003_contracts_returns
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import enable_tenant_rls, grant

revision = "0004_attachments_imports"
down_revision = ("0002_documents", "0003_contracts_returns")
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.create_table(
        "return_documents",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("return_id", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("attached_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"], name=op.f("fk_return_documents_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["attached_by_id"], ["users.id"], name=op.f("fk_return_documents_attached_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id", "return_id"], ["returns.tenant_id", "returns.id"], name="fk_return_documents_tenant_return_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "document_id"], ["documents.tenant_id", "documents.id"], name="fk_return_documents_tenant_document_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_documents")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_return_documents_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "return_id", "document_id", name="uq_return_documents_return_document"),
    )
    op.create_table(
        "return_imports",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("return_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("applied_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status in ('pending', 'applied', 'failed')", name=op.f("ck_return_imports_valid_status")),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"], name=op.f("fk_return_imports_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_return_imports_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id", "return_id"], ["returns.tenant_id", "returns.id"], name="fk_return_imports_tenant_return_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_imports")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_return_imports_tenant_id_id"),
    )
    grant("return_documents", app_role, "SELECT, INSERT, DELETE")
    grant("return_imports", app_role, "SELECT, INSERT, UPDATE")
    enable_tenant_rls("return_documents")
    enable_tenant_rls("return_imports")


def downgrade(app_role: str) -> None:
    op.drop_table("return_imports")
    op.drop_table("return_documents")
