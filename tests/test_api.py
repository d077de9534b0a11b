"""The JSON API skeleton: tokens, /me, the OpenAPI document, errors as JSON."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import PASSWORD


def test_token_for_good_credentials(client, make_user, make_org):
    user = make_user(memberships=[(make_org(), "submitter")])
    response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token"].startswith("pt_") and "expires_at" in body


def test_wrong_credentials_give_401_json(client, make_user):
    user = make_user()
    response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "nope-nope-nope"})
    assert response.status_code == 401
    assert response.is_json and "correct email address and password" in response.get_json()["message"]


def test_missing_fields_give_422_per_field(client):
    response = client.post("/api/v1/auth/tokens", json={"email": "not-an-email"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert "password" in errors and "email" in errors


def test_tokens_are_stored_hashed(app, make_user, make_org, api_token):
    from portal.accounts.models import ApiToken
    from portal.extensions import db

    user = make_user(memberships=[(make_org(), "submitter")])
    raw = api_token(user.email)
    with app.app_context():
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert raw not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_me_names_the_token_organisation_only(client, make_user, make_org, api_token):
    """A token is for one organisation: /me shows the person's role there, not their other memberships."""
    a, b = make_org(slug="me-provider"), make_org("commissioner", slug="me-hscp", name="Me HSCP")
    user = make_user(memberships=[(a, "submitter"), (b, "viewer")])
    token = api_token(user.email, organisation="me-provider", scopes=["read"])
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == user.email
    assert [(o["slug"], o["kind"], o["role"]) for o in body["organisations"]] == [
        ("me-provider", "provider", "submitter")]
    assert body["roles"] == ["submitter"]
    assert body["token"]["organisation"] == "me-provider" and body["token"]["scopes"] == ["read"]


def test_no_token_bad_token_and_revoked_token_give_401(client, make_user, make_org, api_token):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer pt_made-up"}).status_code == 401
    token = api_token(make_user(memberships=[(make_org(), "provider_admin")]).email)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401 and response.is_json


def test_session_cookies_do_not_authenticate_the_api(web, make_user, client):
    user = make_user()
    web.sign_in(user.email)
    assert client.get("/api/v1/me").status_code == 401


def test_member_endpoints_need_an_admin(client, make_user, make_org, api_token):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    headers = {"Authorization": f"Bearer {api_token(user.email)}"}
    assert client.get(f"/api/v1/orgs/{org.slug}", headers=headers).get_json()["slug"] == org.slug
    assert client.get(f"/api/v1/orgs/{org.slug}/members", headers=headers).status_code == 403


def test_openapi_document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.0.3"
    assert {"/api/v1/auth/tokens", "/api/v1/me", "/api/v1/orgs/{slug}/members"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json
