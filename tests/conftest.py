"""Real embedded PostgreSQL, Redis and S3 for the whole run; a clean database per test."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import create_engine, text

from portal.dev.embedded import EmbeddedServices, free_port_block
from tests import factories, scenarios
from tests.factories import PASSWORD


@pytest.fixture(scope="session")
def services():
    var = Path(tempfile.mkdtemp(prefix="portal-test-"))
    base = free_port_block(6)
    svc = EmbeddedServices(var, database="portal_test", redis_port=base, s3_port=base + 1,
                           weed_base_port=base + 2, bucket="portal-test")
    urls = svc.start()
    os.environ.update({k: v for k, v in urls.items() if k != "POSTGRES_SUPERUSER_URL"})
    os.environ.update({"PORTAL_VAR_DIR": str(var), "SECRET_KEY": "test-secret-key-not-for-production",
                       "PORTAL_ENV": "test", "BASE_URL": "http://testserver"})
    os.environ.pop("SMTP_URL", None)
    yield svc
    svc.stop()
    shutil.rmtree(var, ignore_errors=True)


@pytest.fixture(scope="session")
def app(services):
    from flask_migrate import upgrade

    from portal import create_app

    application = create_app({"TESTING": True})
    with application.app_context():
        upgrade(revision="heads")
    factories.bind(application)
    return application


@pytest.fixture(scope="session")
def owner_engine(services):
    # pool_pre_ping: the fault suite restarts PostgreSQL under this session-long pool, whose idle
    # connections the restart ends; without it the next test on this worker gets a dead one.
    engine = create_engine(services.urls["MIGRATION_DATABASE_URL"], pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture
def superuser_engine(services):
    """Sees every tenant's rows: the owner and the app role are both held by FORCE ROW LEVEL SECURITY,
    so a suite that must count or change another tenant's rows uses the PostgreSQL superuser."""
    engine = create_engine(services.urls["POSTGRES_SUPERUSER_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request, services):
    """Every test starts with empty tables and an empty Redis."""
    yield
    if "app" not in request.fixturenames and "db_app" not in request.fixturenames:
        return
    engine = create_engine(services.urls["MIGRATION_DATABASE_URL"])
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "select tablename from pg_tables where schemaname = 'public' and tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()
    Redis.from_url(services.urls["REDIS_URL"]).flushall()


@pytest.fixture
def ctx(app):
    """An application context for test code that calls services directly."""
    with app.app_context():
        yield
        from portal.extensions import db

        db.session.rollback()


@pytest.fixture
def make_org(app):
    """Factory: an organisation (a tenant). See tests/factories.py for the others."""
    return factories.organisation


@pytest.fixture
def make_user(app):
    """Factory: a user with a password, optionally a member of organisations with roles."""
    return factories.user


@pytest.fixture
def contract_setup(app):
    """Clyde HSCP commissions CLY-001 (care at home, monthly returns for 2025-26) from Fern Care,
    on Scotland's national outcomes, led by its contract manager."""
    commissioner = factories.organisation("commissioner", slug="clyde-hscp", name="Clyde HSCP")
    provider = factories.organisation("provider", slug="fern-care", name="Fern Care")
    manager = factories.user("manager@clyde.example", memberships=[(commissioner, "contract_manager")])
    submitter = factories.user("submitter@fern.example", memberships=[(provider, "submitter")])
    other_submitter = factories.user("second@fern.example", memberships=[(provider, "submitter")])
    admin = factories.user("admin@fern.example", memberships=[(provider, "provider_admin")])
    framework_id = factories.national_framework("NHWO").id
    contract = factories.contract(commissioner=commissioner, provider=provider, reference="CLY-001",
                                  title="Care at home, north", end=date(2026, 12, 31), annual_value="1250000.00",
                                  framework_id=framework_id, lead_manager=manager, living_wage_rate="12.60")
    return {"commissioner": commissioner, "provider": provider, "manager": manager, "submitter": submitter,
            "other_submitter": other_submitter, "provider_admin": admin, "contract_id": contract.id,
            "contract": contract, "framework_id": framework_id}


@pytest.fixture
def market(app, contract_setup):
    """contract_setup with helpers that add providers and contracts and submit and review returns."""
    return scenarios.market(contract_setup)


@pytest.fixture
def hand_computed(market):
    """The data the hand-computed dashboard figures come from (see scenarios.hand_computed)."""
    return scenarios.hand_computed(market)


@pytest.fixture
def world(app, contract_setup):
    """Two commissioners and two providers with returns to search (see scenarios.search_world)."""
    return scenarios.search_world(contract_setup)


@pytest.fixture
def two_commissioners(app, contract_setup):
    """Clyde and Forth with submitted returns this month, rollups built (see scenarios.two_commissioners)."""
    from tests.helpers import run_jobs

    made = scenarios.two_commissioners(contract_setup)
    run_jobs(app)
    return made


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Browserless:
    """Form helpers for the Flask test client, carrying the CSRF token as a browser would."""

    def __init__(self, client):
        self.client = client

    def csrf(self, url: str = "/sign-in") -> str:
        return csrf_from(self.client.get(url).get_data(as_text=True))

    def post(self, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(page or url))
        return self.client.post(url, data=data, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD):
        """Sign in with the password and, when the account asks for it, the code of its authenticator
        (accounts that must use MFA are enrolled by the factories with ``factories.TOTP_SECRET``)."""
        response = self.post("/sign-in", {"email": email, "password": password})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
        if response.headers["Location"].endswith("/sign-in/code"):
            response = self.post("/sign-in/code", {"code": factories.totp_code(email)})
            assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
        return response


@pytest.fixture
def web(client):
    return Browserless(client)


@pytest.fixture
def api_token(app, client):
    """Factory: a token from POST /api/v1/auth/tokens, by default able to read and write in the
    person's only organisation (``organisation`` names one by slug; ``scopes``, ``expires_in_days``);
    the MFA code is answered for people who use MFA."""
    def make(email: str, password: str = PASSWORD, **choices) -> str:
        body = {"email": email, "password": password, "scopes": ["read", "write"], **choices}
        response = client.post("/api/v1/auth/tokens", json=body)
        if response.status_code == 422 and "code" in (response.get_json().get("errors") or {}):
            response = client.post("/api/v1/auth/tokens", json={**body, "code": factories.totp_code(email)})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]

    return make
