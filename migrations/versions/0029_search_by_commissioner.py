"""Search's vectors are split by commissioner, and matches carry their provider.

A commissioner's search matched its words in one GIN index holding every commissioner's
vectors, so the index pages it read grew with the whole portal's entries, not the
commissioner's own (make bench: a common word read 912,903 index entries at scale 10 to find the
commissioner's 22,861). ``search_vectors`` is now partitioned by a hash of the commissioner into
``PARTITIONS`` tables, each with its own GIN index: a search reads only its commissioner's
partition.

The view ``search_matches`` now shows only the entries the organisation holds as commissioner
(a provider searches its own answers and documents, never this view), with each entry's
commissioner and provider (``commissioner_id``, and the entries' ``tenant_id`` as
``provider_id``): the search names its commissioner, so PostgreSQL reads one partition when it
plans the statement, and the matches are joined back to ``search_entries`` on ``(tenant_id,
id)``, the tenant's own unique index, rather than on the primary key alone.

The table keeps its columns, its trigger and its foreign key (a vector goes with its entry); the
app role still has no privilege on it.

Revision ID: 0029_search_by_commissioner
Revises: 0028_search_matches
"""
from alembic import op

revision = "0029_search_by_commissioner"
down_revision = "0028_search_matches"
branch_labels = None
depends_on = None

TENANT = "(SELECT nullif(current_setting('app.org_id', true), '')::bigint)"
#: Partitions of ``search_vectors``. A national portal has about 250 commissioners: about 16 each.
PARTITIONS = 16


def _view(app_role: str, by_commissioner: bool) -> None:
    if by_commissioner:
        op.execute(f"""
            CREATE VIEW search_matches AS
            SELECT entry_id, search_vector, tenant_id AS provider_id, commissioner_id FROM search_vectors
            WHERE commissioner_id = {TENANT}""")
    else:
        op.execute(f"""
            CREATE VIEW search_matches AS
            SELECT entry_id, search_vector FROM search_vectors
            WHERE tenant_id = {TENANT} OR commissioner_id = {TENANT}""")
    op.execute(f'GRANT SELECT ON search_matches TO "{app_role}"')


def _table(partitions: int) -> None:
    """``search_vectors`` made again (partitioned by commissioner or not) from ``search_vectors_old``."""
    partitioned = " PARTITION BY HASH (commissioner_id)" if partitions else ""
    key = "PRIMARY KEY (entry_id, commissioner_id)" if partitions else "PRIMARY KEY (entry_id)"
    op.execute(f"""
        CREATE TABLE search_vectors (
            entry_id bigint NOT NULL REFERENCES search_entries (id) ON DELETE CASCADE,
            tenant_id bigint NOT NULL,
            commissioner_id bigint NOT NULL,
            search_vector tsvector NOT NULL,
            CONSTRAINT pk_search_vectors {key}
        ){partitioned}""")
    for n in range(partitions):
        op.execute(f"CREATE TABLE search_vectors_{n} PARTITION OF search_vectors "
                   f"FOR VALUES WITH (MODULUS {partitions}, REMAINDER {n})")
    op.execute("INSERT INTO search_vectors SELECT entry_id, tenant_id, commissioner_id, search_vector "
               "FROM search_vectors_old")
    op.execute("DROP TABLE search_vectors_old")
    # Indexes after the rows: built once, not grown row by row.
    op.execute("CREATE INDEX ix_search_vectors_search ON search_vectors USING gin (search_vector)")
    op.execute("CREATE INDEX ix_search_vectors_tenant_id ON search_vectors (tenant_id)")
    op.execute("CREATE INDEX ix_search_vectors_commissioner_id ON search_vectors (commissioner_id)")
    op.execute("ANALYZE search_vectors")


def _swap(app_role: str, partitions: int, by_commissioner: bool) -> None:
    op.execute("DROP VIEW search_matches")
    op.execute("ALTER TABLE search_vectors RENAME TO search_vectors_old")
    for name in ("pk_search_vectors", "search_vectors_pkey"):
        op.execute(f"ALTER INDEX IF EXISTS {name} RENAME TO {name}_old")
    for name in ("ix_search_vectors_search", "ix_search_vectors_tenant_id", "ix_search_vectors_commissioner_id"):
        op.execute(f"ALTER INDEX IF EXISTS {name} RENAME TO {name}_old")
    _table(partitions)
    _view(app_role, by_commissioner)


def upgrade(app_role: str) -> None:
    _swap(app_role, PARTITIONS, by_commissioner=True)


def downgrade(app_role: str) -> None:
    _swap(app_role, 0, by_commissioner=False)
