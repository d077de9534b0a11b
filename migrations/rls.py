"""Helpers for migrations: grants to the app role and row-level security policies."""
from __future__ import annotations

from alembic import op

TENANT = "nullif(current_setting('app.org_id', true), '')::bigint"
USER = "nullif(current_setting('app.user_id', true), '')::bigint"


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
    """Layer 4 for a commissioner's rows that every signed-in organisation reads once ``listed``
    (published tenders and what is published about them); only the owner writes them."""
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY owner_rows ON "{table}" USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT})')
    op.execute(f'CREATE POLICY listed_rows ON "{table}" FOR SELECT USING (listed AND {TENANT} IS NOT NULL)')


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
