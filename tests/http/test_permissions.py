"""The permission table, tested from the table for every route and every role.

One rule for pages and API alike: a page that the organisation's kind does not have answers
404; a role without the permission in its own organisation answers 403; a role with it is let
through (the view may still answer 404 for an object it cannot see, never 403).
"""
from __future__ import annotations

import re

import pytest

from portal.http.access import access_of
from portal.http.loaders import LOADERS
from portal.tenants.models import ADMIN_ROLES, COMMISSIONER, PROVIDER, ROLES
from portal.tenants.permissions import ACCOUNT_PERMISSIONS, LEVELS, PERMISSIONS, check_table, kind_has, role_can
from tests import factories
from tests.conftest import Browserless, csrf_from

PART_VALUES = {"task_key": "delivery", "number": 1, "file_format": "csv"}


def test_every_route_names_its_permission(app):
    unmarked = [rule.endpoint for rule in app.url_map.iter_rules() if access_of(app, rule.endpoint) is None]
    assert unmarked == [], f"routes without @requires(...): {unmarked}"


def test_the_table_names_only_known_permissions_and_every_permission_is_used(app):
    check_table()
    used = {access_of(app, rule.endpoint) for rule in app.url_map.iter_rules()}
    assert used <= set(PERMISSIONS) | set(LEVELS)
    assert set(PERMISSIONS) - ACCOUNT_PERMISSIONS <= used, f"permissions no route uses: {set(PERMISSIONS) - used}"
    assert not ACCOUNT_PERMISSIONS & used  # checked across a person's memberships, never by a route


def test_each_kind_has_the_pages_its_people_need():
    assert kind_has(PROVIDER, "edit_returns") and not kind_has(COMMISSIONER, "edit_returns")
    assert kind_has(COMMISSIONER, "review_returns") and not kind_has(PROVIDER, "review_returns")
    assert not kind_has(PROVIDER, "view_dashboards") and not kind_has(PROVIDER, "view_collaboratives")
    assert role_can(COMMISSIONER, "viewer", "view_dashboards") and not role_can(COMMISSIONER, "viewer", "review_returns")
    assert not role_can(PROVIDER, "finance", "edit_returns") and role_can(PROVIDER, "submitter", "edit_returns")
    assert not role_can(PROVIDER, "viewer", "view_returns")  # no such role in a provider


def _organisation_rules(app):
    for rule in app.url_map.iter_rules():
        permission = access_of(app, rule.endpoint)
        if permission in PERMISSIONS and "slug" in rule.arguments:
            yield rule, permission


def _url(rule, slug: str, ids: dict) -> str:
    url = rule.rule
    for name in rule.arguments:
        value = slug if name == "slug" else PART_VALUES.get(name, ids.get(name))
        assert value is not None, f"{rule.endpoint}: the fixture has no object for {name}"
        url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(value), url)
    return url


def _expected(kind: str, role: str, permission: str) -> int | None:
    if not kind_has(kind, permission):
        return 404
    if not role_can(kind, role, permission):
        return 403
    return None  # allowed


@pytest.mark.parametrize("kind,role", [(kind, role) for kind, roles in ROLES.items() for role in roles])
def test_every_route_and_role_follows_the_table(app, everyone, kind, role):
    """One role at a time (each with every route), so that every case stays well inside the timeout."""
    assert set(LOADERS) - {"token_id", "message_id"} <= set(everyone["ids"][PROVIDER]) | set(PART_VALUES)
    tried = {403: 0, 404: 0, None: 0}
    user = everyone["users"][(kind, role)]
    client = app.test_client()
    web = Browserless(client)
    web.sign_in(user.email)
    slug = everyone["orgs"][kind].slug
    csrf = csrf_from(client.get(f"/o/{slug}/").get_data(as_text=True))
    # A token made directly: one kept from a role that used the API still meets every route's permission.
    headers = {"Authorization": f"Bearer {factories.api_token(user)}"}
    for rule, permission in _organisation_rules(app):
        expected = _expected(kind, role, permission)
        url = _url(rule, slug, everyone["ids"][kind])
        api = rule.rule.startswith("/api/")
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if expected is None:
            methods = [m for m in methods if m == "GET"]  # let through: read only, change nothing
        for method in methods:
            if api:
                response = client.open(url, method=method, headers=headers, json={})
            else:
                response = client.open(url, method=method, data={"csrf_token": csrf} if method != "GET" else None)
            where = f"{kind} {role}: {method} {url} ({rule.endpoint}, needs {permission})"
            if expected is None:
                assert response.status_code not in (401, 403) and response.status_code < 500, \
                    f"{where} -> {response.status_code}"
            else:
                assert response.status_code == expected, f"{where} -> {response.status_code}, not {expected}"
            if api and response.status_code >= 400:
                assert response.is_json, where
            tried[expected] += 1
    # Each kind lacks the other's pages, and every role reads something.
    assert tried[404] > 20 and tried[None] > 10, tried
    if role not in ADMIN_ROLES.values():
        assert tried[403] > 0, tried


def test_platform_pages_are_404_to_everyone_else(app, everyone, client):
    web = Browserless(client)
    web.sign_in(everyone["users"][(COMMISSIONER, "commissioner_admin")].email)
    for url in ("/admin/", "/admin/mailbox", "/admin/events", "/admin/organisations/new"):
        assert client.get(url).status_code == 404, url


def test_signed_out_people_are_sent_to_sign_in_and_the_api_answers_401(app, everyone, client):
    for rule, _permission in _organisation_rules(app):
        url = _url(rule, everyone["orgs"][PROVIDER].slug, everyone["ids"][PROVIDER])
        response = client.get(url)
        if rule.rule.startswith("/api/"):
            assert response.status_code in (401, 405) and response.is_json, url
        elif "GET" in rule.methods:
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
