"""The index itself: RLS on search_entries, the GIN indexes the queries use, indexing jobs,
and the demo data being searchable."""
from __future__ import annotations

from types import SimpleNamespace

import psycopg
import pytest
from tests.helpers import run_jobs
from tests.search.helpers import PHRASE_CODE, add_document, fill, return_ids, search_as
from tests.tenancy.test_rls import SET, app_conn, seeded  # noqa: F401  (fixtures)


def test_search_entries_rls_provider_rows_and_the_commissioners(app_conn, seeded):  # noqa: F811
    a, b = seeded
    hscp = app_conn.execute("select id from organisations where slug = 'rls-hscp'").fetchone()[0]
    counts = {}
    for org in (a.id, b.id, hscp):
        app_conn.execute(SET, (str(org),))
        counts[org] = {r[0] for r in app_conn.execute("select distinct tenant_id from search_entries")}
        app_conn.rollback()
    assert counts == {a.id: {a.id}, b.id: {b.id}, hscp: {a.id, b.id}}
    assert app_conn.execute("select count(*) from search_entries").fetchone()[0] == 0
    app_conn.rollback()
    app_conn.execute(SET, (str(a.id),))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # no writing rows for another provider
        app_conn.execute(
            "insert into search_entries (tenant_id, commissioner_id, return_id, version_number, kind, measure_code, "
            "title, body, created_at) values (%s, %s, 1, 1, 'narrative', 'X', 't', 'b', now())", (b.id, hscp))
    app_conn.rollback()


def test_search_matches_hold_the_organisations_own_vectors_and_nothing_else(app_conn, seeded,  # noqa: F811
                                                                              superuser_engine):
    """The view a commissioner's search matches words in (migrations 0028 and 0029) shows a
    commissioner the vectors of the entries ``search_entries`` shows it, and a provider none (its
    search reads its own answers and documents); its table is out of the app role's reach; a
    trigger copies every new entry's vector and the foreign key deletes it with its entry."""
    from sqlalchemy import text

    a, b = seeded
    hscp = app_conn.execute("select id from organisations where slug = 'rls-hscp'").fetchone()[0]
    for org in (a.id, b.id, hscp):
        app_conn.execute(SET, (str(org),))
        entries = {r[0] for r in app_conn.execute("select id from search_entries")}
        matches = {r[0] for r in app_conn.execute("select entry_id from search_matches")}
        providers = {r[0] for r in app_conn.execute("select distinct provider_id from search_matches")}
        app_conn.rollback()
        assert entries and matches == (entries if org == hscp else set()), org
        assert providers == ({a.id, b.id} if org == hscp else set())
    assert app_conn.execute("select count(*) from search_matches").fetchone()[0] == 0  # no organisation set
    app_conn.rollback()
    for statement in ("select count(*) from search_vectors",
                      "insert into search_vectors values (1, 1, 1, to_tsvector('english', 'x'))",
                      "delete from search_vectors"):
        app_conn.execute(SET, (str(a.id),))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app_conn.execute(statement)
        app_conn.rollback()
    with superuser_engine.begin() as conn:
        def same() -> bool:
            return conn.execute(text("select count(*) from search_entries")).scalar() == conn.execute(
                text("select count(*) from search_vectors")).scalar() > 0
        assert same()
        conn.execute(text("delete from search_entries where tenant_id = :a"), {"a": a.id})
        assert same()
    app_conn.execute(SET, (str(hscp),))  # the commissioner's view lost provider A's entries with them
    assert {r[0] for r in app_conn.execute(
        "select e.tenant_id from search_matches m join search_entries e on e.id = m.entry_id")} == {b.id}
    app_conn.rollback()


def test_the_app_roles_search_goes_through_the_gin_index(app, world, services):
    """The commissioner's search statement, as the app role, matches words with the GIN index of
    ``search_vectors`` (through the view), not by testing each of the organisation's entries."""
    from sqlalchemy import event

    from portal.extensions import db

    provider, clyde = world["provider"], world["commissioner"]
    returns = return_ids(app, provider.id, world["contract_id"])
    fill(app, provider.id, world["submitter"].id, returns[0], {PHRASE_CODE: "The reading group met weekly."})
    run_jobs(app)
    with psycopg.connect(services.urls["POSTGRES_SUPERUSER_URL"], autocommit=True) as superuser:
        # As at scale: thousands of the commissioner's entries, few of them matching.
        superuser.execute("""
            insert into search_entries (tenant_id, commissioner_id, return_id, version_number, kind, measure_code,
                                        title, body, created_at)
            select e.tenant_id, e.commissioner_id, e.return_id, e.version_number, 'narrative', 'MORE-' || n,
                   'More', 'Gardening on Tuesdays, cooking on Fridays.', now()
            from (select * from search_entries limit 1) e, generate_series(1, 3000) n""")
        superuser.execute("analyze")
        superuser.execute("vacuum search_vectors")  # as autovacuum leaves it: the GIN index's pending list merged
    sent: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine
    listener = lambda _c, _cur, statement, params, *_a: sent.append((statement, params))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert search_as(app, clyde, "reading group").total == 1
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    statement, params = next((s, p) for s, p in sent if "search_matches" in s)
    with psycopg.connect(services.urls["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        conn.execute(SET, (str(clyde.id),))
        conn.execute("set local enable_seqscan = off")  # a few pages: reading them all would be cheapest here
        plan = "\n".join(r[0] for r in conn.execute(f"explain {statement}", params))
    # The commissioner's own partition (migration 0029), chosen when the statement is planned.
    partition = partition_of(services, clyde.id)
    assert f"Bitmap Index Scan on {partition}_search_vector_idx" in plan, plan
    assert plan.count("on search_vectors_") == plan.count(f"on {partition}"), plan


def partition_of(services, commissioner_id: int) -> str:
    """The partition of ``search_vectors`` that holds a commissioner's vectors."""
    with psycopg.connect(services.urls["POSTGRES_SUPERUSER_URL"], autocommit=True) as superuser:
        return superuser.execute(
            "select tableoid::regclass::text from search_vectors where commissioner_id = %s limit 1",
            (commissioner_id,)).fetchone()[0]


def test_stored_vectors_and_their_gin_indexes(app, world, services):
    """Each searched text has a stored vector with a GIN index. Under RLS the app role reaches a
    tenant's rows through the tenant indexes (``@@`` is not leakproof); without RLS the planner
    uses the GIN indexes."""
    provider, clyde = world["provider"], world["commissioner"]
    first = return_ids(app, provider.id, world["contract_id"])[0]
    add_document(app, provider.id, "notes.pdf", "Notes on the reading group.")
    fill(app, provider.id, world["submitter"].id, first, {PHRASE_CODE: "The reading group met weekly."})
    run_jobs(app)
    assert search_as(app, clyde, "reading group").total == 1
    assert search_as(app, provider, "reading group").total == 2
    with psycopg.connect(services.urls["POSTGRES_SUPERUSER_URL"]) as superuser:
        superuser.execute("set enable_seqscan = off")
        for table in ("search_entries", "answers", "documents"):
            plan = "\n".join(r[0] for r in superuser.execute(
                f"explain select id from {table} where search_vector @@ websearch_to_tsquery('english', %s)",
                ("reading group",)))
            assert f"ix_{table}_search" in plan, plan
            matched = superuser.execute(
                f"select count(*) from {table} where search_vector @@ websearch_to_tsquery('english', %s)",
                ("reading group",)).fetchone()[0]
            assert matched == 1, table


def test_the_index_job_is_idempotent_and_indexes_only_the_latest_version(app, world):
    from portal.extensions import db
    from portal.returns.queries import get_return
    from portal.search.models import SearchEntry
    from portal.search.services import index_return
    from portal.tenants.context import tenant_context

    provider = world["provider"]
    first = return_ids(app, provider.id, world["contract_id"])[0]
    document = add_document(app, provider.id, "log.pdf", "Daily log.")
    fill(app, provider.id, world["submitter"].id, first, {PHRASE_CODE: "Cooking together."}, documents=[document])
    assert run_jobs(app) == 2  # the search index and the commissioner's outcome rollup
    with app.app_context(), tenant_context(provider.id):
        before = sorted((e.kind, e.measure_code, e.document_id) for e in db.session.scalars(db.select(SearchEntry)))
        index_return(get_return(first))
        index_return(get_return(first))
        db.session.commit()
        after = sorted((e.kind, e.measure_code, e.document_id) for e in db.session.scalars(db.select(SearchEntry)))
    assert before == after
    assert ("document", None, document) in after
    assert len([k for k in after if k[0] == "narrative"]) == 9  # the nine outcomes' narratives


def test_reindex_finds_submissions_made_before_search(app, world):
    from portal.extensions import db
    from portal.search.jobs import index_submitted_returns, run_pending_index_jobs
    from portal.search.models import SearchEntry
    from portal.tenants.context import tenant_context

    provider, clyde = world["provider"], world["commissioner"]
    first = return_ids(app, provider.id, world["contract_id"])[0]
    fill(app, provider.id, world["submitter"].id, first, {PHRASE_CODE: "Origami lessons."})
    with app.app_context():
        assert run_pending_index_jobs() == 1  # the submission's job, run in-process and marked done
        db.session.commit()
        with tenant_context(provider.id):
            db.session.execute(db.delete(SearchEntry))  # as if submitted before search existed
        db.session.commit()
        assert search_as(app, clyde, "origami").total == 0
        assert index_submitted_returns() == 1
        assert index_submitted_returns() == 0
        db.session.commit()
    assert search_as(app, clyde, "origami").total == 1
    # The worker receives the index message, finds it done and does nothing; then the outcome rollup.
    assert run_jobs(app) == 2


def test_the_demo_is_searchable(app):
    from portal.dev.demo import seed_demo
    from portal.extensions import db
    from portal.outbox import OutboxMessage
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        seed_demo()
        db.session.commit()
        glasgow, riverside, hillview = (SimpleNamespace(id=get_organisation_by_slug(s).id) for s in
                                        ("glasgow-hscp", "riverside-care", "hillview-support"))
        pending = db.session.scalar(db.select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.job == "index_return_version", OutboxMessage.done_at.is_(None)))
        db.session.rollback()
    assert pending == 0
    commissioner = search_as(app, glasgow, "outcome conversations", page_size=1000)
    assert {h.provider for h in commissioner.hits} == {"Riverside Care", "Hillview Support", "Oakfield Care",
                                                       "Northgate Living", "Brightpath Support", "Lochside Care"}
    assert all("<mark>" in h.snippet for h in commissioner.hits)
    assert {h.kind for h in search_as(app, glasgow, "families", page_size=1000).hits} == {"narrative", "document"}
    own = search_as(app, riverside, "outcome conversations", page_size=100)
    assert own.total > 0 and {h.provider for h in own.hits} == {"Riverside Care"}
    assert {h.provider for h in search_as(app, hillview, "families", page_size=100).hits} == {"Hillview Support"}
