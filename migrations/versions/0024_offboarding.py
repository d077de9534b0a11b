"""Offboarding: an organisation's exports (tenant-owned, with row-level security) and its
offboarding state on the organisation (suspended, reason, when it is deleted and by whom).
The organisation row stays as a tombstone after deletion: the audit log's foreign key to it is
RESTRICT (it never cascades), and audit_events stays append-only.

Revision ID: 0024_offboarding
Revises: 0023_invoice_attachments
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import enable_tenant_rls, grant

revision = "0024_offboarding"
down_revision = "0023_invoice_attachments"
branch_labels = None
depends_on = None


# The append-only tables (audit log, submitted versions, invoice events, bid receipts...) refuse
# UPDATE and DELETE. One exception: deleting an offboarded organisation's rows from inside
# portal_erase_organisation (which runs as the owner), never the audit log.
REFUSE_CHANGE = """
    CREATE OR REPLACE FUNCTION portal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND TG_TABLE_NAME NOT IN ('audit_events', 'platform_audit_events')
           AND current_setting('portal.erasing_org', true) = OLD.tenant_id::text
           AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
    END $$"""

REFUSE_CHANGE_BEFORE = """
    CREATE OR REPLACE FUNCTION portal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
    END $$"""

# Deletes every row of one organisation from the tables named (children first), as the owner, so
# that tables the app role may not delete from (append-only ones) are emptied too. It refuses an
# organisation that is not suspended, not yet due or already deleted, and any table without a
# tenant_id, and it never touches the audit log. Row-level security still holds: app.org_id is set
# to the organisation for the rest of the transaction.
ERASE = """
    CREATE OR REPLACE FUNCTION portal_erase_organisation(org bigint, tables text[])
    RETURNS TABLE (table_name text, deleted bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE
        o record;
        t text;
        n bigint;
    BEGIN
        SELECT suspended_at, delete_after, deleted_at INTO o FROM organisations WHERE id = org FOR UPDATE;
        IF NOT FOUND OR o.suspended_at IS NULL OR o.delete_after IS NULL OR o.delete_after > now()
           OR o.deleted_at IS NOT NULL THEN
            RAISE EXCEPTION 'organisation % is not due for deletion', org USING ERRCODE = 'check_violation';
        END IF;
        PERFORM set_config('app.org_id', org::text, true);
        PERFORM set_config('portal.erasing_org', org::text, true);
        FOREACH t IN ARRAY tables LOOP
            IF t IN ('audit_events', 'platform_audit_events') THEN
                CONTINUE;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = 'public'
                           AND c.table_name = t AND c.column_name = 'tenant_id') THEN
                RAISE EXCEPTION 'table % has no tenant_id', t;
            END IF;
            EXECUTE format('DELETE FROM %I WHERE tenant_id = $1', t) USING org;
            GET DIAGNOSTICS n = ROW_COUNT;
            table_name := t;
            deleted := n;
            RETURN NEXT;
        END LOOP;
        PERFORM set_config('portal.erasing_org', '', true);
    END $$"""


def upgrade(app_role: str) -> None:
    op.execute(REFUSE_CHANGE)
    op.execute(ERASE)
    op.execute("REVOKE ALL ON FUNCTION portal_erase_organisation(bigint, text[]) FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION portal_erase_organisation(bigint, text[]) TO "{app_role}"')
    op.add_column("organisations", sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("organisations", sa.Column("offboarding_reason", sa.Text(), nullable=True))
    op.add_column("organisations", sa.Column("delete_after", sa.DateTime(timezone=True), nullable=True))
    op.add_column("organisations", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("organisations", sa.Column("objects_deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("organisations", sa.Column("deletion_blocked", postgresql.JSONB(), nullable=True))
    op.create_check_constraint(op.f("ck_organisations_offboarding_has_reason"), "organisations",
                               "suspended_at is null or offboarding_reason is not null")
    op.create_check_constraint(op.f("ck_organisations_deleted_was_suspended"), "organisations",
                               "deleted_at is null or (suspended_at is not null and not is_active)")
    op.create_table(
        "organisation_exports",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("requested_by_id", sa.BigInteger(), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("manifest", postgresql.JSONB(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status in ('pending', 'ready', 'failed', 'expired')",
                           name=op.f("ck_organisation_exports_valid_status")),
        sa.CheckConstraint("status <> 'ready' or (storage_key is not null and expires_at is not null)",
                           name=op.f("ck_organisation_exports_ready_has_file")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"],
                                name=op.f("fk_organisation_exports_requested_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"],
                                name=op.f("fk_organisation_exports_tenant_id_organisations"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_exports")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_organisation_exports_tenant_id_id"),
    )
    op.create_index("ix_organisation_exports_tenant_id_created_at", "organisation_exports",
                    ["tenant_id", "created_at"], unique=False)
    enable_tenant_rls("organisation_exports")
    grant("organisation_exports", app_role)


def downgrade(app_role: str) -> None:
    op.execute("DROP FUNCTION IF EXISTS portal_erase_organisation(bigint, text[])")
    op.execute(REFUSE_CHANGE_BEFORE)
    op.drop_table("organisation_exports")
    op.drop_constraint("ck_organisations_deleted_was_suspended", "organisations")
    op.drop_constraint("ck_organisations_offboarding_has_reason", "organisations")
    for column in ("deletion_blocked", "objects_deleted_at", "deleted_at", "delete_after", "offboarding_reason",
                   "suspended_at"):
        op.drop_column("organisations", column)
