"""Layer 4: connected as the app role, PostgreSQL itself keeps tenants apart."""
from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, text

from tests.tenancy.seed import seed_contract_rows

SET = "select set_config('app.org_id', %s, true)"


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def app_conn(services, app):
    with psycopg.connect(_plain(services.urls["DATABASE_URL"])) as conn:
        yield conn


@pytest.fixture
def tenant_tables(app_conn):
    rows = app_conn.execute(
        "select table_name from information_schema.columns "
        "where table_schema = 'public' and column_name = 'tenant_id' order by table_name").fetchall()
    app_conn.rollback()
    return [r[0] for r in rows]


@pytest.fixture
def seeded(app, make_org, make_user):
    """Rows in every tenant-owned table for two tenants."""
    from portal.accounts import services as accounts
    from portal.audit.services import record
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    a, b = make_org(slug="rls-a"), make_org(slug="rls-b")
    commissioner = make_org("commissioner", slug="rls-hscp")
    make_user(memberships=[(a, "provider_admin")])
    make_user(memberships=[(b, "provider_admin")])
    make_user(memberships=[(b, "submitter")])
    with app.app_context():
        for org in (a, b):
            with tenant_context(org.id):
                accounts.invite(get_organisation_by_slug(org.slug), f"x@{org.slug}.example", "submitter",
                                invited_by=None)
                record("test_event")
                db.session.add(Document(storage_key=f"t/{org.id}/documents/rls", filename="rls.pdf", size_bytes=1))
        db.session.commit()
    seed_contract_rows(app, a, commissioner, "RLS-A")
    seed_contract_rows(app, b, commissioner, "RLS-B")
    return a, b


def test_force_rls_holds_the_owner_too(owner_engine, seeded):
    with owner_engine.connect() as owner:
        assert owner.execute(text("select count(*) from memberships")).scalar() == 0


def test_tenant_tables_are_the_expected_ones(tenant_tables):
    assert {"memberships", "invitations", "audit_events", "contracts", "return_schedules", "returns", "answers",
            "return_versions"} <= set(tenant_tables)


def test_every_tenant_table_has_rls_enabled_forced_and_a_policy(app_conn, tenant_tables):
    for table in tenant_tables:
        enabled, forced = app_conn.execute(
            "select relrowsecurity, relforcerowsecurity from pg_class where relname = %s", (table,)).fetchone()
        policies = app_conn.execute("select count(*) from pg_policies where tablename = %s", (table,)).fetchone()[0]
        assert enabled and forced, f"{table}: RLS enabled={enabled} forced={forced}"
        assert policies >= 1, f"{table} has no policy"


def test_every_tenant_table_has_tenant_keys(app_conn, tenant_tables):
    """Layer 3: tenant_id NOT NULL and UNIQUE (tenant_id, id) on every tenant-owned table."""
    for table in tenant_tables:
        nullable = app_conn.execute(
            "select is_nullable from information_schema.columns where table_name = %s and column_name = 'tenant_id'",
            (table,)).fetchone()[0]
        assert nullable == "NO", table
        unique = app_conn.execute(
            """select count(*) from pg_constraint c join pg_class t on t.oid = c.conrelid
               where t.relname = %s and c.contype = 'u'
               and (select array_agg(attname order by attname) from pg_attribute
                    where attrelid = t.oid and attnum = any(c.conkey)) = array['id', 'tenant_id']::name[]""",
            (table,)).fetchone()[0]
        assert unique == 1, f"{table} lacks UNIQUE (tenant_id, id)"


def test_every_table_with_a_commissioner_has_an_index_for_each_side(app_conn, tenant_tables):
    """Both sides read these rows (``tenant_id = X OR commissioner_id = X``, in the policies and the
    ORM): each column leads an index, or a commissioner's read scans every organisation's rows."""
    for table in tenant_tables:
        columns = {r[0] for r in app_conn.execute(
            "select column_name from information_schema.columns where table_name = %s", (table,)).fetchall()}
        if "commissioner_id" not in columns:
            continue
        leading = {r[0] for r in app_conn.execute(
            """select a.attname from pg_index i join pg_class t on t.oid = i.indrelid
               join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0]
               where t.relname = %s""", (table,)).fetchall()}
        assert {"tenant_id", "commissioner_id"} <= leading, f"{table}: indexes lead with {sorted(leading)}"


def test_no_tenant_set_sees_no_rows(app_conn, tenant_tables, seeded, services):
    with psycopg.connect(services.urls["POSTGRES_SUPERUSER_URL"]) as superuser:  # bypasses RLS
        for table in tenant_tables:
            assert superuser.execute(f'select count(*) from "{table}"').fetchone()[0] >= 2, table
    for table in tenant_tables:
        assert app_conn.execute(f'select count(*) from "{table}"').fetchone()[0] == 0, table
    app_conn.rollback()


def test_tenant_a_then_b_on_one_pooled_connection(services, seeded):
    a, b = seeded
    engine = create_engine(services.urls["DATABASE_URL"], pool_size=1, max_overflow=0)
    try:
        seen = []
        for org in (a, b, None):
            with engine.begin() as conn:
                if org is not None:
                    conn.execute(text("select set_config('app.org_id', :org, true)"), {"org": str(org.id)})
                seen.append({row[0] for row in conn.execute(text("select distinct tenant_id from memberships"))})
        assert seen == [{a.id}, {b.id}, set()]
        assert engine.pool.checkedin() == 1  # one connection served all three transactions
    finally:
        engine.dispose()


def test_the_setting_is_transaction_local(app_conn, seeded):
    a, _b = seeded
    app_conn.execute(SET, (str(a.id),))
    assert app_conn.execute("select count(*) from memberships").fetchone()[0] == 1
    app_conn.commit()
    assert app_conn.execute("select count(*) from memberships").fetchone()[0] == 0
    app_conn.rollback()


def test_writing_another_tenants_row_is_refused(app_conn, seeded):
    a, b = seeded
    app_conn.execute(SET, (str(a.id),))
    user_id = app_conn.execute("select id from users limit 1").fetchone()[0]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("insert into audit_events (tenant_id, action, details, created_at) "
                         "values (%s, 'forged', '{}', now())", (b.id,))
    app_conn.rollback()
    app_conn.execute(SET, (str(a.id),))
    # Updating B's rows as A touches nothing: they are invisible.
    updated = app_conn.execute("update memberships set role = 'finance' where tenant_id = %s", (b.id,)).rowcount
    assert updated == 0
    assert user_id
    app_conn.rollback()


def test_audit_log_is_append_only_for_the_app_role(app_conn, seeded):
    a, _b = seeded
    app_conn.execute(SET, (str(a.id),))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("update audit_events set action = 'rewritten'")
    app_conn.rollback()
    app_conn.execute(SET, (str(a.id),))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("delete from audit_events")
    app_conn.rollback()


def test_audit_log_is_append_only_for_the_owner_too(owner_engine, seeded):
    a, _b = seeded
    with pytest.raises(Exception, match="append-only"):
        with owner_engine.begin() as conn:  # FORCE RLS holds the owner to the tenant too
            conn.execute(text("select set_config('app.org_id', :org, true)"), {"org": str(a.id)})
            conn.execute(text("update audit_events set action = 'rewritten'"))


def test_the_app_role_is_not_superuser_owner_or_bypassrls(app_conn, services):
    role = app_conn.execute("select current_user").fetchone()[0]
    superuser, bypass, createrole, createdb = app_conn.execute(
        "select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user"
    ).fetchone()
    assert (superuser, bypass, createrole, createdb) == (False, False, False, False)
    owned = app_conn.execute(
        "select count(*) from pg_tables where schemaname = 'public' and tableowner = current_user").fetchone()[0]
    assert owned == 0
    db_owner = app_conn.execute(
        "select pg_get_userbyid(datdba) from pg_database where datname = current_database()").fetchone()[0]
    assert db_owner != role


def test_a_commissioner_sees_its_providers_submissions_but_never_drafts_or_answers(app_conn, seeded):
    hscp = app_conn.execute("select id from organisations where slug = 'rls-hscp'").fetchone()[0]
    app_conn.execute(SET, (str(hscp),))
    statuses = {r[0] for r in app_conn.execute("select status from returns")}
    assert statuses == {"submitted"}  # two submitted returns; the four drafts stay hidden
    assert app_conn.execute("select count(*) from returns").fetchone()[0] == 2
    assert app_conn.execute("select count(*) from contracts").fetchone()[0] == 2
    assert app_conn.execute("select count(*) from return_versions").fetchone()[0] == 2
    assert app_conn.execute("select count(*) from answers").fetchone()[0] == 0
    assert app_conn.execute("select count(*) from memberships").fetchone()[0] == 0
    app_conn.rollback()
    app_conn.execute(SET, (str(hscp),))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # a commissioner cannot make a draft
        app_conn.execute(
            "insert into returns (tenant_id, commissioner_id, contract_id, period_start, period_end, due_date, "
            "status, lock_version, submitted_late, review_comment, problem_tasks, updated_at, reminders_sent) "
            "select tenant_id, commissioner_id, id, '2030-01-01', '2030-01-31', '2030-02-14', 'draft', 1, false, "
            "'', '{}', now(), '{}' from contracts limit 1")
    app_conn.rollback()


def test_reminders_about_drafts_are_the_commissioners_to_read_and_no_one_elses(app_conn, seeded):
    """A reminder is readable by its commissioner although the return it is about is a draft."""
    a, b = seeded
    commissioner = app_conn.execute("select distinct commissioner_id from return_reminders").fetchone()
    assert commissioner is None  # nothing without the setting
    app_conn.rollback()
    app_conn.execute(SET, (str(a.id),))
    provider_rows = app_conn.execute("select tenant_id, commissioner_id from return_reminders").fetchall()
    assert provider_rows and {row[0] for row in provider_rows} == {a.id}
    commissioner_id = provider_rows[0][1]
    app_conn.rollback()
    app_conn.execute(SET, (str(commissioner_id),))
    assert app_conn.execute("select count(*) from returns where status = 'draft'").fetchone()[0] == 0
    rows = app_conn.execute("select distinct tenant_id from return_reminders").fetchall()
    assert {row[0] for row in rows} == {a.id, b.id}
    app_conn.rollback()


def test_published_tenders_are_read_by_all_drafts_and_interest_by_their_own(app_conn, seeded):
    """A tender and its lots are read by every organisation once listed; a draft only by its
    commissioner; nobody but the commissioner changes them; an interest is the provider's and
    the commissioner's to read."""
    a, b = seeded
    hscp = app_conn.execute("select id from organisations where slug = 'rls-hscp'").fetchone()[0]
    app_conn.execute(SET, (str(a.id),))
    assert {r[0] for r in app_conn.execute("select reference from tenders")} == {"RLS-A-T", "RLS-B-T"}
    assert app_conn.execute("select count(*) from tender_lots").fetchone()[0] == 2
    assert {r[0] for r in app_conn.execute("select tenant_id from tender_interests")} == {a.id}
    assert app_conn.execute("update tenders set title = 'Taken over'").rowcount == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("insert into tender_lots (tenant_id, tender_id, number, title, description, "
                         "estimated_value, listed) select tenant_id, id, 9, 'x', '', 1, true from tenders limit 1")
    app_conn.rollback()
    app_conn.execute(SET, (str(hscp),))
    assert app_conn.execute("select count(*) from tenders").fetchone()[0] == 4
    assert {r[0] for r in app_conn.execute("select tenant_id from tender_interests")} == {a.id, b.id}
    app_conn.rollback()


def test_threads_are_read_by_their_readers_questions_by_their_asker_and_commissioner(app_conn, seeded):
    """A market-wide thread and its published answers are read by every organisation; a contract
    thread, its replies and published answers only by its provider; a question by its asker and
    the commissioner; an unpublished answer-set entry by the commissioner alone; only the
    commissioner writes its rows."""
    a, b = seeded
    hscp = app_conn.execute("select id from organisations where slug = 'rls-hscp'").fetchone()[0]
    for table in ("threads", "thread_questions", "thread_replies", "thread_answers"):
        assert app_conn.execute(f"select count(*) from {table}").fetchone()[0] == 0, table
    app_conn.rollback()
    app_conn.execute(SET, (str(a.id),))
    assert {r[0] for r in app_conn.execute("select title from threads")} == {
        "RLS-A market", "RLS-B market", "RLS-A private"}
    assert {r[0] for r in app_conn.execute("select body from thread_questions")} == {
        "RLS-A question", "RLS-A private question"}
    assert {r[0] for r in app_conn.execute("select body from thread_replies")} == {
        "RLS-A reply", "RLS-A private reply"}
    assert {r[0] for r in app_conn.execute("select answer from thread_answers")} == {"RLS-A reply", "RLS-B reply"}
    assert app_conn.execute("update threads set title = 'Taken over'").rowcount == 0
    assert app_conn.execute("update thread_answers set answer = 'Changed'").rowcount == 0
    assert app_conn.execute("delete from thread_replies").rowcount == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("insert into thread_answers (tenant_id, thread_id, reply_id, question, answer, listed, "
                         "created_at) select tenant_id, thread_id, id, 'q', 'a', false, now() from thread_replies "
                         "limit 1")
    app_conn.rollback()
    app_conn.execute(SET, (str(b.id),))
    assert "RLS-A private" not in {r[0] for r in app_conn.execute("select title from threads")}
    assert {r[0] for r in app_conn.execute("select tenant_id from thread_questions")} == {b.id}
    app_conn.rollback()
    app_conn.execute(SET, (str(hscp),))
    for table in ("threads", "thread_questions", "thread_replies", "thread_answers"):
        assert app_conn.execute(f"select count(*) from {table}").fetchone()[0] == 4, table
    app_conn.rollback()


def test_questions_are_the_askers_and_the_commissioners_and_clarifications_everyones(app_conn, seeded):
    """An unanswered question (and a private answer) is read by the asking provider and the
    tender's commissioner only; every organisation reads published clarifications, which hold
    nothing of the asker; nobody but the commissioner writes them."""
    from portal.models_base import utcnow

    a, b = seeded
    hscp = app_conn.execute("select id from organisations where slug = 'rls-hscp'").fetchone()[0]
    # B's question answered privately: still B's and the commissioner's alone.
    app_conn.execute(SET, (str(hscp),))
    app_conn.execute("update tender_questions set status = 'private', answer = 'Private answer', "
                     "private_reason = 'Sensitive', answered_at = %s where tenant_id = %s and status = 'open'",
                     (utcnow(), b.id))
    app_conn.commit()
    app_conn.execute(SET, (str(a.id),))
    assert {r[0] for r in app_conn.execute("select tenant_id from tender_questions")} == {a.id}
    assert app_conn.execute("select count(*) from tender_questions where answer = 'Private answer'").fetchone()[0] == 0
    rows = app_conn.execute("select question, answer from tender_clarifications").fetchall()
    assert sorted(rows) == [("Published question", "Published answer")] * 2
    columns = {r[0] for r in app_conn.execute(
        "select column_name from information_schema.columns where table_name = 'tender_clarifications'")}
    assert not columns & {"question_id", "provider_id", "asked_by_id", "commissioner_id"}
    assert app_conn.execute("update tender_clarifications set answer = 'Changed'").rowcount == 0
    assert app_conn.execute("delete from tender_clarifications").rowcount == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("insert into tender_clarifications (tenant_id, tender_id, number, question, answer, "
                         "published_at, listed) select tenant_id, id, 9, 'Forged', 'x', now(), true from tenders "
                         "limit 1")
    app_conn.rollback()
    app_conn.execute(SET, (str(hscp),))
    assert {r[0] for r in app_conn.execute("select tenant_id from tender_questions where status = 'private'")} \
        == {b.id}
    assert app_conn.execute("select count(*) from tender_questions").fetchone()[0] == 4
    app_conn.rollback()
    # Without the setting: nothing at all.
    assert app_conn.execute("select count(*) from tender_clarifications").fetchone()[0] == 0
    assert app_conn.execute("select count(*) from tender_questions").fetchone()[0] == 0
    app_conn.rollback()


def test_every_policy_reads_the_settings_once_per_statement(app, owner_engine):
    """Each setting sits in a scalar subquery (an InitPlan: once per statement, usable by an index),
    never bare (once per row); migration 0027 rewrites a database made before it, and back."""
    import re

    from flask_migrate import downgrade, upgrade

    bare = re.compile(r"(?<!SELECT )\(NULLIF\(current_setting\('app\.(org_id|user_id)'")

    def policies() -> list[str]:
        with owner_engine.connect() as conn:
            return [f"{r[0]}.{r[1]}: {r[2]} {r[3]}" for r in conn.execute(text(
                "select tablename, policyname, qual, coalesce(with_check, '') from pg_policies "
                "where schemaname = 'public'"))]

    assert len(policies()) > 100
    assert not [p for p in policies() if bare.search(p)]
    with app.app_context():
        downgrade(revision="0026_commissioner_indexes")
        try:
            assert len([p for p in policies() if bare.search(p)]) > 100
        finally:
            upgrade(revision="heads")
    assert not [p for p in policies() if bare.search(p)]
