"""Security headers and cookies on every kind of answer: pages, API, redirects, static files and
every error (400, 401, 403, 404, 405, 413, 422, 429, 500), in the test configuration and in the
production one (HSTS, Secure cookies with the __Host- prefix)."""
from __future__ import annotations

import base64
import json
from contextlib import contextmanager

import pytest

from portal.http.access import PUBLIC, requires
from tests import factories
from tests.conftest import PASSWORD, Browserless, csrf_from

STATIC = "/static/css/portal.css"


def check_common(response, where: str) -> None:
    """The headers every answer carries, whatever its kind or status."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, f"{where}: CSP {csp!r}"
    assert "default-src" in csp and "unsafe-eval" not in csp, f"{where}: CSP {csp!r}"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("strict-origin-when-cross-origin", "no-referrer", "same-origin"), where
    assert headers.get("X-Frame-Options", "DENY") == "DENY", where
    assert "Server" not in headers or "Python" not in headers["Server"], where


def check_private(response, where: str) -> None:
    """An authenticated page or any API answer is never stored by a cache."""
    assert "no-store" in response.headers.get("Cache-Control", ""), f"{where}: {response.headers.get('Cache-Control')}"


@contextmanager
def propagating_off(app):
    """The test configuration re-raises view errors; a real server answers them with a 500 page."""
    before = app.config.get("PROPAGATE_EXCEPTIONS")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        yield
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = before


@contextmanager
def broken_view(app, endpoint: str):
    """Make one public view fail with an unexpected error, for the 500 answers."""
    original = app.view_functions[endpoint]

    @requires(PUBLIC)
    def explode(*_args, **_kwargs):
        raise RuntimeError("a bug")

    app.view_functions[endpoint] = explode
    try:
        with propagating_off(app):
            yield
    finally:
        app.view_functions[endpoint] = original


@pytest.fixture
def people(app, make_org, make_user):
    org = make_org("provider", slug="head-care")
    return {"org": org, "admin": make_user("admin@head.example", memberships=[(org, "provider_admin")]),
            "submitter": make_user("sub@head.example", memberships=[(org, "submitter")])}


def _answers(app, client, people):
    """(name, response, private) for every kind of answer."""
    web = Browserless(client)
    slug = people["org"].slug
    token = factories.api_token(people["admin"])
    bearer = {"Authorization": f"Bearer {token}"}
    yield "public page", client.get("/sign-in"), False
    yield "redirect to sign in", client.get("/account/"), False
    yield "static file", client.get(STATIC), False
    yield "404 page, signed out", client.get("/no-such-page"), False
    yield "400 page (no CSRF token)", client.post("/sign-in", data={"email": "a@b.example"}), False
    yield "401 API", client.get("/api/v1/me"), True
    yield "404 API", client.get("/api/v1/nothing-here", headers=bearer), True
    yield "405 API", client.get("/api/v1/auth/tokens"), True
    yield "422 API", client.post("/api/v1/auth/tokens", json={"email": "not-an-email"}), True
    yield "200 API", client.get("/api/v1/me", headers=bearer), True
    yield "API download", client.get(f"/api/v1/orgs/{slug}/members", headers=bearer), True
    with broken_view(app, "api_auth.me"):
        yield "500 API", client.get("/api/v1/me", headers=bearer), True
    with broken_view(app, "auth.sign_in"):
        yield "500 page", client.get("/sign-in"), False
    limit = app.config.get("MAX_CONTENT_LENGTH")
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        yield "413 API", client.post("/api/v1/auth/tokens", data="x" * 5000, content_type="application/json"), True
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    for _ in range(31):  # the token exchange allows 30 attempts per 15 minutes from one address
        limited = client.post("/api/v1/auth/tokens", json={"email": "nobody@head.example", "password": "wrong"})
    yield "429 API", limited, True
    web.sign_in(people["submitter"].email)
    yield "signed-in page", client.get("/account/"), True
    yield "signed-in redirect", web.post(f"/o/{slug}/members", {"email": "x@y.example", "role": "submitter"},
                                         page=f"/o/{slug}/"), True
    yield "403 page", client.get(f"/o/{slug}/members"), True
    yield "404 page, signed in", client.get(f"/o/{slug}/returns/999999"), True
    yield "405 page", client.put("/account/"), True
    yield "htmx partial", client.get(f"/o/{slug}/", headers={"HX-Request": "true"}), True
    yield "static file, signed in", client.get(STATIC), False


EXPECTED = {"400 page (no CSRF token)": 400, "401 API": 401, "404 API": 404, "405 API": 405, "422 API": 422,
            "500 API": 500, "500 page": 500, "413 API": 413, "429 API": 429, "403 page": 403,
            "404 page, signed in": 404, "404 page, signed out": 404, "405 page": 405, "redirect to sign in": 302}


def test_every_kind_of_answer_carries_the_security_headers(app, client, people):
    seen = set()
    for name, response, private in _answers(app, client, people):
        if name in EXPECTED:
            assert response.status_code == EXPECTED[name], f"{name}: {response.status_code}"
        check_common(response, name)
        if private:
            check_private(response, name)
        seen.add(name)
    assert {"500 API", "500 page", "413 API", "429 API", "static file"} <= seen


def test_cookies_are_httponly_and_samesite(app, client, people):
    Browserless(client).sign_in(people["admin"].email)
    cookies = list(client._cookies.values())
    assert cookies, "signing in sets a cookie"
    for cookie in cookies:
        assert cookie.http_only, cookie.key
        assert cookie.same_site in ("Lax", "Strict"), cookie.key


@pytest.fixture
def production_app(app, monkeypatch):
    """The production configuration, on the same embedded services."""
    from portal import create_app

    monkeypatch.setenv("BID_KEY_WRAPPING_KEY", base64.b64encode(b"k" * 32).decode())
    monkeypatch.setenv("PROXY_FIX", "0")
    production = create_app({"PORTAL_ENV": "production", "TESTING": True, "PASSWORD_HASHING": "test"})
    return production


def test_production_adds_hsts_and_secure_host_prefixed_cookies(production_app, people):
    client = production_app.test_client()
    plain = client.get("/sign-in", base_url="http://portal.example")
    assert plain.status_code in (301, 302) and plain.headers["Location"].startswith("https://")
    for url in ("/sign-in", "/api/v1/me", "/no-such-page", STATIC):
        response = client.get(url, base_url="https://portal.example")
        hsts = response.headers.get("Strict-Transport-Security", "")
        assert "max-age=" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000, (url, hsts)
        check_common(response, url)
    csrf = csrf_from(client.get("/sign-in", base_url="https://portal.example").get_data(as_text=True))
    signed_in = client.post("/sign-in", data={"email": people["admin"].email, "password": PASSWORD,
                                              "csrf_token": csrf}, base_url="https://portal.example",
                            headers={"Referer": "https://portal.example/sign-in"})  # HTTPS: CSRF checks it
    assert signed_in.status_code in (302, 303), signed_in.status_code
    set_cookies = signed_in.headers.getlist("Set-Cookie")
    assert set_cookies
    for header in set_cookies:
        name = header.split("=", 1)[0]
        parts = {p.strip().split("=")[0].lower() for p in header.split(";")[1:]}
        assert {"secure", "httponly", "samesite", "path"} <= parts, header
        assert "domain" not in parts, header
        assert name.startswith("__Host-"), header


def test_the_openapi_document_and_json_errors_are_not_sniffable(client):
    response = client.get("/api/openapi.json")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert json.loads(response.get_data(as_text=True))["openapi"]
