"""Sessions and API tokens end on the server: a copied cookie or a kept token stops working
after signing out, a password change or reset, or removal from the organisation."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, Browserless
from tests.helpers import link_in, mailbox, run_jobs

COOKIE = "portal_session"
NEW_PASSWORD = "quiet-harbour-lantern-73"


@pytest.fixture
def member(make_org, make_user):
    org = make_org("provider")
    admin = make_user(memberships=[(org, "provider_admin")])
    person = make_user(memberships=[(org, "submitter")])
    return {"org": org, "admin": admin, "person": person, "home": f"/o/{org.slug}/"}


def _signed_in(app, email: str):
    client = app.test_client()
    Browserless(client).sign_in(email)
    return client


def _copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def _is_signed_out(client, url: str) -> bool:
    response = client.get(url)
    return response.status_code == 302 and "/sign-in" in response.headers["Location"]


def _token(app, email: str, password: str = PASSWORD) -> dict:
    response = app.test_client().post("/api/v1/auth/tokens", json={"email": email, "password": password})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_signing_out_ends_every_copy_of_the_cookie(app, member):
    client = _signed_in(app, member["person"].email)
    copy = _copy_of(app, client)
    assert copy.get(member["home"]).status_code == 200
    Browserless(client).post("/sign-out", page=member["home"])
    assert _is_signed_out(client, member["home"])
    assert _is_signed_out(copy, member["home"])


def test_changing_the_password_ends_other_sessions_and_tokens_but_not_this_one(app, member):
    client = _signed_in(app, member["person"].email)
    elsewhere = _signed_in(app, member["person"].email)
    copy = _copy_of(app, client)
    headers = _token(app, member["person"].email)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    response = Browserless(client).post("/account/password", {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 303
    assert client.get(member["home"]).status_code == 200  # this browser carries on, with a new session
    assert _is_signed_out(elsewhere, member["home"])
    assert _is_signed_out(copy, member["home"])  # the old cookie of this browser too
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert _token(app, member["person"].email, NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing(app, member):
    client = _signed_in(app, member["person"].email)
    headers = _token(app, member["person"].email)
    response = Browserless(client).post("/account/password", {
        "current_password": "not-my-password", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 422 and "current password is not right" in response.get_data(as_text=True)
    assert client.get(member["home"]).status_code == 200
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200


def test_a_password_reset_ends_sessions_and_tokens(app, member):
    signed_in = _signed_in(app, member["person"].email)
    headers = _token(app, member["person"].email)
    stranger = app.test_client()
    Browserless(stranger).post("/password/forgot", {"email": member["person"].email})
    run_jobs(app)
    link = link_in(mailbox(app, to=member["person"].email)[-1].body)
    response = Browserless(stranger).post(link, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 303
    assert _is_signed_out(signed_in, member["home"])
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401


def test_removal_ends_the_persons_sessions_and_tokens(app, member):
    person = _signed_in(app, member["person"].email)
    headers = _token(app, member["person"].email)
    admin = _signed_in(app, member["admin"].email)
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import list_members

    with app.app_context(), tenant_context(member["org"].id):
        membership_id = next(m.id for m in list_members() if m.user_id == member["person"].id)
    slug = member["org"].slug
    response = Browserless(admin).post(f"/o/{slug}/members/{membership_id}/remove", page=f"/o/{slug}/members")
    assert response.status_code == 303
    assert _is_signed_out(person, "/account/")
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert admin.get(f"/o/{slug}/members").status_code == 200
