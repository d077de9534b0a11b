"""Helpers for migrations: grants to the app role and row-level security policies."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# In a scalar subquery: evaluated once per statement (an InitPlan), not once per row, and usable in
# an index condition (0027_rls_settings_once).
TENANT = "(SELECT nullif(current_setting('app.org_id', true), '')::bigint)"
USER = "(SELECT nullif(current_setting('app.user_id', true), '')::bigint)"
#: Who reads a listed row: everyone when its audience is NULL, else the organisations it names.
LISTED_TO_AUDIENCE = f"listed AND {TENANT} IS NOT NULL AND (audience IS NULL OR audience @> ARRAY[{TENANT}])"


def grant(table: str, app_role: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    op.execute(f'GRANT {privileges} ON TABLE "{table}" TO "{app_role}"')
    op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app_role}"')


def enable_tenant_rls(table: str) -> None:
    """Layer 4: the table answers only rows of the tenant set for the transaction."""
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY tenant_isolation ON "{table}" USING (tenant_id = {TENANT}) '
               f'WITH CHECK (tenant_id = {TENANT})')


def enable_listed_rls(table: str) -> None:
    """Layer 4 for a commissioner's rows that their audience reads once ``listed`` (published
    tenders and what is published about them); only the owner writes them.

    From 0017_lists on (once ``tenders`` has its ``audience``), the table gets its audience too
    (``add_audience``): a table made later needs only ``listed`` and a ``tender_id`` (a composite
    key to its tender); the column is added if the table lacks it. Before 0017 the policy was
    ``listed`` alone (every signed-in organisation), which the earlier migrations still make."""
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY owner_rows ON "{table}" USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT})')
    if has_column("tenders", "audience"):
        add_audience(table)
    else:
        op.execute(f'CREATE POLICY listed_rows ON "{table}" FOR SELECT USING (listed AND {TENANT} IS NOT NULL)')


def has_column(table: str, column: str) -> bool:
    return op.get_bind().execute(sa.text(
        "select 1 from information_schema.columns where table_schema = current_schema() "
        "and table_name = :table and column_name = :column"), {"table": table, "column": column}).first() is not None


# A row about a tender is read by the tender's audience: the database copies it on every write,
# and refuses a row whose tender it cannot read (the owner always can).
COPY_TENDER_AUDIENCE = """
    CREATE OR REPLACE FUNCTION portal_tender_audience() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      tender_audience bigint[];
    BEGIN
      SELECT audience INTO tender_audience FROM tenders WHERE tenant_id = NEW.tenant_id AND id = NEW.tender_id;
      IF NOT FOUND THEN
        RAISE EXCEPTION '% row of tender % (organisation %): no such tender', TG_TABLE_NAME, NEW.tender_id,
          NEW.tenant_id USING ERRCODE = 'foreign_key_violation';
      END IF;
      NEW.audience := tender_audience;
      RETURN NEW;
    END $$"""


def add_audience(table: str) -> None:
    """A listed table's audience: the ``audience bigint[]`` column (NULL: everyone), its GIN index,
    the ``listed_rows`` policy that reads it and, for a table other than ``tenders``, the trigger
    that copies the tender's audience to each row written."""
    op.execute(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS audience bigint[]')
    op.execute(f'CREATE INDEX IF NOT EXISTS "ix_{table}_audience" ON "{table}" USING gin (audience)')
    if table != "tenders":
        if not has_column(table, "tender_id"):
            raise RuntimeError(f"{table}: a listed table needs a tender_id, whose audience its rows take")
        op.execute(COPY_TENDER_AUDIENCE)
        op.execute(f'DROP TRIGGER IF EXISTS "{table}_audience" ON "{table}"')
        op.execute(f'CREATE TRIGGER "{table}_audience" BEFORE INSERT OR UPDATE ON "{table}" '
                   f'FOR EACH ROW EXECUTE FUNCTION portal_tender_audience()')
    op.execute(f'DROP POLICY IF EXISTS listed_rows ON "{table}"')
    op.execute(f'CREATE POLICY listed_rows ON "{table}" FOR SELECT USING ({LISTED_TO_AUDIENCE})')


def append_only(table: str) -> None:
    """Refuse UPDATE and DELETE even to the owner (the app role is only granted SELECT, INSERT)."""
    op.execute(f"""
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "{table}"
        FOR EACH ROW EXECUTE FUNCTION portal_refuse_change()""")


def enable_commissioner_rls(table: str, hidden_statuses: tuple[str, ...] = ()) -> None:
    """Layer 4 for provider-owned rows that their commissioner also sees (never drafts)."""
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY provider_rows ON "{table}" USING (tenant_id = {TENANT}) '
               f'WITH CHECK (tenant_id = {TENANT})')
    visible = f"commissioner_id = {TENANT}"
    if hidden_statuses:
        listed = ", ".join(f"'{s}'" for s in hidden_statuses)
        visible += f" AND status NOT IN ({listed})"
    op.execute(f'CREATE POLICY commissioner_rows ON "{table}" USING ({visible}) WITH CHECK ({visible})')
