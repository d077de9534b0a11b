"""Layer 2: the ORM adds the tenant to every query and refuses writes across tenants."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.tenants.context import CrossTenantWrite, TenantNotSet, tenant_context
from portal.tenants.models import Membership


@pytest.fixture
def pair(make_org, make_user):
    a, b = make_org(slug="orm-a"), make_org(slug="orm-b")
    ua = make_user(memberships=[(a, "provider_admin")])
    ub = make_user(memberships=[(b, "provider_admin"), (a, "submitter")])
    return a, b, ua, ub


def test_no_tenant_fails_closed(ctx, pair):
    with pytest.raises(TenantNotSet):
        db.session.scalars(select(Membership)).all()


def test_queries_see_only_the_current_tenant(ctx, pair):
    a, b, _ua, _ub = pair
    with tenant_context(a.id):
        assert {m.tenant_id for m in db.session.scalars(select(Membership))} == {a.id}
        b_ids = None
    with tenant_context(b.id):
        b_ids = [m.id for m in db.session.scalars(select(Membership))]
    with tenant_context(a.id):
        for membership_id in b_ids:
            assert db.session.scalar(select(Membership).where(Membership.id == membership_id)) is None


def test_bulk_update_is_scoped(ctx, pair):
    a, b, _ua, _ub = pair
    with tenant_context(a.id):
        db.session.execute(update(Membership).values(role="finance"))
        db.session.flush()
    with tenant_context(b.id):
        roles = {m.role for m in db.session.scalars(select(Membership))}
    assert roles == {"provider_admin"}


def test_new_rows_are_stamped_and_cross_tenant_writes_refused(ctx, pair):
    a, b, ua, _ub = pair
    with tenant_context(b.id):
        db.session.add(Membership(user_id=ua.id, role="submitter"))
        db.session.flush()
        stamped = db.session.scalar(select(Membership).where(Membership.user_id == ua.id))
        assert stamped.tenant_id == b.id
    db.session.rollback()
    with tenant_context(a.id):
        db.session.add(Membership(user_id=ua.id, role="submitter", tenant_id=b.id))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()
    with pytest.raises(TenantNotSet):
        db.session.add(Membership(user_id=ua.id, role="submitter"))
        db.session.flush()


def test_user_scope_reads_own_memberships_across_tenants(ctx, pair):
    a, b, _ua, ub = pair
    with tenant_context(None, ub.id):
        mine = db.session.scalars(select(Membership).execution_options(user_scope=True)).all()
    assert {m.tenant_id for m in mine} == {a.id, b.id}
    assert {m.user_id for m in mine} == {ub.id}


def test_cross_tenant_option_still_meets_rls(ctx, pair):
    """Skipping the ORM layer does not skip PostgreSQL: RLS alone stops the leak."""
    a, _b, _ua, _ub = pair
    with tenant_context(a.id):
        rows = db.session.scalars(select(Membership).execution_options(cross_tenant=True)).all()
    assert {m.tenant_id for m in rows} == {a.id}


def test_the_database_setting_follows_the_tenant_through_a_rolled_back_savepoint(ctx, pair):
    """The setting is sent once per transaction and value; a savepoint rolled back undoes a setting
    made inside it, so the next change of tenant is sent again (else row-level security would
    still see the tenant from before the savepoint)."""
    from sqlalchemy import event, text

    from portal.tenants.context import set_tenant

    a, b, _ua, _ub = pair
    sent: list[str] = []
    listener = lambda *args: sent.append(args[2]) if "set_config" in args[2] else None  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with tenant_context(a.id):
            setting = text("select current_setting('app.org_id', true)")
            assert db.session.scalar(setting) == str(a.id)
            set_tenant(a.id)  # the same value in the same transaction: not sent again
            assert len(sent) == 1
            savepoint = db.session.begin_nested()
            set_tenant(b.id)
            assert db.session.scalar(setting) == str(b.id)
            savepoint.rollback()
            assert db.session.scalar(setting) == str(a.id)  # PostgreSQL undid it with the savepoint
            set_tenant(b.id)
            assert db.session.scalar(setting) == str(b.id)
            set_tenant(a.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
