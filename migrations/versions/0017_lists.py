"""Approved supplier lists, mini-competitions (a tender's audience) and tender documents.

- ``supplier_lists`` and ``supplier_list_members`` are the commissioner's rows; a provider reads
  its own membership rows and the lists it has a membership of (``provider_ids``, GIN-indexed).
- Every listed table gets an ``audience bigint[]`` (NULL: every organisation) read by one flat
  policy, ``listed AND (audience IS NULL OR audience @> ARRAY[org])``; a tender's audience is set
  at publication (the list's members that day) and copied by a trigger to every row written about
  it; a published tender's audience never changes (a trigger refuses it).
- ``tender_documents`` is listed with its tender, the same way.

Revision ID: 0017_lists
Revises: 0016_bids
"""
from alembic import op
import sqlalchemy as sa

from rls import TENANT, add_audience, enable_listed_rls, grant

revision = "0017_lists"
down_revision = "0016_bids"
branch_labels = None
depends_on = None

SERVICE_TYPES = "('care_at_home', 'supported_living', 'day_opportunities', 'residential', 'other')"


def _keys(table: str, *parents):
    made = [sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("tenant_id", "id", name=f"uq_{table}_tenant_id_id"),
            sa.ForeignKeyConstraint(["tenant_id"], ["organisations.id"],
                                    name=op.f(f"fk_{table}_tenant_id_organisations"), ondelete="RESTRICT")]
    for column, parent in parents:
        made.append(sa.ForeignKeyConstraint(["tenant_id", column], [f"{parent}.tenant_id", f"{parent}.id"],
                                            name=f"fk_{table}_tenant_{column}", ondelete="CASCADE"))
    return made


def _user_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="SET NULL")


def _listed_tables() -> list[str]:
    """Every table read through the ``listed_rows`` policy so far (tenders first)."""
    rows = op.get_bind().execute(sa.text(
        "select distinct tablename from pg_policies "
        "where schemaname = current_schema() and policyname = 'listed_rows'"))
    return sorted((r[0] for r in rows), key=lambda t: (t != "tenders", t))


def upgrade(app_role: str) -> None:
    op.create_table(
        "supplier_lists",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("service_type", sa.String(length=30), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("provider_ids", sa.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(f"service_type in {SERVICE_TYPES}", name=op.f("ck_supplier_lists_valid_service_type")),
        sa.CheckConstraint("ends_on is null or ends_on >= starts_on", name=op.f("ck_supplier_lists_ends_after_start")),
        sa.UniqueConstraint("tenant_id", "name", name="uq_supplier_lists_name"),
        *_keys("supplier_lists"),
    )
    op.create_index("ix_supplier_lists_provider_ids", "supplier_lists", ["provider_ids"], postgresql_using="gin")
    op.create_table(
        "supplier_list_members",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("list_id", sa.BigInteger(), nullable=False),
        sa.Column("provider_id", sa.BigInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("added_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=False),
        sa.Column("removed_by_id", sa.BigInteger(), nullable=True),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("ends_on is null or ends_on >= starts_on",
                           name=op.f("ck_supplier_list_members_ends_after_start")),
        sa.CheckConstraint("(removed_at is null) = (removed_reason = '')",
                           name=op.f("ck_supplier_list_members_removed_has_reason")),
        sa.ForeignKeyConstraint(["provider_id"], ["organisations.id"],
                                name=op.f("fk_supplier_list_members_provider_id_organisations"), ondelete="RESTRICT"),
        _user_fk("supplier_list_members", "added_by_id"),
        _user_fk("supplier_list_members", "removed_by_id"),
        *_keys("supplier_list_members", ("list_id", "supplier_lists")),
    )
    op.create_index("uq_supplier_list_members_one_open", "supplier_list_members",
                    ["tenant_id", "list_id", "provider_id"], unique=True,
                    postgresql_where=sa.text("removed_at is null"))
    op.create_index("ix_supplier_list_members_provider_id", "supplier_list_members", ["provider_id"])
    for table, reads in (("supplier_lists", f"provider_ids @> ARRAY[{TENANT}]"),
                         ("supplier_list_members", f"provider_id = {TENANT}")):
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY owner_rows ON "{table}" USING (tenant_id = {TENANT}) '
                   f'WITH CHECK (tenant_id = {TENANT})')
        op.execute(f'CREATE POLICY provider_reads ON "{table}" FOR SELECT USING ({TENANT} IS NOT NULL AND {reads})')
        grant(table, app_role, "SELECT, INSERT, UPDATE")

    # Mini-competitions: the list a tender is restricted to, and the audience of every listed table.
    op.add_column("tenders", sa.Column("supplier_list_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key("fk_tenders_tenant_supplier_list_id", "tenders", "supplier_lists",
                          ["tenant_id", "supplier_list_id"], ["tenant_id", "id"], ondelete="RESTRICT")
    for table in _listed_tables():
        add_audience(table)
    op.create_check_constraint("audience_only_when_restricted", "tenders",
                               "supplier_list_id is not null or audience is null")
    op.create_check_constraint("restricted_has_audience", "tenders",
                               "supplier_list_id is null or not listed or audience is not null")
    op.execute("""
        CREATE FUNCTION portal_keep_tender_audience() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.listed AND (NEW.audience IS DISTINCT FROM OLD.audience
                             OR NEW.supplier_list_id IS DISTINCT FROM OLD.supplier_list_id) THEN
            RAISE EXCEPTION 'the audience of published tender % cannot change', NEW.id
              USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER tenders_keep_audience BEFORE UPDATE OF audience, supplier_list_id ON tenders "
               "FOR EACH ROW EXECUTE FUNCTION portal_keep_tender_audience()")

    op.create_table(
        "tender_documents",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("source_document_id", sa.BigInteger(), nullable=True),
        sa.Column("release_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("replaces_id", sa.BigInteger(), nullable=True),
        sa.Column("amendment_number", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("audience", sa.ARRAY(sa.BigInteger()), nullable=True),
        sa.Column("added_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status in ('current', 'replaced', 'withdrawn')",
                           name=op.f("ck_tender_documents_valid_status")),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_tender_documents_not_empty")),
        sa.CheckConstraint("released_at is null or listed", name=op.f("ck_tender_documents_released_when_listed")),
        sa.CheckConstraint("(status = 'current') = (changed_at is null)",
                           name=op.f("ck_tender_documents_changed_when_not_current")),
        sa.UniqueConstraint("tenant_id", "storage_key", name="uq_tender_documents_storage_key"),
        _user_fk("tender_documents", "added_by_id"),
        *_keys("tender_documents", ("tender_id", "tenders"), ("replaces_id", "tender_documents")),
    )
    op.create_index("ix_tender_documents_tenant_id_tender_id", "tender_documents", ["tenant_id", "tender_id"])
    op.create_index("ix_tender_documents_due", "tender_documents", ["tenant_id", "release_at"],
                    postgresql_where=sa.text("released_at is null and listed and status = 'current'"))
    enable_listed_rls("tender_documents")
    grant("tender_documents", app_role, "SELECT, INSERT, UPDATE")


def downgrade(app_role: str) -> None:
    op.drop_table("tender_documents")
    op.execute("DROP TRIGGER IF EXISTS tenders_keep_audience ON tenders")
    op.execute("DROP FUNCTION IF EXISTS portal_keep_tender_audience()")
    op.drop_constraint(op.f("ck_tenders_restricted_has_audience"), "tenders", type_="check")
    op.drop_constraint(op.f("ck_tenders_audience_only_when_restricted"), "tenders", type_="check")
    for table in reversed(_listed_tables()):
        op.execute(f'DROP TRIGGER IF EXISTS "{table}_audience" ON "{table}"')
        op.execute(f'DROP POLICY IF EXISTS listed_rows ON "{table}"')
        op.execute(f'CREATE POLICY listed_rows ON "{table}" FOR SELECT USING (listed AND {TENANT} IS NOT NULL)')
        op.execute(f'DROP INDEX IF EXISTS "ix_{table}_audience"')
        op.drop_column(table, "audience")
    op.execute("DROP FUNCTION IF EXISTS portal_tender_audience()")
    op.drop_constraint("fk_tenders_tenant_supplier_list_id", "tenders", type_="foreignkey")
    op.drop_column("tenders", "supplier_list_id")
    op.drop_table("supplier_list_members")
    op.drop_table("supplier_lists")
