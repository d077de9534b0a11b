"""A tenant id or organisation planted in a form body, a JSON body, the query string or a header
(X-Tenant-Id, X-Organisation...) is ignored: the row is written in the caller's own organisation
(checked in the database) or the request is refused, and nothing is ever written for the
organisation the planted value names."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import text

from portal.tenants.models import COMMISSIONER, PROVIDER
from tests import factories
from tests.conftest import Browserless, csrf_from
from tests.security.access_routes import fill, methods_of, organisation_rules
from tests.tenancy.seed import every_role_world

ADMINS = {PROVIDER: "provider_admin", COMMISSIONER: "commissioner_admin"}


def planted(target) -> dict:
    """Every name a tenant could be smuggled under, each naming ``target``."""
    return {"tenant_id": str(target.id), "organisation_id": str(target.id), "organisation": target.slug,
            "org": target.slug, "commissioner_id": str(target.id), "provider_id": str(target.id)}


def planted_headers(target) -> dict:
    return {"X-Tenant-Id": str(target.id), "X-Organisation": target.slug, "X-Org-Id": str(target.id),
            "X-Organisation-Id": str(target.id)}


def rows_naming(superuser_engine, organisation_id: int) -> dict[str, int]:
    """How many rows of each table name the organisation in a tenant or organisation column."""
    with superuser_engine.connect() as conn:
        columns = conn.execute(text(
            "select table_name, column_name from information_schema.columns where table_schema = 'public' "
            "and column_name in ('tenant_id', 'organisation_id', 'commissioner_id', 'provider_id') "
            "and table_name not in ('access_events', 'platform_audit_events')")).all()
        return {f"{t}.{c}": conn.execute(text(f'select count(*) from "{t}" where "{c}" = :o'),
                                         {"o": organisation_id}).scalar() for t, c in columns}


@pytest.fixture
def target(app):
    """The organisation the planted values name: no relation to the caller's."""
    org = factories.organisation(PROVIDER, slug="planted-target")
    factories.user("target@planted.example", memberships=[(org, "provider_admin")])
    factories.document(org, filename="target.pdf")
    return org


def test_an_upload_through_the_api_stays_in_the_callers_organisation(app, client, make_org, make_user, target,
                                                                    superuser_engine):
    own = make_org(PROVIDER, slug="planting-care")
    user = make_user(memberships=[(own, "provider_admin")])
    headers = {"Authorization": f"Bearer {factories.api_token(user)}", **planted_headers(target)}
    before = rows_naming(superuser_engine, target.id)
    response = client.post("/api/v1/documents?" + "&".join(f"{k}={v}" for k, v in planted(target).items()),
                           headers=headers,
                           data={"file": (io.BytesIO(b"a,b\n1,2\n"), "figures.csv"), **planted(target)})
    assert response.status_code in (202, 422), response.get_json()
    with superuser_engine.connect() as conn:
        tenants = conn.execute(text("select tenant_id from documents where filename = 'figures.csv'")).scalars().all()
    assert tenants in ([own.id], []) and (response.status_code == 202) == (tenants == [own.id])
    assert rows_naming(superuser_engine, target.id) == before


def test_a_json_create_stays_in_the_callers_organisation_or_is_refused(app, client, make_org, make_user, target,
                                                                      superuser_engine):
    own = make_org(COMMISSIONER, slug="planting-hscp")
    user = make_user(memberships=[(own, "commissioner_admin")])
    headers = {"Authorization": f"Bearer {factories.api_token(user)}", **planted_headers(target)}
    before = rows_naming(superuser_engine, target.id)
    body = {"name": "Planted list", "service_type": "care_at_home", "starts_on": "2026-04-01", **planted(target)}
    response = client.post(f"/api/v1/supplier-lists?tenant_id={target.id}&org={target.slug}", headers=headers,
                           json=body)
    assert response.status_code in (201, 422), response.get_json()
    with superuser_engine.connect() as conn:
        made = conn.execute(text("select tenant_id from supplier_lists where name = 'Planted list'")).scalars().all()
    assert made == ([own.id] if response.status_code == 201 else []), made
    assert rows_naming(superuser_engine, target.id) == before
    # Without the planted fields the same request works: the refusal (if any) was about them.
    clean = {k: v for k, v in body.items() if k not in planted(target)}
    assert client.post("/api/v1/supplier-lists", headers=headers, json=clean).status_code == 201


def test_a_page_form_stays_in_the_callers_organisation(app, make_org, make_user, target, superuser_engine):
    own = make_org(COMMISSIONER, slug="planting-pages")
    user = make_user(memberships=[(own, "commissioner_admin")])
    client = app.test_client()
    Browserless(client).sign_in(user.email)
    url = f"/o/{own.slug}/supplier-lists/new"
    csrf = csrf_from(client.get(url).get_data(as_text=True))
    before = rows_naming(superuser_engine, target.id)
    response = client.post(f"{url}?tenant_id={target.id}&org={target.slug}", headers=planted_headers(target), data={
        "csrf_token": csrf, "name": "Planted page list", "service_type": "care_at_home",
        "starts_on": ["1", "4", "2026"], **planted(target)})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    with superuser_engine.connect() as conn:
        lists = conn.execute(text("select tenant_id from supplier_lists where name = 'Planted page list'")).all()
    assert [r[0] for r in lists] == [own.id]
    assert rows_naming(superuser_engine, target.id) == before


def test_no_changing_route_writes_for_a_planted_organisation(app, target, superuser_engine):
    """Generated from the URL map: each administrator sends every changing route of their own
    organisation with the target's id and slug planted in the query, the headers and the body
    (form and JSON); afterwards no row anywhere names the target."""
    world = every_role_world(app, provider_slug="sweep-care", commissioner_slug="sweep-hscp")
    before = rows_naming(superuser_engine, target.id)
    query = "&".join(f"{k}={v}" for k, v in planted(target).items())
    tried = 0
    for kind, role in ADMINS.items():
        user = world["users"][(kind, role)]
        client = app.test_client()
        Browserless(client).sign_in(user.email)
        slug = world["orgs"][kind].slug
        csrf = csrf_from(client.get(f"/o/{slug}/").get_data(as_text=True))
        token = {"Authorization": f"Bearer {factories.api_token(user)}"}
        for rule, _permission in organisation_rules(app):
            url = fill(rule, slug, world["ids"][kind]) + "?" + query
            for method in methods_of(rule):
                if method == "GET":
                    continue
                if rule.rule.startswith("/api/"):
                    response = client.open(url, method=method, headers={**token, **planted_headers(target)},
                                           json=planted(target))
                else:
                    response = client.open(url, method=method, headers=planted_headers(target),
                                           data={"csrf_token": csrf, **planted(target)})
                assert response.status_code < 500, f"{method} {url} -> {response.status_code}"
                tried += 1
    assert tried > 150
    assert rows_naming(superuser_engine, target.id) == before
