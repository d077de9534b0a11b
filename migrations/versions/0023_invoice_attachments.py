"""Invoice attachments: documents of the provider's library attached to an invoice, frozen for the
commissioner (file name, storage key, content type, size); a draft's stay the provider's.

Revision ID: 0023_invoice_attachments
Revises: 0022_join_money
"""
from alembic import op
import sqlalchemy as sa

from rls import enable_commissioner_rls, grant

revision = "0023_invoice_attachments"
down_revision = "0022_join_money"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.create_table('invoice_attachments',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('invoice_id', sa.BigInteger(), nullable=False),
    sa.Column('document_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=255), nullable=True),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('attached_by_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('commissioner_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_invoice_attachments_size_not_negative')),
    sa.ForeignKeyConstraint(['attached_by_id'], ['users.id'], name=op.f('fk_invoice_attachments_attached_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisations.id'], name=op.f('fk_invoice_attachments_commissioner_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'document_id'], ['documents.tenant_id', 'documents.id'], name='fk_invoice_attachments_tenant_document_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'invoice_id'], ['invoices.tenant_id', 'invoices.id'], name='fk_invoice_attachments_tenant_invoice_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_invoice_attachments_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_attachments')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_invoice_attachments_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'invoice_id', 'document_id', name='uq_invoice_attachments_document')
    )
    op.create_index('ix_invoice_attachments_invoice_id', 'invoice_attachments', ['tenant_id', 'invoice_id'], unique=False)
    enable_commissioner_rls("invoice_attachments", hidden_statuses=("draft",))
    grant("invoice_attachments", app_role)


def downgrade(app_role: str) -> None:
    op.drop_table("invoice_attachments")
