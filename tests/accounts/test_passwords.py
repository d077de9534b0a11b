"""Password hashing, policy and reset by emailed link."""
from __future__ import annotations

from portal.accounts.passwords import hash_password, password_problems, verify_password
from tests.conftest import PASSWORD, Browserless
from tests.helpers import link_in, mailbox, run_jobs

NEW = "amber-kettle-meadow-58"


def test_hashes_are_argon2id():
    hashed = hash_password("amber-kettle-meadow-58")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "amber-kettle-meadow-58")
    assert not verify_password(hashed, "amber-kettle-meadow-59")
    assert not verify_password(None, "anything")


def test_policy_accepts_long_uncommon_passwords_and_explains_refusals():
    assert password_problems("amber-kettle-meadow-58") == []
    assert "12 characters" in password_problems("Tr0ub4dor&3")[0]
    assert "128 characters" in password_problems("a1" * 65)[0]
    assert "too common" in password_problems("1q2w3e4r5t6y")[0]
    assert password_problems("riverside-care-2026", email="x@riverside-care.example")


def reset_link(app, web, email):
    response = web.post("/password/forgot", {"email": email})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    run_jobs(app)
    return link_in(mailbox(app, to=email)[-1].body)


def test_reset_by_emailed_link(app, web, make_user, client):
    user = make_user()
    link = reset_link(app, web, user.email)
    response = web.post(link, {"password": NEW, "confirm_password": NEW})
    assert response.status_code == 303
    Browserless(app.test_client()).sign_in(user.email, NEW)
    refused = Browserless(app.test_client()).post("/sign-in", {"email": user.email, "password": PASSWORD})
    assert "Enter a correct email address and password" in refused.get_data(as_text=True)


def test_reset_link_works_once(app, web, make_user, client):
    user = make_user()
    link = reset_link(app, web, user.email)
    web.post(link, {"password": NEW, "confirm_password": NEW})
    again = client.get(link)
    assert again.status_code == 400 and "expired or has been used" in again.get_data(as_text=True)


def test_reset_ends_other_sessions(app, web, make_user, make_org):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    elsewhere = Browserless(app.test_client())
    elsewhere.sign_in(user.email)
    assert elsewhere.client.get(f"/o/{org.slug}/").status_code == 200
    link = reset_link(app, web, user.email)
    web.post(link, {"password": NEW, "confirm_password": NEW})
    assert elsewhere.client.get(f"/o/{org.slug}/").status_code == 302


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(app, web):
    response = web.post("/password/forgot", {"email": "nobody@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    run_jobs(app)
    assert mailbox(app) == []


def test_weak_new_password_is_refused_and_link_still_works(app, web, make_user):
    user = make_user()
    link = reset_link(app, web, user.email)
    page = web.post(link, {"password": "password1234", "confirm_password": "password1234"})
    assert "too common" in page.get_data(as_text=True)
    assert web.post(link, {"password": NEW, "confirm_password": NEW}).status_code == 303


def test_cheap_hashing_is_for_the_test_configuration_only(app, monkeypatch):
    from argon2 import PasswordHasher, extract_parameters

    from portal.accounts.passwords import hash_password
    from portal.config import load_config

    assert app.config["PASSWORD_HASHING"] == "test"
    with app.app_context():
        assert extract_parameters(hash_password("x" * 12)).time_cost == 1
    for environment in ("development", "production"):
        monkeypatch.setenv("PORTAL_ENV", environment)
        monkeypatch.setenv("SECRET_KEY", "a-secret-for-this-test-only")
        monkeypatch.setenv("BID_KEY_WRAPPING_KEY", "A" * 43 + "=")  # 32 bytes, for this test only
        config = load_config()
        assert config["PASSWORD_HASHING"] == "standard", environment
    other = app.__class__(__name__)
    other.config.update(PASSWORD_HASHING="standard")
    with other.app_context():
        params = extract_parameters(hash_password("x" * 12))
    default = PasswordHasher()
    assert (params.time_cost, params.memory_cost) == (default.time_cost, default.memory_cost)
