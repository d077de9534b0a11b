"""Access control for every role of both kinds of organisation, with real requests, generated
from the URL map and the permission table (portal.tenants.permissions), so that new routes are
covered (htmx partial requests: test_htmx_roles.py): a viewer changes nothing
(every non-GET route, by session, htmx and a write token, and no row of any table changes); a
provider reaches no commissioner route; a submitter cannot approve. tests/http/test_permissions.py
covers full-page sessions and write tokens for every role; tests/security/test_tokens.py read
tokens; tests/tenancy the other tenant's objects."""
from __future__ import annotations

from sqlalchemy import text

from portal.tenants.models import COMMISSIONER, PROVIDER, ROLES
from portal.tenants.permissions import PERMISSIONS, kind_has, role_can
from tests import factories
from tests.conftest import csrf_from
from tests.security.access_routes import fill, methods_of, organisation_rules, signed_in

HTMX = {"HX-Request": "true"}
#: Deciding on another organisation's submissions: the commissioner's side alone.
APPROVALS = {"review_returns", "approve_invoices", "decide_proposals", "decide_contract_reviews", "award_tenders",
             "open_bids", "moderate_bids", "manage_payment_runs", "manage_funds"}
#: What a viewer may change only once assigned to the panel (the world assigns no one): the
#: object's policy refuses it.
PANEL = {"evaluate_bids", "score_fund_bids"}
#: Tables a refused or read-only request may still write: sign-in, the token's last use, the trail.
BOOKKEEPING = {"user_sessions", "api_tokens", "platform_audit_events", "access_events"}


def _row_counts(superuser_engine) -> dict[str, int]:
    with superuser_engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text(
            "select tablename from pg_tables where schemaname = 'public' and tablename <> 'alembic_version'"))]
        return {t: conn.execute(text(f'select count(*) from "{t}"')).scalar() for t in tables if t not in BOOKKEEPING}


def test_a_viewer_changes_nothing(app, world, superuser_engine):
    viewer = world["users"][(COMMISSIONER, "viewer")]
    slug = world["orgs"][COMMISSIONER].slug
    client = signed_in(app, viewer)
    csrf = csrf_from(client.get(f"/o/{slug}/").get_data(as_text=True))
    token = {"Authorization": f"Bearer {factories.api_token(viewer, scopes=['read', 'write'])}"}
    before = _row_counts(superuser_engine)
    tried = 0
    for rule, permission in organisation_rules(app):
        api = rule.rule.startswith("/api/")
        url = fill(rule, slug, world["ids"][COMMISSIONER])
        for method in methods_of(rule):
            if method == "GET":
                continue
            panel = permission in PANEL
            assert panel or not role_can(COMMISSIONER, "viewer", permission), f"a viewer may {permission}"
            attempts = [dict(headers=token, json={})] if api else [
                dict(data={"csrf_token": csrf}), dict(data={"csrf_token": csrf}, headers=HTMX)]
            for attempt in attempts:
                response = client.open(url, method=method, **attempt)
                where = f"viewer: {method} {url} -> {response.status_code}"
                if panel:  # the page may answer (not on the panel): the row counts below prove nothing changed
                    assert response.status_code < 500, where
                else:
                    assert response.status_code in (403, 404), where
                tried += 1
    assert tried > 150
    assert _row_counts(superuser_engine) == before


def test_a_provider_reaches_no_commissioner_route(app, world):
    commissioner_only = [(rule, p) for rule, p in organisation_rules(app) if not kind_has(PROVIDER, p)]
    assert len(commissioner_only) > 40
    tried = 0
    for role in ROLES[PROVIDER]:
        user = world["users"][(PROVIDER, role)]
        client = signed_in(app, user)
        slug = world["orgs"][PROVIDER].slug
        csrf = csrf_from(client.get(f"/o/{slug}/").get_data(as_text=True))
        token = {"Authorization": f"Bearer {factories.api_token(user, scopes=['read', 'write'])}"}
        for rule, permission in commissioner_only:
            url = fill(rule, slug, world["ids"][PROVIDER])
            api = rule.rule.startswith("/api/")
            for method in methods_of(rule):
                data = {"csrf_token": csrf} if method != "GET" else None
                attempts = [dict(headers=token, json={})] if api else [dict(data=data), dict(data=data, headers=HTMX)]
                for attempt in attempts:
                    response = client.open(url, method=method, **attempt)
                    assert response.status_code == 404, f"provider {role}: {method} {url} -> {response.status_code}"
                    tried += 1
        # and the commissioner's own address is not theirs either
        assert client.get(f"/o/{world['orgs'][COMMISSIONER].slug}/").status_code == 404
    assert tried > 200


def test_a_submitter_cannot_approve(app, world):
    """No provider role decides anything; a submitter cannot manage its own organisation's members."""
    assert APPROVALS <= set(PERMISSIONS)
    for role in ROLES[PROVIDER]:
        assert not APPROVALS & {p for p in PERMISSIONS if role_can(PROVIDER, role, p)}, role
    submitter = world["users"][(PROVIDER, "submitter")]
    client = signed_in(app, submitter)
    slug = world["orgs"][PROVIDER].slug
    csrf = csrf_from(client.get(f"/o/{slug}/").get_data(as_text=True))
    ids = world["ids"][PROVIDER]
    for url in (f"/o/{slug}/returns/{ids['return_id']}/review", f"/o/{slug}/invoices/{ids['invoice_id']}/decision",
                f"/o/{slug}/members/invite", f"/o/{slug}/members/{ids['membership_id']}/remove"):
        response = client.post(url, data={"csrf_token": csrf, "decision": "accept"})
        assert response.status_code in (403, 404), (url, response.status_code)
