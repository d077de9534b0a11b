"""The deadline rush: simulated providers against gunicorn and RQ workers on the embedded services.

    make soak                                   # 200 users for 5 minutes
    SOAK_USERS=20 SOAK_DURATION=30 make soak    # a quick run (tests/faults/test_soak_quick.py does this)

What it does, in its own var dir (``SOAK_VAR_DIR``, default var/soak, emptied first):
1. starts embedded PostgreSQL, Redis and S3 (clamd too where ClamAV is installed), migrates;
2. prepares a commissioner with a published tender whose deadline for bids is the end of the run,
   and ``SOAK_USERS`` provider organisations, each with a submitter (an API token), a contract
   and an open return;
3. starts gunicorn (``SOAK_WEB_WORKERS``, 4) and RQ workers (``SOAK_JOB_WORKERS``, 2) with `rq cron`;
4. runs every user at once for ``SOAK_DURATION`` seconds: read the return, save its answers,
   upload evidence, submit the return, ask a clarification question, browse with pauses between
   steps, and submit a bid at a random moment in the last minute before the deadline;
5. waits for the outbox and the queues to drain, then checks in the database: no 5xx, each
   submission recorded exactly once (the client's own log of 2xx answers against the rows:
   nothing lost, nothing duplicated), every background job done;
6. prints p50/p95/p99 latency per kind of request and writes them to ``SOAK_OUTPUT``
   (default bench/soak.json). Exits 1 if any check failed.

Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from bench.stack import stop_processes, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS_PER_USER = 400  # a hard bound, whatever the duration
#: The bids go in during the last minute before the deadline, the last of them this many seconds
#: before it (so that a slow answer is not taken for a lost bid); the deadline is this long after the run.
GRACE_SECONDS = 20  # SOAK_GRACE changes it
#: A question or bid sent closer than this to its deadline may be refused as late (a 409): not a failure.
LATE_SECONDS = 5


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name) or default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {value!r}") from None


class Settings:
    def __init__(self):
        self.users = _int_env("SOAK_USERS", 200)
        self.duration = _int_env("SOAK_DURATION", 300)
        self.web_workers = _int_env("SOAK_WEB_WORKERS", 4)
        self.job_workers = _int_env("SOAK_JOB_WORKERS", 2)
        self.var_dir = Path(os.environ.get("SOAK_VAR_DIR") or ROOT / "var" / "soak")
        self.output = Path(os.environ.get("SOAK_OUTPUT") or ROOT / "bench" / "soak.json")
        self.grace = _int_env("SOAK_GRACE", GRACE_SECONDS)
        if self.users < 1 or self.duration < 20:
            raise SystemExit("SOAK_USERS must be at least 1 and SOAK_DURATION at least 20 (seconds)")


# -- services and processes ---------------------------------------------------------------------

def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def start_services(settings: Settings):
    from portal.dev.embedded import EmbeddedServices, env_with, free_port_block

    shutil.rmtree(settings.var_dir, ignore_errors=True)
    settings.var_dir.mkdir(parents=True)
    base = free_port_block(7)
    services = EmbeddedServices(settings.var_dir, database="portal_soak", redis_port=base, s3_port=base + 1,
                                weed_base_port=base + 2, bucket="portal-soak")
    urls = services.start()
    env = env_with(urls)
    web_port = base + 6
    env.update({"PORTAL_VAR_DIR": str(settings.var_dir), "PORT": str(web_port), "PORTAL_ENV": "development",
                "BASE_URL": f"http://127.0.0.1:{web_port}", "DOCUMENT_SCANNER": "none"})
    env.pop("SMTP_URL", None)
    return services, env, web_port


def start_clamd(settings: Settings, env: dict) -> subprocess.Popen | None:
    """clamd with a one-signature database where ClamAV is installed (as `make run` scans)."""
    from bench.jobs import start_clamd as start

    saved = dict(os.environ)
    process = start(settings.var_dir)
    if process is not None:
        env.update({"DOCUMENT_SCANNER": "clamd", "CLAMD_SOCKET": os.environ["CLAMD_SOCKET"]})
    os.environ.clear()
    os.environ.update(saved)
    return process


def migrate(env: dict, log) -> None:
    subprocess.run([_bin("portal"), "db", "upgrade", "heads"], env=env, check=True, stdout=log, stderr=log, cwd=ROOT)


def start_processes(settings: Settings, env: dict, port: int, log) -> list[subprocess.Popen]:
    from portal.jobs import job_process_commands

    commands = job_process_commands(env["REDIS_URL"], settings.job_workers)
    commands.append([_bin("gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(settings.web_workers),
                     "--timeout", "60", "wsgi:app"])
    return [subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=ROOT, start_new_session=True)
            for command in commands]


# -- data -----------------------------------------------------------------------------------------

def prepare(settings: Settings, env: dict) -> dict:
    """A published tender (its deadlines are moved to the end of the run once the servers are up) and ``users`` provider organisations with a submitter, a token,
    a contract and an open return each (through the services, as the test factories do)."""
    os.environ.update(env)
    import logging

    from portal import create_app
    from tests import factories

    app = create_app()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    factories.bind(app)
    commissioner = factories.organisation("commissioner", slug="soak-council", name="Soak Council")
    manager = factories.user("manager@soak.example", memberships=[(commissioner, "contract_manager")])
    framework_id = factories.national_framework("NHWO").id
    tender = factories.tender(commissioner, reference="SOAK-1", title="Care at home, deadline rush",
                              regime="below_threshold", days_open=40)
    users = []
    for n in range(settings.users):
        provider = factories.organisation("provider", slug=f"soak-provider-{n:03d}", name=f"Soak Provider {n:03d}")
        person = factories.user(f"submitter{n:03d}@soak-provider.example", memberships=[(provider, "submitter")])
        contract = factories.contract(commissioner=commissioner, provider=provider, reference=f"SOAK-C{n:03d}",
                                      framework_id=framework_id, lead_manager=manager, frequency="quarterly")
        first = factories.return_of(contract)
        users.append({"n": n, "slug": provider.slug, "token": factories.api_token(person, label="soak"),
                      "return_id": first.id})
    return {"tender_id": tender.id, "users": users}


# -- the simulated providers ------------------------------------------------------------------------

class Log:
    def __init__(self):
        self.entries: list[dict] = []

    def add(self, kind: str, status: int, seconds: float, **extra) -> None:
        self.entries.append({"kind": kind, "status": status, "seconds": seconds, **extra})


def _value(measure: dict) -> str:
    if measure["code"].endswith(".ACHIEVED"):
        return "7"
    return {"integer": "10", "decimal": "120.5", "percentage": "95", "yes_no": "yes"}.get(
        measure["type"], f"Evidence for {measure['code']}")


async def provider(client: httpx.AsyncClient, user: dict, plan: dict, log: Log) -> None:
    headers = {"Authorization": f"Bearer {user['token']}"}
    sent = 0
    loop = asyncio.get_running_loop()
    rng = random.Random(user["n"])

    async def call(kind: str, method: str, url: str, **kwargs):
        nonlocal sent
        sent += 1
        started = loop.time()
        try:
            response = await client.request(method, url, headers=headers, **kwargs)
            status = response.status_code
            body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
        except httpx.HTTPError as exc:
            status, body = 0, {"error": repr(exc)}
        answer = body if isinstance(body, dict) else {}
        log.add(kind, status, loop.time() - started, user=user["n"], id=answer.get("id"),
                late=started > plan["deadline"] - LATE_SECONDS,
                message=answer.get("message") if status >= 400 or status == 0 else None)
        return status, body

    async def pause(low: float, high: float) -> None:
        await asyncio.sleep(min(rng.uniform(low, high), max(0.0, plan["bid_at"][user["n"]] - loop.time())))

    await asyncio.sleep(rng.uniform(0, plan["spread"]))  # people arrive over the first part of the run
    return_url = f"/api/v1/returns/{user['return_id']}"
    status, detail = await call("read_return", "GET", return_url)
    if status == 200:
        await pause(1, 4)
        answers = [{"measure": m["code"], "value": _value(m)} for m in detail["measures"]]
        status, saved = await call("save_return", "PATCH", return_url, json={"version": detail["version"],
                                                                             "answers": answers})
        await pause(1, 4)
        await call("upload_evidence", "POST", "/api/v1/documents", files={
            "file": (f"evidence-{user['n']}.csv", f"person,hours\n{user['n']},12\n".encode(), "text/csv")})
        if status == 200:
            await pause(1, 4)
            await call("submit_return", "POST", f"{return_url}/submit", json={"version": saved["version"]})
    await pause(1, 4)
    await call("ask_question", "POST", f"/api/v1/tenders/{plan['tender_id']}/questions",
               json={"question": f"Question {user['n']}: can the service start in two phases?"})
    while loop.time() < plan["bid_at"][user["n"]] and sent < MAX_REQUESTS_PER_USER - 1:
        await pause(3, 8)
        kind, url = rng.choice([("browse_returns", "/api/v1/returns"), ("browse_documents", "/api/v1/documents"),
                                ("browse_return", return_url)])
        await call(kind, "GET", url)
    await call("submit_bid", "POST", f"/api/v1/tenders/{plan['tender_id']}/bids",
               json={"lot": 1, "price": f"{200000 + user['n']}.00", "submit": True})


async def rush(base_url: str, data: dict, settings: Settings, log: Log) -> None:
    """Every user at once; the tender's deadline is ``duration + grace`` from now."""
    start = asyncio.get_running_loop().time()
    deadline = start + settings.duration + settings.grace
    last_bid = deadline - settings.grace
    first_bid = max(start + settings.duration * 0.5, deadline - 60)
    rng = random.Random(2026)
    plan = {"tender_id": data["tender_id"], "spread": settings.duration * 0.3, "deadline": deadline,
            "bid_at": [rng.uniform(first_bid, last_bid) for _ in data["users"]]}
    limits = httpx.Limits(max_connections=settings.users, max_keepalive_connections=settings.users)
    async with httpx.AsyncClient(base_url=base_url, timeout=90, limits=limits) as client:
        await asyncio.gather(*(provider(client, user, plan, log) for user in data["users"]))


# -- afterwards -------------------------------------------------------------------------------------

def wait_for_drain(env: dict, timeout: float = 300) -> dict:
    from redis import Redis
    from rq import Queue
    from sqlalchemy import create_engine, text

    from portal.jobs import QUEUES

    engine = create_engine(env["MIGRATION_DATABASE_URL"])
    redis = Redis.from_url(env["REDIS_URL"])
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                pending = conn.execute(text("select count(*) from outbox_messages where done_at is null")).scalar()
            queued = sum(Queue(name, connection=redis).count for name in QUEUES)
            if (pending == 0 and queued == 0) or time.monotonic() > deadline:
                return {"outbox_pending": pending, "queued": queued}
            time.sleep(1)
    finally:
        engine.dispose()


def superuser_engine(services):
    """Reads and the deadline move across every tenant (a superuser is not held by row-level security)."""
    from sqlalchemy import create_engine

    return create_engine(services.urls["POSTGRES_SUPERUSER_URL"].replace("postgresql://", "postgresql+psycopg://", 1))


def count_rows(services, tender_id: int) -> dict:
    from sqlalchemy import text

    engine = superuser_engine(services)
    queries = {
        "versions_per_return": "select return_id, count(*) from return_versions group by return_id",
        "documents": "select id from documents",
        "questions": "select tenant_id, count(*) from tender_questions where tender_id = :t group by tenant_id",
        "bids": "select tenant_id, count(*) from tender_bids where tender_id = :t and status = 'submitted' "
                "group by tenant_id",
        "failed_jobs": "select count(*) from outbox_messages where done_at is null",
    }
    with engine.connect() as conn:
        rows = {name: [tuple(r) for r in conn.execute(text(sql), {"t": tender_id})] for name, sql in queries.items()}
    engine.dispose()
    return rows


def percentiles(seconds: list[float]) -> dict:
    if len(seconds) < 2:
        value = round(seconds[0] * 1000, 1) if seconds else None
        return {"p50_ms": value, "p95_ms": value, "p99_ms": value}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1),
            "p99_ms": round(cuts[98] * 1000, 1)}


def check(log: Log, rows: dict, drained: dict, data: dict) -> list[str]:
    """Every check that failed, as a sentence."""
    problems = []
    server_errors = [e for e in log.entries if e["status"] >= 500 or e["status"] == 0]
    if server_errors:
        problems.append(f"{len(server_errors)} requests failed with a 5xx or no answer: "
                        f"{sorted({(e['kind'], e['status']) for e in server_errors})}")
    ok = defaultdict(list)
    for e in log.entries:
        if 200 <= e["status"] < 300:
            ok[e["kind"]].append(e)
    submitted = {data["users"][e["user"]]["return_id"] for e in ok["submit_return"]}
    versions = dict(rows["versions_per_return"])
    if len(ok["submit_return"]) != len(submitted):
        problems.append("a return was answered 2xx to two submissions")
    if set(versions) != submitted or any(count != 1 for count in versions.values()):
        problems.append(f"returns submitted per the client {len(submitted)}, per the database {len(versions)} "
                        f"(versions per return: {sorted(set(versions.values()))})")
    uploaded = sorted(e["id"] for e in ok["upload_evidence"])
    if uploaded != sorted(r[0] for r in rows["documents"]):
        problems.append(f"documents per the client {len(uploaded)}, per the database {len(rows['documents'])}")
    for kind, table in (("ask_question", "questions"), ("submit_bid", "bids")):
        asked = len(ok[kind])
        per_org = [count for _tenant, count in rows[table]]
        if asked != sum(per_org) or any(count != 1 for count in per_org):
            problems.append(f"{kind}: {asked} answered 2xx, {sum(per_org)} in the database "
                            f"(most from one organisation: {max(per_org, default=0)})")
        # Sent in time, it must be taken; sent in the last seconds, it may be refused as late.
        refused = [e for e in log.entries if e["kind"] == kind and not 200 <= e["status"] < 300
                   and not (e["late"] and e["status"] == 409)]
        if refused:
            problems.append(f"{kind}: {len(refused)} sent in time were refused: "
                            f"{sorted({(e['status'], e['message']) for e in refused})[:3]}")
    if drained["outbox_pending"] or drained["queued"]:
        problems.append(f"not drained: {drained}")
    return problems


def report(settings: Settings, log: Log, rows: dict, drained: dict, problems: list[str], elapsed: float) -> dict:
    by_kind = defaultdict(list)
    statuses = defaultdict(lambda: defaultdict(int))
    for e in log.entries:
        by_kind[e["kind"]].append(e["seconds"])
        statuses[e["kind"]][str(e["status"])] += 1
    result = {
        "users": settings.users, "duration_seconds": settings.duration, "grace_seconds": settings.grace,
        "web_workers": settings.web_workers,
        "job_workers": settings.job_workers, "requests": len(log.entries),
        "requests_per_second": round(len(log.entries) / elapsed, 1),
        "server_errors": sum(1 for e in log.entries if e["status"] >= 500 or e["status"] == 0),
        "late_refusals": sum(1 for e in log.entries if e["late"] and e["status"] == 409),
        "kinds": {kind: {"count": len(values), **percentiles(values), "statuses": dict(statuses[kind])}
                  for kind, values in sorted(by_kind.items())},
        "all": {"count": len(log.entries), **percentiles([e["seconds"] for e in log.entries])},
        "recorded": {"returns_submitted": len(rows["versions_per_return"]), "documents": len(rows["documents"]),
                     "questions": sum(c for _t, c in rows["questions"]), "bids": sum(c for _t, c in rows["bids"])},
        "drained": drained, "problems": problems, "ok": not problems,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    print(f"\nDeadline rush: {settings.users} users, {settings.duration} s, {settings.web_workers} web workers, "
          f"{settings.job_workers} RQ workers: {len(log.entries)} requests ({result['requests_per_second']}/s)")
    print(f"{'request':18} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for kind, figures in result["kinds"].items():
        print(f"{kind:18} {figures['count']:>6} {figures['p50_ms']:>8} {figures['p95_ms']:>8} {figures['p99_ms']:>8}"
              f"  {figures['statuses']}")
    print(f"recorded: {result['recorded']}; drained: {drained}")
    print("OK: no 5xx, nothing lost, nothing duplicated" if not problems else "FAILED:\n  " + "\n  ".join(problems))
    return result


def main() -> int:
    settings = Settings()
    services = clamd = None
    processes: list[subprocess.Popen] = []
    print(f"soak: {settings.users} users for {settings.duration} s; services and logs in {settings.var_dir}")
    try:
        services, env, port = start_services(settings)
        log_file = open(settings.var_dir / "soak.log", "ab")
        clamd = start_clamd(settings, env)
        migrate(env, log_file)
        subprocess.run([_bin("portal"), "seed-frameworks"], env=env, check=True, stdout=log_file, stderr=log_file,
                       cwd=ROOT)
        print("soak: services up, preparing data...")
        data = prepare(settings, env)
        processes = start_processes(settings, env, port, log_file)
        wait_until_serving(f"http://127.0.0.1:{port}", processes)
        # The deadline follows the run, measured from now (the data took a while).
        deadline = datetime.now(timezone.utc) + timedelta(seconds=settings.duration + settings.grace)
        from sqlalchemy import text

        engine = superuser_engine(services)
        with engine.begin() as conn:
            conn.execute(text("update tenders set clarification_deadline = :q, answer_deadline = :d, "
                              "submission_deadline = :d where id = :id"),
                         {"q": deadline - timedelta(seconds=5), "d": deadline, "id": data["tender_id"]})
        engine.dispose()
        print(f"soak: {settings.users} users start now; the deadline for bids is in "
              f"{settings.duration + settings.grace} s")
        log = Log()
        started = time.monotonic()
        asyncio.run(rush(f"http://127.0.0.1:{port}", data, settings, log))
        elapsed = time.monotonic() - started
        print("soak: run over; waiting for the queues to drain...")
        drained = wait_for_drain(env)
        rows = count_rows(services, data["tender_id"])
        problems = check(log, rows, drained, data)
        result = report(settings, log, rows, drained, problems, elapsed)
        settings.output.parent.mkdir(parents=True, exist_ok=True)
        settings.output.write_text(json.dumps(result, indent=2) + "\n")
        print(f"soak: figures written to {settings.output}")
        return 0 if not problems else 1
    finally:
        stop_processes(processes)
        if clamd is not None:
            clamd.terminate()
            clamd.wait(timeout=10)
        if services is not None:
            services.stop()




if __name__ == "__main__":
    sys.exit(main())
