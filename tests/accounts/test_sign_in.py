"""Signing in and out: session rotation, timeouts, CSRF, security headers (throttling: test_throttle.py)."""
from __future__ import annotations

import time


from tests.conftest import PASSWORD, Browserless, csrf_from


def test_wrong_password_is_refused_with_a_clear_message(web, make_user):
    user = make_user()
    response = web.post("/sign-in", {"email": user.email, "password": "not-the-password"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "Enter a correct email address and password" in page
    assert not_signed_in(web)


def not_signed_in(web) -> bool:
    return web.client.get("/account/").status_code == 302


def test_empty_form_names_each_missing_field(web):
    page = web.post("/sign-in", {"email": "", "password": ""}).get_data(as_text=True)
    assert "Enter your email address" in page and "Enter your password" in page
    assert 'href="#email"' in page and 'href="#password"' in page


def test_session_rotates_on_sign_in(web, make_user, client):
    user = make_user()
    before = csrf_from(client.get("/sign-in").get_data(as_text=True))
    cookie_before = client.get_cookie("portal_session").value
    web.sign_in(user.email)
    assert client.get_cookie("portal_session").value != cookie_before
    # The token from before sign-in belongs to the old session and no longer works.
    response = client.post("/account/tokens/", data={"csrf_token": before, "label": "x"})
    assert response.status_code == 400


def test_sign_out_ends_the_session(web, make_user, make_org, client):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    web.sign_in(user.email)
    assert client.get(f"/o/{org.slug}/").status_code == 200
    token = csrf_from(client.get(f"/o/{org.slug}/").get_data(as_text=True))
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get(f"/o/{org.slug}/").status_code == 302


def test_idle_timeout_signs_out(app, web, make_user, make_org, client):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    web.sign_in(user.email)
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - app.config["SESSION_IDLE_TIMEOUT"].total_seconds() - 5
    response = client.get(f"/o/{org.slug}/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert "timed out" in client.get("/sign-in").get_data(as_text=True)
    assert client.get(f"/o/{org.slug}/").status_code == 302


def test_the_cookie_is_sent_again_only_when_the_idle_clock_moves(app, web, make_user, make_org, client):
    """Not on every page (it would cost a signature and 200 bytes each time): when "last seen"
    moves, at most every 30 seconds, so that an active person's cookie keeps its lifetime."""
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    web.sign_in(user.email)
    client.get(f"/o/{org.slug}/")  # the first page's forms put the CSRF token in the session: a change
    assert "Set-Cookie" not in client.get(f"/o/{org.slug}/").headers
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 31
    moved = client.get(f"/o/{org.slug}/")
    assert moved.status_code == 200 and "portal_session=" in moved.headers.get("Set-Cookie", "")
    assert "Set-Cookie" not in client.get(f"/o/{org.slug}/").headers


def test_absolute_timeout_signs_out_even_when_active(app, web, make_user, make_org, client):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    web.sign_in(user.email)
    with client.session_transaction() as session:
        session["auth_at"] = time.time() - app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds() - 5
        session["seen_at"] = time.time()
    response = client.get(f"/o/{org.slug}/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_forms_refuse_missing_or_wrong_csrf_tokens(client, make_user):
    user = make_user()
    assert client.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 400
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/account/").status_code == 302  # not signed in


def test_open_redirects_are_ignored(web, make_user, make_org):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    response = web.post("/sign-in?next=https://evil.example/", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith(f"/o/{org.slug}/")


def test_several_organisations_means_choosing_one(web, make_user, make_org, client):
    a, b = make_org(), make_org("commissioner")
    user = make_user(memberships=[(a, "submitter"), (b, "viewer")])
    response = web.sign_in(user.email)
    assert response.headers["Location"].endswith("/choose-organisation")
    page = client.get("/choose-organisation").get_data(as_text=True)
    assert a.name in page and b.name in page


def test_security_headers_and_cookie_flags(web, make_user, client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "'nonce-" in csp and "frame-ancestors 'none'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)  # the one inline script carries it
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    user = make_user()
    signed_in = web.sign_in(user.email)
    cookie = [h for h in signed_in.headers.getlist("Set-Cookie") if h.startswith("portal_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_htmx_requests_get_partial_semantics(web, make_user, make_org, client):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    response = web.post("/sign-in", {"email": user.email, "password": PASSWORD}, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(f"/o/{org.slug}/")
    assert "HX-Request" in client.get(f"/o/{org.slug}/").headers["Vary"]


def test_roles_decide_what_a_member_sees(web, make_user, make_org, client):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    web.sign_in(user.email)
    assert client.get(f"/o/{org.slug}/members").status_code == 403
    assert client.get(f"/o/{org.slug}/audit").status_code == 403
