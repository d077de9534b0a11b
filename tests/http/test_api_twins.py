"""Every API route of an organisation exists under /api/v1/orgs/<slug>/ and without the slug,
and a person who belongs to two organisations is sent, by every slugless route, to addresses
that exist and work."""
from __future__ import annotations

import re

from werkzeug.exceptions import NotFound

from portal.http.access import access_of
from portal.http.api import TWIN_PREFIX, twin_endpoint
from portal.tenants.permissions import PERMISSIONS
from tests.http.test_permissions import PART_VALUES


def _api_organisation_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and access_of(app, rule.endpoint) in PERMISSIONS:
            yield rule


def test_every_organisation_route_has_both_forms(app):
    endpoints = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    slugless = [rule for rule in _api_organisation_rules(app) if "slug" not in rule.arguments]
    with_slug = [rule for rule in _api_organisation_rules(app) if "slug" in rule.arguments]
    assert len(slugless) == len(with_slug) > 20
    for rule in slugless:
        twin = endpoints.get(twin_endpoint(rule.endpoint))
        assert twin is not None, f"{rule.rule} has no /orgs/<slug> form"
        assert twin.rule.startswith("/api/v1/orgs/<slug>") and twin.methods == rule.methods
    for rule in with_slug:
        assert rule.endpoint.rpartition(".")[2].startswith(TWIN_PREFIX)


def _fill(rule, ids: dict, slug: str | None = None) -> str:
    url = rule.rule
    for name in rule.arguments:
        value = slug if name == "slug" else PART_VALUES.get(name, ids.get(name))
        url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(value), url)
    return url


def test_a_person_in_two_organisations_on_every_api_route(app, everyone, make_user, api_token, client):
    provider, commissioner = everyone["orgs"]["provider"], everyone["orgs"]["commissioner"]
    person = make_user("both@example.org", memberships=[(provider, "provider_admin"),
                                                       (commissioner, "commissioner_admin")])
    headers = {"Authorization": f"Bearer {api_token(person.email)}"}
    adapter = app.url_map.bind("localhost")
    tried = 0
    for rule in _api_organisation_rules(app):
        if "slug" in rule.arguments:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = _fill(rule, everyone["ids"]["provider"])
            response = client.open(url, method=method, headers=headers, json={})
            assert response.status_code == 400 and response.is_json, f"{method} {url} -> {response.status_code}"
            message = response.get_json()["message"]
            named = message.rpartition("Use ")[2].rstrip(".").split(" or ")
            assert {provider.slug, commissioner.slug} == {n.split("/")[4] for n in named}, message
            for address in named:  # each address it names exists, as the same route with a slug
                try:
                    endpoint, _values = adapter.match(address, method=method)
                except NotFound:  # pragma: no cover - the failure message is the point
                    raise AssertionError(f"{method} {url} names {address}, which does not exist") from None
                assert endpoint == twin_endpoint(rule.endpoint), (address, endpoint)
            tried += 1
    assert tried > 20
    # The slug form works for the same person in each organisation.
    for org, ids in ((provider, everyone["ids"]["provider"]), (commissioner, everyone["ids"]["commissioner"])):
        assert client.get(f"/api/v1/orgs/{org.slug}/returns", headers=headers).status_code == 200
        assert client.get(f"/api/v1/orgs/{org.slug}/returns/{ids['return_id']}", headers=headers).status_code == 200
        assert client.get(f"/api/v1/orgs/{org.slug}/documents/{ids['document_id']}",
                          headers=headers).status_code == 200
    assert client.get(f"/api/v1/orgs/{commissioner.slug}/reviews", headers=headers).status_code == 200
    assert client.get(f"/api/v1/orgs/{provider.slug}/reviews", headers=headers).status_code == 404


def test_a_person_with_one_organisation_uses_either_form(app, everyone, api_token, client):
    user = everyone["users"][("provider", "provider_admin")]
    headers = {"Authorization": f"Bearer {api_token(user.email)}"}
    slug = everyone["orgs"]["provider"].slug
    assert client.get("/api/v1/organisation", headers=headers).get_json()["slug"] == slug
    assert client.get(f"/api/v1/orgs/{slug}", headers=headers).get_json()["slug"] == slug
    assert client.get("/api/v1/returns", headers=headers).get_json() == \
        client.get(f"/api/v1/orgs/{slug}/returns", headers=headers).get_json()


def test_api_answers_are_never_stored_by_caches(app, everyone, api_token, client):
    user = everyone["users"][("provider", "provider_admin")]
    headers = {"Authorization": f"Bearer {api_token(user.email)}"}
    for url in ("/api/v1/me", "/api/v1/returns", "/api/v1/orgs/role-care/members", "/api/v1/nothing-here"):
        assert client.get(url, headers=headers).headers["Cache-Control"] == "no-store", url
    assert client.get("/api/v1/me").headers["Cache-Control"] == "no-store"  # the 401 too
