"""Layer 2 also covers tenant tables reached only through select_from, functions and subqueries."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from portal.extensions import db
from portal.tenants.context import TenantNotSet, tenant_context
from portal.tenants.models import Membership


@pytest.fixture
def statements(ctx):
    seen = []
    listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    yield seen
    event.remove(db.engine, "before_cursor_execute", listener)


def test_counts_and_subqueries_carry_the_tenant(statements, make_org, make_user):
    a, b = make_org(slug="sub-a"), make_org(slug="sub-b")
    make_user(memberships=[(a, "provider_admin")])
    make_user(memberships=[(b, "provider_admin")])
    make_user(memberships=[(b, "submitter")])
    with tenant_context(a.id):
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 1
        assert db.session.scalar(select(func.count(Membership.id))) == 1
        inner = select(Membership.user_id).scalar_subquery()
        assert db.session.scalar(select(func.count()).where(Membership.user_id.in_(select(Membership.user_id)))) == 1
    counted = [s for s in statements if "count(" in s.lower()]
    assert counted and all("tenant_id" in s for s in counted), counted
    assert inner is not None


def test_no_tenant_fails_closed_for_counts(ctx, make_org):
    with pytest.raises(TenantNotSet):
        db.session.scalar(select(func.count()).select_from(Membership))
    with pytest.raises(TenantNotSet):
        db.session.scalar(select(func.count(Membership.id)))
