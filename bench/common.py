"""What the `make bench` measurements share: the services in their own var dir, gunicorn, the
seed, people to sign in as, and a recorder of the SQL statements a request runs.

Everything started here is stopped by ``Stack.stop`` (run.py calls it in a ``finally``); traffic
goes to 127.0.0.1 only.
"""
from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.stack import stop_processes, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-lantern-orbit-2026"


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def percentiles(seconds: list[float]) -> dict:
    """p50 and p95 in milliseconds (inclusive quantiles; one value is both)."""
    if not seconds:
        return {"p50_ms": None, "p95_ms": None, "count": 0}
    if len(seconds) == 1:
        value = round(seconds[0] * 1000, 1)
        return {"p50_ms": value, "p95_ms": value, "count": 1}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1), "count": len(seconds)}


# -- services and processes ---------------------------------------------------------------------

@dataclass
class Stack:
    """Embedded PostgreSQL, Redis and S3 in ``var_dir`` (emptied first), migrated, with the
    frameworks and the demo data, and the processes started on them (gunicorns)."""
    var_dir: Path
    services: object = None
    env: dict = field(default_factory=dict)
    base_port: int = 0
    processes: list = field(default_factory=list)
    log: object = None
    app: object = None

    def start(self) -> "Stack":
        from portal.dev.embedded import EmbeddedServices, env_with, free_port_block

        shutil.rmtree(self.var_dir, ignore_errors=True)
        self.var_dir.mkdir(parents=True)
        self.log = open(self.var_dir / "bench.log", "ab")
        self.base_port = free_port_block(8)
        base = self.base_port
        self.services = EmbeddedServices(self.var_dir, database="portal_bench", redis_port=base, s3_port=base + 1,
                                         weed_base_port=base + 2, bucket="portal-bench")
        urls = self.services.start()
        env = env_with(urls)
        env.update({"PORTAL_VAR_DIR": str(self.var_dir), "PORT": str(self.web_port), "PORTAL_ENV": "development",
                    "BASE_URL": f"http://127.0.0.1:{self.web_port}", "DOCUMENT_SCANNER": "none"})
        env.pop("SMTP_URL", None)
        self.env = env
        for command in (["db", "upgrade", "heads"], ["seed-frameworks"], ["demo"]):
            subprocess.run([_bin("portal"), *command], env=env, check=True, stdout=self.log, stderr=self.log,
                           cwd=ROOT)
        return self

    @property
    def web_port(self) -> int:
        return self.base_port + 6

    @property
    def floor_port(self) -> int:
        return self.base_port + 7

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def superuser_url(self) -> str:
        return self.services.urls["POSTGRES_SUPERUSER_URL"]

    def flask_app(self):
        """The portal app in this process, on the bench's services (for seeding and counting)."""
        if self.app is None:
            os.environ.update(self.env)
            from portal import create_app
            from tests import factories

            self.app = create_app()
            factories.bind(self.app)
        return self.app

    def gunicorn(self, app: str = "wsgi:app", port: int | None = None, workers: int = 2,
                 extra_env: dict | None = None) -> subprocess.Popen:
        port = port or self.web_port
        process = subprocess.Popen(
            [_bin("gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120", app],
            env={**self.env, **(extra_env or {})}, stdout=self.log, stderr=self.log, cwd=ROOT,
            start_new_session=True)
        self.processes.append(process)
        wait_until_serving(f"http://127.0.0.1:{port}", [process])
        return process

    def stop_process(self, process: subprocess.Popen) -> None:
        stop_processes([process])
        if process in self.processes:
            self.processes.remove(process)

    def stop(self) -> None:
        for process in list(self.processes):
            self.stop_process(process)
        if self.app is not None:
            from portal.extensions import db

            with self.app.app_context():
                db.engine.dispose()
        if self.services is not None:
            self.services.stop()
            self.services = None
        if self.log is not None:
            self.log.close()


def superuser_rows(stack: Stack, sql: str, params: dict | None = None) -> list[tuple]:
    import psycopg

    with psycopg.connect(stack.superuser_url, autocommit=True) as conn:
        cursor = conn.execute(sql, params or {})
        return [tuple(row) for row in cursor] if cursor.description else []


# -- the seed -------------------------------------------------------------------------------------

def seed(stack: Stack, scale: float) -> dict:
    """The data set at ``scale`` through `portal.dev.scale.seed` (additive: a higher scale adds
    organisations up to its totals)."""
    from portal.dev.scale import seed as scale_seed
    from portal.extensions import db

    app = stack.flask_app()
    started = time.monotonic()
    with app.app_context():
        counts = scale_seed(scale)
        db.session.commit()
    superuser_rows(stack, "ANALYZE")
    return {"scale": scale, "source": "portal.dev.scale", "seconds": round(time.monotonic() - started, 1),
            "counts": counts}


# -- who signs in ----------------------------------------------------------------------------------

@dataclass
class Subjects:
    """The organisations and objects the measurements look at: the commissioner with the most
    contracts, its provider with the most submitted returns, that provider's return with the most
    answers, and a person of each with a password and an API token."""
    commissioner_id: int
    commissioner_slug: str
    provider_id: int
    provider_slug: str
    return_id: int
    commissioner_email: str
    provider_email: str
    provider_token: str
    commissioner_token: str
    search_term: str
    #: A phrase in a few of the commissioner's entries (one of the seed's forty activities, see
    #: portal.dev.scale.returns.ACTIVITIES): a search for something particular, where the GIN index is
    #: the way in. ``search_term`` (a word of a contract's title) is in most narratives: the heavy case.
    rare_term: str = "walking football"


def pick_subjects(stack: Stack, label: str) -> Subjects:
    from tests import factories

    stack.flask_app()
    [(commissioner_id, commissioner_slug)] = superuser_rows(stack, """
        select o.id, o.slug from organisations o join contracts c on c.commissioner_id = o.id
        where o.kind = 'commissioner' group by o.id order by count(*) desc, o.id limit 1""")
    [(provider_id, provider_slug)] = superuser_rows(stack, """
        select o.id, o.slug from organisations o join returns r on r.tenant_id = o.id
        where r.commissioner_id = %(c)s and r.status not in ('draft') group by o.id
        order by count(*) desc, o.id limit 1""", {"c": commissioner_id})
    [(return_id,)] = superuser_rows(stack, """
        select r.id from returns r left join answers a on a.return_id = r.id and a.tenant_id = r.tenant_id
        where r.tenant_id = %(p)s and r.status not in ('draft') group by r.id order by count(a.*) desc, r.id
        limit 1""", {"p": provider_id})
    term = superuser_rows(stack, "select title from contracts where commissioner_id = %(c)s order by id limit 1",
                          {"c": commissioner_id})
    commissioner = factories.organisation_by_id(commissioner_id)
    provider = factories.organisation_by_id(provider_id)
    c_user = factories.user(f"bench-manager-{label}@{commissioner_slug}.example", password=PASSWORD,
                            memberships=[(commissioner, "contract_manager")])
    p_user = factories.user(f"bench-submitter-{label}@{provider_slug}.example", password=PASSWORD,
                            memberships=[(provider, "submitter")])
    words = (term[0][0] if term else "care").split()
    return Subjects(commissioner_id, commissioner_slug, provider_id, provider_slug, return_id, c_user.email,
                    p_user.email, factories.api_token(p_user, label="bench"),
                    factories.api_token(c_user, label="bench"), words[0] if words else "care")


def sign_in(client, email: str, password: str = PASSWORD):
    """Sign ``client`` in through the form (an httpx.Client or a Flask test client)."""
    import re

    flask = not isinstance(client, httpx.Client)
    page = client.get("/sign-in")
    html = page.get_data(as_text=True) if flask else page.text
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the sign-in page")
    data = {"csrf_token": match.group(1), "email": email, "password": password}
    response = client.post("/sign-in", data=data) if flask else client.post("/sign-in", data=data,
                                                                                follow_redirects=False)
    location = response.headers.get("Location", "")
    if response.status_code not in (302, 303) or location.endswith("/sign-in") or "/code" in location:
        raise RuntimeError(f"could not sign in {email}: {response.status_code} {location}")
    return client


def http_client(base_url: str, email: str | None = None, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = httpx.Client(base_url=base_url, timeout=120, headers=headers, follow_redirects=False)
    if email:
        sign_in(client, email)
    return client


# -- statements a request runs --------------------------------------------------------------------

@dataclass
class Statement:
    sql: str
    params: object
    seconds: float


class StatementRecorder:
    """Every statement the app's engine runs while recording (SQLAlchemy's cursor events)."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[Statement] = []
        self.recording = False
        self._started: list[float] = []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.recording:
            self._started.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.recording and self._started:
            self.statements.append(Statement(statement, parameters, time.perf_counter() - self._started.pop()))

    @contextmanager
    def record(self):
        from sqlalchemy import event

        self.statements = []
        self.recording = True
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        try:
            yield self
        finally:
            self.recording = False
            event.remove(self.engine, "before_cursor_execute", self._before)
            event.remove(self.engine, "after_cursor_execute", self._after)


#: Tables the request pipeline reads for itself (identity, membership, organisation, tokens, audit):
#: a statement whose first FROM is one of these is the pipeline's, not the page's.
PIPELINE_TABLES = {"user_sessions", "users", "memberships", "organisations", "api_tokens", "access_events",
                   "mfa_recovery_codes"}
_FIRST_FROM = re.compile(r"\bfrom\s+\"?([a-z_]+)", re.IGNORECASE)


def is_page_read(sql: str) -> bool:
    """A SELECT of the page's own (not set_config, not the pipeline's identity reads)."""
    text = sql.lstrip().lower()
    if not text.startswith(("select", "with")) or "set_config(" in text:
        return False
    first = _FIRST_FROM.search(text)
    return first is None or first.group(1) not in PIPELINE_TABLES


def main_statement(statements: list[Statement]) -> Statement | None:
    """The page's main statement: the slowest SELECT that is not the pipeline's own."""
    return max((s for s in statements if is_page_read(s.sql)), key=lambda s: s.seconds, default=None)


def capture(stack: Stack, email: str | None, url: str, token: str | None = None, runs: int = 3) -> list[Statement]:
    """The statements of ``url`` requested in this process as ``email`` (or with ``token``); the
    last of ``runs`` requests (the first ones warm the caches), each timed as it ran."""
    app = stack.flask_app()
    from portal.extensions import db

    with app.app_context():
        recorder = StatementRecorder(db.engine)
    client = app.test_client()
    if email:
        sign_in(client, email)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for _ in range(runs):
        with recorder.record():
            response = client.get(url, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    return recorder.statements
