"""documents: the evidence library (tenant-owned, row-level security)

Revision ID: 0002_documents
Revises: 0001_spine
"""
from alembic import op
import sqlalchemy as sa

from rls import enable_tenant_rls, grant

revision = "0002_documents"
down_revision = "0001_spine"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("declared_content_type", sa.String(length=255), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("scan_status", sa.String(length=20), nullable=True),
        sa.Column("scan_result", sa.String(length=300), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("detected_type", sa.String(length=20), nullable=True),
        sa.Column("content_type", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("text_content", sa.Text(), nullable=True),
        sa.Column("uploaded_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("object_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status in ('pending', 'clean', 'rejected', 'infected')",
                           name=op.f("ck_documents_valid_status")),
        sa.CheckConstraint("scan_status is null or scan_status in ('clean', 'not_scanned', 'infected')",
                           name=op.f("ck_documents_valid_scan_status")),
        sa.CheckConstraint("status <> 'rejected' or rejection_reason is not null",
                           name=op.f("ck_documents_rejected_has_reason")),
        sa.CheckConstraint("status = 'pending' or processed_at is not null",
                           name=op.f("ck_documents_processed_has_time")),
        sa.CheckConstraint("(status = 'infected') = (scan_status = 'infected')",
                           name=op.f("ck_documents_infected_means_scan_found")),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_documents_not_empty")),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"],
                                name=op.f("fk_documents_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"],
                                name=op.f("fk_documents_uploaded_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_documents_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "storage_key", name="uq_documents_tenant_id_storage_key"),
    )
    op.create_index("ix_documents_tenant_id_created_at", "documents", ["tenant_id", "created_at"])
    op.create_index("ix_documents_tenant_id_sha256", "documents", ["tenant_id", "sha256"])
    grant("documents", app_role, "SELECT, INSERT, UPDATE")
    enable_tenant_rls("documents")


def downgrade(app_role: str) -> None:
    op.drop_index("ix_documents_tenant_id_sha256", table_name="documents")
    op.drop_index("ix_documents_tenant_id_created_at", table_name="documents")
    op.drop_table("documents")
