"""Per-organisation API tokens: one organisation (404 anywhere else, like any cross-tenant
address), scopes (a read token never reaches a changing route: 403 naming the scope), an
expiry chosen at creation (90 days by default, a year at most), and 422 per field on bad input."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from portal.tenants.models import COMMISSIONER, PROVIDER
from tests import factories
from tests.conftest import PASSWORD
from tests.security.access_routes import expected, fill, methods_of, organisation_rules
from tests.tenancy.seed import every_role_world


@pytest.fixture
def pair(app, make_org, make_user):
    a = make_org(PROVIDER, slug="tok-a")
    b = make_org(COMMISSIONER, slug="tok-b")
    both = make_user("both@tok.example", memberships=[(a, "provider_admin"), (b, "commissioner_admin")])
    alone = make_user("alone@tok.example", memberships=[(a, "submitter")])
    return {"a": a, "b": b, "both": both, "alone": alone}


def _create(client, email, **body):
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": PASSWORD, **body})


def _count(app) -> int:
    from portal.accounts.models import ApiToken
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ApiToken))


def test_defaults_one_organisation_read_only_for_ninety_days(app, client, pair):
    response = _create(client, pair["alone"].email)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["organisation"] == "tok-a" and body["scopes"] == ["read"]
    expires = datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (datetime.now(timezone.utc) + timedelta(days=90))) < timedelta(minutes=5)
    year = _create(client, pair["alone"].email, expires_in_days=365, scopes=["write"]).get_json()
    assert year["scopes"] == ["read", "write"]  # write brings read with it


@pytest.mark.parametrize("body, field, words", [
    ({"expires_in_days": 366}, "expires_in_days", "one year at most"),
    ({"expires_in_days": 0}, "expires_in_days", "from 1 to 365"),
    ({"expires_in_days": "ninety"}, "expires_in_days", "whole number"),
    ({"expires_in_days": None}, "expires_in_days", "how many days"),
    ({"scopes": ["admin"]}, "scopes", "read and write"),
    ({"scopes": []}, "scopes", "at least one scope"),
    ({"scopes": "read"}, "scopes", "as a list"),
    ({"organisation": "tok-b"}, "organisation", "one of your own organisations"),
    ({"organisation": "no-such-organisation"}, "organisation", "one of your own organisations"),
    ({"organisation": 12}, "organisation", "slug as text"),
])
def test_bad_choices_answer_422_on_their_field_and_make_nothing(app, client, pair, body, field, words):
    response = _create(client, pair["alone"].email, **body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    messages = str((errors.get("json", errors)).get(field, ""))
    assert messages and words in messages, response.get_json()
    assert _count(app) == 0


def test_the_organisation_message_does_not_tell_whether_another_organisation_exists(client, pair):
    real = _create(client, pair["alone"].email, organisation="tok-b").get_json()
    made_up = _create(client, pair["alone"].email, organisation="no-such-organisation").get_json()
    assert real["errors"] == made_up["errors"] and real["message"] == made_up["message"]


def test_someone_in_two_organisations_names_one(client, pair):
    response = _create(client, pair["both"].email)
    assert response.status_code == 422
    assert "choose the one this token is for" in response.get_json()["errors"]["organisation"][0]


def test_a_token_is_404_at_every_address_of_another_organisation(app, client, pair):
    """Its person is an administrator of both organisations: the token still reaches one only."""
    token_a = factories.api_token(pair["both"], organisation=pair["a"], scopes=["read", "write"])
    headers = {"Authorization": f"Bearer {token_a}"}
    document_b = factories.document(pair["b"]).id
    assert client.get("/api/v1/orgs/tok-a/documents", headers=headers).status_code == 200
    tried = 0
    for rule, _permission in organisation_rules(app, api=True):
        url = fill(rule, "tok-b", {name: document_b for name in rule.arguments})
        for method in methods_of(rule):
            response = client.open(url, method=method, headers=headers, json={})
            assert response.status_code == 404 and response.is_json, f"{method} {url} -> {response.status_code}"
            tried += 1
    assert tried > 80
    assert client.get(f"/api/v1/documents/{document_b}", headers=headers).status_code == 404


def test_an_expired_or_revoked_token_is_401(app, client, pair, owner_engine):
    raw = factories.api_token(pair["alone"], days=1)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with owner_engine.begin() as conn:
        conn.execute(text("update api_tokens set expires_at = now() - interval '1 second'"))
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_last_use_is_kept(app, client, pair):
    from portal.accounts.models import ApiToken
    from portal.extensions import db

    raw = factories.api_token(pair["alone"])
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_a_read_token_never_reaches_a_changing_route(app, client):
    """Generated from the URL map for an administrator of each kind: every non-GET API route
    answers 403 naming the 'write' scope (or 404 where the kind has no such route), and the
    same request with a write token is not refused for its scope."""
    world = every_role_world(app)
    tried = 0
    for kind, role in ((PROVIDER, "provider_admin"), (COMMISSIONER, "commissioner_admin")):
        user = world["users"][(kind, role)]
        read = {"Authorization": f"Bearer {factories.api_token(user, scopes=['read'])}"}
        for rule, permission in organisation_rules(app, api=True):
            for method in methods_of(rule):
                if method == "GET":
                    continue
                url = fill(rule, world["orgs"][kind].slug, world["ids"][kind])
                response = client.open(url, method=method, headers=read, json={})
                where = f"{kind} read token: {method} {url}"
                if expected(kind, role, permission) == 404:
                    assert response.status_code == 404, f"{where} -> {response.status_code}"
                    continue
                assert response.status_code == 403, f"{where} -> {response.status_code}"
                assert "'write' scope" in response.get_json()["message"], where
                tried += 1
    assert tried > 60
