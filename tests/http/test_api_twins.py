"""Every API route of an organisation exists under /api/v1/orgs/<slug>/ and without the slug;
a token names one organisation, so a person who belongs to two has a token for each, and each
token's slugless addresses are its own organisation's."""
from __future__ import annotations

import re

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


def test_a_person_in_two_organisations_has_a_token_for_each(app, everyone, make_user, api_token, client):
    """A token names one organisation: its slugless addresses are that organisation's, its slug
    form works for that organisation only, and the other organisation's addresses are 404s."""
    provider, commissioner = everyone["orgs"]["provider"], everyone["orgs"]["commissioner"]
    person = make_user("both@example.org", memberships=[(provider, "provider_admin"),
                                                       (commissioner, "commissioner_admin")])
    endpoints = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    tried = 0
    for org, other in ((provider, commissioner), (commissioner, provider)):
        headers = {"Authorization": f"Bearer {api_token(person.email, organisation=org.slug)}"}
        ids = everyone["ids"][org.kind]
        for rule in _api_organisation_rules(app):
            if "slug" in rule.arguments or "GET" not in rule.methods:
                continue
            twin = endpoints[twin_endpoint(rule.endpoint)]
            slugless = client.get(_fill(rule, ids), headers=headers)
            own = client.get(_fill(twin, ids, org.slug), headers=headers)
            elsewhere = client.get(_fill(twin, ids, other.slug), headers=headers)
            where = f"{org.slug} token: {rule.rule}"
            assert slugless.status_code == own.status_code != 400, (where, slugless.status_code, own.status_code)
            assert elsewhere.status_code == 404 and elsewhere.is_json, (where, elsewhere.status_code)
            tried += 1
    assert tried > 40
    # Without a slug, each token answers for its own organisation.
    for org in (provider, commissioner):
        headers = {"Authorization": f"Bearer {api_token(person.email, organisation=org.slug)}"}
        assert client.get("/api/v1/organisation", headers=headers).get_json()["slug"] == org.slug
    token = api_token(person.email, organisation=commissioner.slug)
    assert client.get(f"/api/v1/orgs/{commissioner.slug}/reviews", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 200


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
