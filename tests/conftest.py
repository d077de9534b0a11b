"""Real embedded PostgreSQL, Redis and S3 for the whole run; a clean database per test."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from itertools import count
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import create_engine, text

from portal.dev.embedded import EmbeddedServices, free_port_block

PASSWORD = "tidy-lantern-orbit-42"
_seq = count(1)


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
    return application


@pytest.fixture(scope="session")
def owner_engine(services):
    engine = create_engine(services.urls["MIGRATION_DATABASE_URL"])
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
    """Factory: an organisation (a tenant)."""
    from portal.extensions import db
    from portal.tenants.models import Organisation

    def make(kind: str = "provider", slug: str | None = None, name: str | None = None) -> Organisation:
        n = next(_seq)
        slug = slug or f"{kind}-{n}"
        with app.app_context():
            org = Organisation(slug=slug, name=name or f"{kind.title()} {n}", kind=kind)
            db.session.add(org)
            db.session.commit()
            db.session.refresh(org)
            db.session.expunge(org)
        return org

    return make


@pytest.fixture
def make_user(app):
    """Factory: a user with a password, optionally a member of organisations with roles."""
    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.models import Membership

    hashed = hash_password(PASSWORD)

    def make(email: str | None = None, *, memberships=(), platform_admin: bool = False,
             full_name: str = "Test Person") -> User:
        email = email or f"person{next(_seq)}@example.org"
        with app.app_context():
            user = User(email=email, full_name=full_name, password_hash=hashed,
                        is_platform_admin=platform_admin, session_epoch=0)
            db.session.add(user)
            db.session.flush()
            for org, role in memberships:
                with tenant_context(org.id):
                    db.session.add(Membership(user_id=user.id, role=role))
                    db.session.flush()
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


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
        response = self.post("/sign-in", {"email": email, "password": password})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
        return response


@pytest.fixture
def web(client):
    return Browserless(client)


@pytest.fixture
def api_token(app, client):
    def make(email: str, password: str = PASSWORD) -> str:
        response = client.post("/api/v1/auth/tokens", json={"email": email, "password": password})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]

    return make
