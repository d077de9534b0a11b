"""Sign-in throttling that an attacker cannot turn against the owner (portal.accounts.throttle):
growing waits per account and address, an account-wide ceiling, and known devices."""
from __future__ import annotations

import pytest
from redis import Redis

from tests import factories
from tests.conftest import PASSWORD, Browserless

ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}
WRONG = "wrong-password-123"


@pytest.fixture(autouse=True)
def _long_waits(app, monkeypatch):
    """The first wait is a minute here (1 s in production), so that no answer depends on how fast
    the test runs: a wait never runs out between two requests of a test."""
    monkeypatch.setitem(app.config, "SIGN_IN_FIRST_WAIT_SECONDS", 60)
    monkeypatch.setenv("SIGN_IN_FIRST_WAIT_SECONDS", "60")


def _try(web, email, password, address):
    return web.post("/sign-in", {"email": email, "password": password}, environ_base=address)


def _signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def test_waits_grow_from_the_third_failure_and_stop_at_fifteen_minutes(app, monkeypatch):
    from portal.accounts import throttle

    monkeypatch.setitem(app.config, "SIGN_IN_FIRST_WAIT_SECONDS", 1)  # production's
    with app.test_request_context():
        scopes = throttle.password_scopes("someone@example.org", "203.0.113.9")
        waits = [throttle.record_failure(scopes) for _ in range(7)]
        assert waits == [0, 0, 1, 2, 4, 8, 16]
        assert 1 <= throttle.seconds_to_wait(scopes) <= 16
    assert throttle.wait_for(12, 3) == 512 and throttle.wait_for(13, 3) == 900 and throttle.wait_for(60, 3) == 900


def test_the_page_says_how_long_to_wait_and_the_wait_grows(app, web, make_user, services):
    user = make_user()
    for _ in range(3):
        assert _try(web, user.email, WRONG, ATTACKER).status_code == 200
    refused = _try(web, user.email, PASSWORD, ATTACKER)  # even the right password waits
    assert refused.status_code == 429 and 59 <= int(refused.headers["Retry-After"]) <= 60
    assert "Wait 60 seconds" in refused.get_data(as_text=True) and not _signed_in(web.client)
    # The wait over (its marker expires in Redis), the next failure asks for twice as long.
    redis = Redis.from_url(services.urls["REDIS_URL"])
    for key in redis.keys("*sign-in-wait*"):
        redis.delete(key)
    assert _try(web, user.email, WRONG, ATTACKER).status_code == 200
    again = _try(web, user.email, PASSWORD, ATTACKER)
    assert again.status_code == 429 and 119 <= int(again.headers["Retry-After"]) <= 120
    assert "Wait 2 minutes" in again.get_data(as_text=True)


def test_an_attacker_at_one_address_does_not_stop_the_owner_at_another(app, web, client, make_user):
    user = make_user()
    attacker = Browserless(app.test_client())
    answers = [_try(attacker, user.email, WRONG, ATTACKER).status_code for _ in range(12)]
    assert answers[:3] == [200, 200, 200] and set(answers[3:]) == {429}
    assert _try(web, user.email, PASSWORD, OWNER).status_code == 303
    assert _signed_in(client)


def test_the_owners_known_device_gets_in_while_the_account_is_attacked_from_everywhere(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_ACCOUNT_CEILING", 5)
    user = make_user()
    owner = Browserless(app.test_client())
    _try(owner, user.email, PASSWORD, OWNER)  # a full sign-in: this browser becomes a known device
    assert owner.client.get_cookie("portal_device") is not None
    owner.post("/sign-out", {}, page="/account/")
    for n in range(8):  # a distributed guess: a different address each time
        _try(Browserless(app.test_client()), user.email, WRONG, {"REMOTE_ADDR": f"192.0.2.{n + 1}"})
    stranger = _try(Browserless(app.test_client()), user.email, PASSWORD, {"REMOTE_ADDR": "192.0.2.200"})
    assert stranger.status_code == 429  # a new browser waits, even at a new address
    known = _try(owner, user.email, PASSWORD, {"REMOTE_ADDR": "192.0.2.201"})
    assert known.status_code == 303 and _signed_in(owner.client)


def test_a_known_device_cookie_counts_only_for_its_own_account(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_ACCOUNT_CEILING", 3)
    mallory, victim = make_user(), make_user()
    browser = Browserless(app.test_client())
    _try(browser, mallory.email, PASSWORD, ATTACKER)  # Mallory's own known-device cookie
    browser.post("/sign-out", {}, page="/account/")
    for n in range(4):
        _try(Browserless(app.test_client()), victim.email, WRONG, {"REMOTE_ADDR": f"192.0.2.{n + 1}"})
    assert _try(browser, victim.email, PASSWORD, {"REMOTE_ADDR": "192.0.2.99"}).status_code == 429
    forged = Browserless(app.test_client())
    forged.client.set_cookie("portal_device", "eyJ1Ijo" + "x" * 40)
    assert _try(forged, victim.email, PASSWORD, {"REMOTE_ADDR": "192.0.2.98"}).status_code == 429


def test_the_counts_live_in_redis_so_every_process_agrees(app, make_user, services):
    from portal import create_app

    user = make_user()
    first = Browserless(app.test_client())
    for _ in range(3):
        _try(first, user.email, WRONG, ATTACKER)
    assert Redis.from_url(services.urls["REDIS_URL"]).keys("*sign-in-failures*")
    second = Browserless(create_app({"TESTING": True}).test_client())
    assert _try(second, user.email, PASSWORD, ATTACKER).status_code == 429


def test_the_api_answers_429_with_retry_after(client, make_org, make_user):
    user = make_user(memberships=[(make_org("provider"), "submitter")])
    for _ in range(3):
        wrong = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": WRONG},
                            environ_base=ATTACKER)
        assert wrong.status_code == 401
    refused = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD},
                          environ_base=ATTACKER)
    assert refused.status_code == 429 and 59 <= int(refused.headers["Retry-After"]) <= 60
    assert "Wait 60 seconds" in refused.get_json()["message"]
    fine = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}, environ_base=OWNER)
    assert fine.status_code == 201


@pytest.mark.parametrize("where", ["page", "api"])
def test_wrong_codes_are_throttled_too(app, client, make_org, make_user, where):
    person = make_user(memberships=[(make_org("commissioner"), "finance")])  # enrolled by the factory
    web = Browserless(client)
    if where == "page":
        _try(web, person.email, PASSWORD, OWNER)
        answers = [web.post("/sign-in/code", {"code": "000000"}, environ_base=OWNER).status_code for _ in range(4)]
        right = web.post("/sign-in/code", {"code": factories.totp_code(person.email)}, environ_base=OWNER)
    else:
        body = {"email": person.email, "password": PASSWORD}
        answers = [client.post("/api/v1/auth/tokens", json={**body, "code": "000000"}).status_code for _ in range(4)]
        right = client.post("/api/v1/auth/tokens", json={**body, "code": factories.totp_code(person.email)})
        assert int(right.headers["Retry-After"]) >= 1
    assert answers == ([422, 422, 422, 429] if where == "page" else [401, 401, 401, 429])
    assert right.status_code == 429 and "Wait" in right.get_data(as_text=True)
