"""Commissioners' search goes through a GIN index as the app role.

Under row-level security PostgreSQL applies a table's policies before any condition whose
operator is not LEAKPROOF, and the text-search match (``@@``) is not: so a search of
``search_entries`` read every entry the organisation may see and tested each (make bench: the
policies made search 20 to 40 % slower than the same statement without them).

The vectors are now also kept in ``search_vectors`` (entry id, both organisations, vector), which
has no row-level security and no privileges for the app role: a trigger on ``search_entries``,
owned by the owner, copies each new entry's vector, and the foreign key deletes it with its entry. The app role reads it only through the view
``search_matches``, whose WHERE is the policy of ``search_entries`` (the organisation in the
transaction's ``app.org_id``, as provider or as commissioner), so it sees the same entries as
before; the view has no security barrier, so PostgreSQL can combine the GIN index with the
organisation's index. The app role creates no functions (it has no CREATE on the schema), so no
condition of its own can run inside the view. The matches are joined back to ``search_entries``,
whose policies still hold for every row a page shows.

Revision ID: 0028_search_matches
Revises: 0027_rls_settings_once
"""
import sqlalchemy as sa
from alembic import op

revision = "0028_search_matches"
down_revision = "0027_rls_settings_once"
branch_labels = None
depends_on = None

TENANT = "(SELECT nullif(current_setting('app.org_id', true), '')::bigint)"


def upgrade(app_role: str) -> None:
    schema = op.get_bind().execute(sa.text("select current_schema()")).scalar()
    op.execute("""
        CREATE TABLE search_vectors (
            entry_id bigint PRIMARY KEY REFERENCES search_entries (id) ON DELETE CASCADE,
            tenant_id bigint NOT NULL,
            commissioner_id bigint NOT NULL,
            search_vector tsvector NOT NULL
        )""")
    op.execute("CREATE INDEX ix_search_vectors_search ON search_vectors USING gin (search_vector)")
    op.execute("CREATE INDEX ix_search_vectors_tenant_id ON search_vectors (tenant_id)")
    op.execute("CREATE INDEX ix_search_vectors_commissioner_id ON search_vectors (commissioner_id)")
    op.execute(f"""
        CREATE FUNCTION portal_keep_search_vector() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = "{schema}", pg_temp AS $$
        BEGIN
            INSERT INTO search_vectors (entry_id, tenant_id, commissioner_id, search_vector)
            VALUES (NEW.id, NEW.tenant_id, NEW.commissioner_id, NEW.search_vector);
            RETURN NULL;
        END $$""")
    op.execute("REVOKE ALL ON FUNCTION portal_keep_search_vector() FROM PUBLIC")
    # Entries are inserted and deleted, never updated (the app role may not); a deleted entry's
    # vector goes with it (the foreign key cascades).
    op.execute("""
        CREATE TRIGGER search_entries_keep_vector AFTER INSERT ON search_entries
        FOR EACH ROW EXECUTE FUNCTION portal_keep_search_vector()""")
    op.execute(f"""
        CREATE VIEW search_matches AS
        SELECT entry_id, search_vector FROM search_vectors
        WHERE tenant_id = {TENANT} OR commissioner_id = {TENANT}""")
    op.execute(f'GRANT SELECT ON search_matches TO "{app_role}"')
    # The entries made before: copied as the owner, past the policies for this statement only.
    op.execute("ALTER TABLE search_entries NO FORCE ROW LEVEL SECURITY")
    op.execute("""
        INSERT INTO search_vectors (entry_id, tenant_id, commissioner_id, search_vector)
        SELECT id, tenant_id, commissioner_id, search_vector FROM search_entries""")
    op.execute("ALTER TABLE search_entries FORCE ROW LEVEL SECURITY")


def downgrade(app_role: str) -> None:
    op.execute("DROP VIEW search_matches")
    op.execute("DROP TRIGGER search_entries_keep_vector ON search_entries")
    op.execute("DROP FUNCTION portal_keep_search_vector()")
    op.execute("DROP TABLE search_vectors")
