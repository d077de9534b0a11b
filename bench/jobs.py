"""Background-job throughput: jobs per second per RQ worker, for small documents and emails.

    make bench-jobs                      # or: .venv/bin/python -m bench.jobs --jobs 200 --workers 1,2

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


def wait_done(app, count: int, timeout: float) -> float:
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.outbox import OutboxMessage

    started = time.monotonic()
    with app.app_context():
        while True:
            done = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.done_at.is_not(None)))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200, help="jobs per run (default 200)")
    parser.add_argument("--workers", default="1,2", help="numbers of workers to try (default 1,2)")
    parser.add_argument("--kinds", default="email,document", help="email, document or both")
    parser.add_argument("--worker-classes", default=WORKER_CLASS,
                        help=f"worker classes to time, comma-separated (default {WORKER_CLASS}); rq.Worker "
                             "builds the app in every work horse, rq.SimpleWorker runs jobs without forking")
    args = parser.parse_args()

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
