"""API tokens only for people whose roles use the API (portal.tenants.permissions: use_api_tokens)."""
from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from portal.tenants.models import ROLES
from portal.tenants.permissions import role_can
from tests import factories
from tests.conftest import PASSWORD

REFUSED = "None of your roles uses the API"


def _token_count(app, user) -> int:
    from portal.accounts.models import ApiToken
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id))


def test_each_role_gets_a_token_only_if_it_uses_the_api(app, client, make_org, make_user):
    granted = set()
    for kind, roles in ROLES.items():
        org = make_org(kind)
        for role in roles:
            person = make_user(memberships=[(org, role)])
            # A commissioner's finance and procurement staff use MFA (the factory enrolled them); the code
            # is ignored for everyone else.
            response = client.post("/api/v1/auth/tokens", json={"email": person.email, "password": PASSWORD,
                                                                "code": factories.totp_code(person.email)})
            if role_can(kind, role, "use_api_tokens"):
                assert response.status_code == 201, (kind, role)
                granted.add((kind, role))
            else:
                assert response.status_code == 403, (kind, role, response.get_json())
                assert REFUSED in response.get_json()["message"]
                assert _token_count(app, person) == 0
    assert granted == {("provider", "provider_admin"), ("provider", "submitter"), ("provider", "finance"),
                       ("commissioner", "commissioner_admin"),
                       ("commissioner", "contract_manager"), ("commissioner", "finance"),
                       ("commissioner", "procurement")}


def test_the_account_pages_show_tokens_only_to_roles_that_use_them(app, web, make_org, make_user):
    viewer = make_user("viewer@hscp.example", memberships=[(make_org("commissioner"), "viewer")])
    web.sign_in(viewer.email)
    page = web.client.get("/account/").get_data(as_text=True)
    assert "API tokens" not in page and "Create token" not in page and "Bearer" not in page
    assert "Create token" not in web.client.get("/account/tokens/").get_data(as_text=True)
    refused = web.post("/account/tokens/", {"label": "Sneaky", "scopes": "read", "expires_in_days": "90"})
    assert refused.status_code == 403 and REFUSED in refused.get_data(as_text=True)
    assert _token_count(app, viewer) == 0


def test_one_membership_that_uses_the_api_is_enough(app, web, make_org, make_user):
    """A viewer at a council who also submits for a provider may have a token, for the provider."""
    provider = make_org("provider", slug="submits-here")
    person = make_user(memberships=[(make_org("commissioner"), "viewer"), (provider, "submitter")])
    web.sign_in(person.email)
    assert "Manage your API tokens" in web.client.get("/account/").get_data(as_text=True)
    page = web.client.get("/account/tokens/").get_data(as_text=True)
    assert "Create token" in page and f"work for {provider.name} only" in page
    created = web.post("/account/tokens/", {"label": "Care system", "organisation": "submits-here",
                                            "scopes": "write", "expires_in_days": "30"})
    assert created.status_code == 200 and "Token created" in created.get_data(as_text=True)
    assert _token_count(app, person) == 1


def test_empty_and_nonsense_answers_are_explained_and_nothing_is_created(app, web, make_org, make_user):
    person = make_user(memberships=[(make_org("provider"), "submitter")])
    web.sign_in(person.email)
    page = web.post("/account/tokens/", {"label": "", "expires_in_days": ""})
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "Enter a name for the token" in text
    assert "Choose what the token may do" in text and "Enter how many days the token should last" in text
    page = web.post("/account/tokens/", {"label": "x", "organisation": "not-mine", "scopes": "admin",
                                         "expires_in_days": "400"})
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "at most 365 days" in text and "Choose scopes from read, write" in text
    assert "Choose one of your own organisations" in text
    assert _token_count(app, person) == 0


def test_someone_whose_role_changed_can_still_revoke_old_tokens(app, web, make_org, make_user):
    org = make_org("commissioner")
    person = make_user(memberships=[(org, "viewer")])
    factories.api_token(person, label="Old reporting link")  # made while the person was a contract manager
    web.sign_in(person.email)
    soup = BeautifulSoup(web.client.get("/account/tokens/").get_data(as_text=True), "html.parser")
    assert "cannot create tokens" in soup.get_text()
    assert "Revoke Old reporting link" in [" ".join(b.get_text().split()) for b in soup.select("button")]
    assert soup.find("input", attrs={"name": "label"}) is None
    [token_id] = factories.api_token_ids(person)
    revoked = web.post(f"/account/tokens/{token_id}/revoke", page="/account/tokens/")
    assert revoked.status_code == 303
    assert "Revoked" in web.client.get("/account/tokens/").get_data(as_text=True)
