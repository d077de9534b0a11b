"""Background-job throughput: jobs per second per RQ worker, for small documents and emails.

    make bench-jobs                      # or: .venv/bin/python -m bench.jobs
    .venv/bin/python -m bench.jobs --sweep --jobs 200 --workers 1,2     # per worker class and count

Without ``--sweep`` it runs ``measure(env)`` (issue 12, measurement 6) on its own services in
var/bench-jobs: one worker's jobs per second on emails and on small documents, the rate at
which 1,000 jobs are enqueued (committed to the outbox and pushed to Redis), and the time from
an upload's 202 answer to its document being ``clean`` while 1,000 other jobs wait in the queues.

Starts embedded PostgreSQL, Redis and S3 in a temporary folder (as the tests do), and clamd with
a one-signature database when ClamAV is installed. For each kind of job and each number of
workers it starts the workers with the command line `portal up` uses, waits until they are idle,
commits N outbox messages at once and times them until the last is marked done. The figures are
printed, not asserted: the machine and its load decide them.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from portal.dev.embedded import EmbeddedServices, free_port_block
from portal.jobs import QUEUES, WORKER_CLASS


def start_clamd(folder: Path) -> subprocess.Popen | None:
    clamd = shutil.which("clamd") or ("/usr/sbin/clamd" if os.path.exists("/usr/sbin/clamd") else None)
    sigtool = shutil.which("sigtool")
    if not clamd or not sigtool:
        return None
    from tests.documents.files import eicar

    database = folder / "clamav"
    database.mkdir()
    sample = folder / "Eicar-Test-Signature"
    sample.write_bytes(eicar())
    signature = subprocess.run([sigtool, "--md5", str(sample)], capture_output=True, text=True, check=True).stdout
    (database / "bench.hdb").write_text(signature)
    sock = folder / "clamd.sock"
    (folder / "clamd.conf").write_text("\n".join([
        f"LocalSocket {sock}", f"DatabaseDirectory {database}", "Foreground yes", f"LogFile {folder / 'clamd.log'}",
        f"TemporaryDirectory {folder}", "MaxThreads 4", "SelfCheck 0", ""]))
    process = subprocess.Popen([clamd, "-c", str(folder / "clamd.conf")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.connect(str(sock))
                probe.sendall(b"zPING\0")
                if probe.recv(16).startswith(b"PONG"):
                    os.environ.update({"DOCUMENT_SCANNER": "clamd", "CLAMD_SOCKET": str(sock)})
                    return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    return None


def start_workers(redis_url: str, count: int, worker_class: str, log) -> list[subprocess.Popen]:
    from redis import Redis
    from rq import Worker

    from portal.jobs import worker_command

    processes = []
    for n in range(count):
        command = worker_command(redis_url, name=f"bench-{n}-{time.monotonic_ns()}")
        command[command.index("--worker-class") + 1] = worker_class
        processes.append(subprocess.Popen(command, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT))
    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + 120
    while len([w for w in Worker.all(connection=connection) if w.get_state() == "idle"]) < count:
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            raise RuntimeError("the workers did not start; see the log")
        time.sleep(0.1)
    return processes


def stop(processes: list[subprocess.Popen]) -> None:
    from portal.cli import stop_processes

    stop_processes(processes, timeout=30)


def make_jobs(app, kind: str, count: int, org_id: int, user_id: int) -> None:
    """Commit ``count`` outbox messages of one kind in one transaction (pushed after the commit)."""
    from werkzeug.datastructures import FileStorage

    from portal.accounts.models import User
    from portal.documents.services import upload_documents
    from portal.extensions import db
    from portal.outbox import enqueue_after_commit
    from portal.tenants.context import tenant_context
    from tests.documents.files import pdf

    with app.app_context(), tenant_context(org_id):
        if kind == "email":
            for n in range(count):
                enqueue_after_commit("send_email", tenant_id=org_id, to=f"person{n}@example.org",
                                     subject="Benchmark", body="A short message.\n")
        else:
            user = db.session.get(User, user_id)
            body = pdf([f"Outcome evidence page {p}" for p in range(2)])
            for start in range(0, count, 10):  # the upload form takes 10 files at a time
                upload_documents([FileStorage(io.BytesIO(body), filename=f"evidence-{start + n}.pdf",
                                              content_type="application/pdf") for n in range(min(10, count - start))],
                                 uploaded_by=user)
        db.session.commit()


def wait_done(app, count: int, timeout: float, after_id: int = 0) -> float:
    """Seconds until ``count`` outbox messages with ids above ``after_id`` are done."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.outbox import OutboxMessage

    started = time.monotonic()
    with app.app_context():
        while True:
            done = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.done_at.is_not(None), OutboxMessage.id > after_id))
            db.session.rollback()
            if done >= count:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"only {done} of {count} jobs done after {timeout} s")
            time.sleep(0.05)


def reset(app, services) -> None:
    from redis import Redis
    from sqlalchemy import create_engine, text

    engine = create_engine(services.urls["MIGRATION_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE outbox_messages, dev_mailbox_messages, documents, audit_events "
                          "RESTART IDENTITY CASCADE"))
    engine.dispose()
    Redis.from_url(services.urls["REDIS_URL"]).delete(*[f"rq:queue:{q}" for q in QUEUES])


def last_outbox_id(app) -> int:
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.outbox import OutboxMessage

    with app.app_context():
        last = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        db.session.rollback()
    return last


def upload_to_clean(base_url: str, token: str, timeout: float = 300) -> tuple[float, str]:
    """Upload a small PDF through the API; seconds from its 202 answer until it is no longer pending."""
    import httpx

    from tests.documents.files import pdf

    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        answer = client.post("/api/v1/documents", files={
            "file": ("evidence.pdf", pdf(["Outcome evidence, uploaded during a backlog"]), "application/pdf")})
        accepted = time.monotonic()
        answer.raise_for_status()
        document_id = answer.json()["id"]
        while time.monotonic() - accepted < timeout:
            status = client.get(f"/api/v1/documents/{document_id}").json()["status"]
            if status != "pending":
                return time.monotonic() - accepted, status
            time.sleep(0.05)
    raise RuntimeError(f"the uploaded document was still pending after {timeout:.0f} s")


def measure(env: dict, *, jobs: int = 200, backlog: int = 1000) -> dict:
    """Issue 12, measurement 6, on the services named by ``env`` (no other RQ worker should be
    running on its Redis: the rates are per worker). Starts one gunicorn and one worker at a time."""
    from bench.stack import ROOT, Processes, uptime
    from bench.uploads import environment, make_uploader
    from portal import create_app

    processes = Processes(env, ROOT / "var" / "bench-jobs-run")
    result: dict = {"jobs_per_run": jobs, "backlog": backlog}
    try:
        with environment(env):
            app = create_app()
            token, org_id, user_id = make_uploader(env)
            base_url, _ = processes.gunicorn(workers=1)
            workers = processes.workers(1)
            for kind in ("email", "document"):
                after = last_outbox_id(app)
                make_jobs(app, kind, jobs, org_id, user_id)
                seconds = wait_done(app, jobs, timeout=max(600, jobs * 10), after_id=after)
                result[f"{kind}_jobs_per_s"] = round(jobs / seconds, 1)
            processes.stop_some(workers)
            # The backlog: ``backlog`` emails queued with no worker running (the enqueue rate), then
            # a worker, then an upload whose check must overtake them.
            after = last_outbox_id(app)
            started = time.monotonic()
            make_jobs(app, "email", backlog, org_id, user_id)
            result["enqueue_per_s"] = round(backlog / (time.monotonic() - started), 1)
            processes.workers(1, idle=False)
            seconds, status = upload_to_clean(base_url, token)
            result["upload_to_clean_s_with_backlog"] = round(seconds, 2)
            result["upload_status_after_backlog"] = status
            result["backlog_left_when_clean"] = backlog - _done_since(app, after)
            wait_done(app, backlog + 1, timeout=max(600, backlog), after_id=after)
    finally:
        processes.stop()
    notes = []
    if result.get("email_jobs_per_s", 0) < 20:
        notes.append(f"emails: {result.get('email_jobs_per_s')} jobs/s per worker, target 20. Emails run in the "
                     "worker itself (portal.worker.IN_PROCESS_QUEUES): the time is the job's own (rendering, the "
                     "outbox row, the mail server) and RQ's bookkeeping in Redis; see bench.jobs --sweep")
    if result.get("upload_to_clean_s_with_backlog", 1e9) >= 10:
        notes.append(f"upload to clean behind {backlog} jobs: {result.get('upload_to_clean_s_with_backlog')} s, "
                     "target 10 s")
    if notes:
        result["notes"] = notes
    result["load"] = uptime()
    return result


def _done_since(app, after_id: int) -> int:
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.outbox import OutboxMessage

    with app.app_context():
        done = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.done_at.is_not(None), OutboxMessage.id > after_id))
        db.session.rollback()
    return done


def run_measure(args) -> None:
    from bench.stack import MB, Stack, interruptible

    with interruptible(), Stack("jobs", clamd_stream_bytes=64 * MB) as stack:
        print(f"jobs: services in var/bench-jobs; scanner: {stack.scanner}; {os.cpu_count()} CPUs")
        result = measure(stack.env, jobs=args.jobs, backlog=args.backlog)
    print(f"emails:    {result['email_jobs_per_s']:7.1f} jobs/s (one worker, {args.jobs} jobs)")
    print(f"documents: {result['document_jobs_per_s']:7.1f} jobs/s (one worker, {args.jobs} small PDFs)")
    print(f"enqueue:   {result['enqueue_per_s']:7.1f} jobs/s ({args.backlog} emails committed and pushed)")
    print(f"upload to {result['upload_status_after_backlog']} behind {args.backlog} queued jobs: "
          f"{result['upload_to_clean_s_with_backlog']} s ({result['backlog_left_when_clean']} still queued then)")
    if result.get("notes"):
        print("MISSED: " + "; ".join(result["notes"]))
    print(result["load"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweep", action="store_true", help="time each worker class and number of workers")
    parser.add_argument("--backlog", type=int, default=1000, help="jobs queued ahead of the upload (default 1000)")
    parser.add_argument("--jobs", type=int, default=200, help="jobs per run (default 200)")
    parser.add_argument("--workers", default="1,2", help="numbers of workers to try (default 1,2)")
    parser.add_argument("--kinds", default="email,document", help="email, document or both")
    parser.add_argument("--worker-classes", default=WORKER_CLASS,
                        help=f"worker classes to time, comma-separated (default {WORKER_CLASS}); rq.Worker "
                             "builds the app in every work horse, rq.SimpleWorker runs jobs without forking")
    args = parser.parse_args()
    if not args.sweep:
        run_measure(args)
        return

    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    base = free_port_block(6)
    services = EmbeddedServices(folder, database="portal_bench", redis_port=base, s3_port=base + 1,
                                weed_base_port=base + 2, bucket="portal-bench")
    clamd = None
    try:
        urls = services.start()
        os.environ.update({k: v for k, v in urls.items() if k != "POSTGRES_SUPERUSER_URL"})
        os.environ.update({"PORTAL_VAR_DIR": str(folder), "SECRET_KEY": "bench-secret", "PORTAL_ENV": "development"})
        os.environ.pop("SMTP_URL", None)
        clamd = start_clamd(folder)
        from flask_migrate import upgrade

        from portal import create_app
        from portal.accounts.models import User
        from portal.extensions import db
        from portal.tenants.context import tenant_context
        from portal.tenants.models import Membership, Organisation

        app = create_app()
        with app.app_context():
            upgrade(revision="heads")
            org = Organisation(slug="bench-care", name="Bench Care", kind="provider")
            db.session.add(org)
            db.session.flush()
            user = User(email="bench@example.org", full_name="Bench", password_hash="x", session_epoch=0)
            db.session.add(user)
            db.session.flush()
            with tenant_context(org.id):
                db.session.add(Membership(user_id=user.id, role="submitter"))
                db.session.flush()
            db.session.commit()
            org_id, user_id = org.id, user.id
        print(f"scanner: {'clamd (one test signature)' if clamd else 'none (ClamAV is not installed)'}; "
              f"{os.cpu_count()} CPUs")
        classes = args.worker_classes.split(",")
        log = open(os.environ.get("BENCH_LOG") or folder / "workers.log", "w")
        for worker_class in classes:
            for kind in args.kinds.split(","):
                for count in [int(w) for w in args.workers.split(",")]:
                    reset(app, services)
                    processes = start_workers(urls["REDIS_URL"], count, worker_class, log)
                    try:
                        make_jobs(app, kind, args.jobs, org_id, user_id)
                        seconds = wait_done(app, args.jobs, timeout=max(600, args.jobs * 10))
                    finally:
                        stop(processes)
                    rate = args.jobs / seconds
                    print(f"{worker_class:22} {kind:9} {count} worker(s): "
                          f"{args.jobs} jobs in {seconds:6.1f} s = {rate:6.1f} jobs/s, {rate / count:6.1f} per worker")
    finally:
        if clamd is not None:
            clamd.terminate()
        services.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
