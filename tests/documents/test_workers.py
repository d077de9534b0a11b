"""The processing job under real workers: a separate `rq worker` process, a worker killed in
the middle of a job, duplicate deliveries, and S3 being down (the job fails and is retried)."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta

from redis import Redis
from rq.job import Job
from sqlalchemy import select

from tests.documents import files
from tests.documents.conftest import audit_actions, documents_of, s3_keys
from tests.helpers import queued, run_jobs


def _rq_worker(env: dict | None = None, **kwargs) -> subprocess.Popen:
    """A real `rq worker` process, started with the command line `portal up` uses, in burst mode."""
    from portal.jobs import worker_command

    return subprocess.Popen(worker_command(os.environ["REDIS_URL"], burst=True),
                            env=dict(os.environ, **(env or {})), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, **kwargs)


def _outbox(app):
    from portal.extensions import db
    from portal.outbox import OutboxMessage

    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_separate_rq_worker_process_processes_the_upload(app, org_member, upload):
    org, _user = org_member
    upload(org.slug, ("report.pdf", files.pdf(["Processed by a worker process"])))
    worker = _rq_worker()
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, output[-3000:]
    [document] = documents_of(app, org)
    assert document.status == "clean" and document.scan_status == "clean" and document.page_count == 1
    assert "worker process" in document.text_content


def test_a_worker_killed_mid_job_leaves_the_document_processed_exactly_once(app, org_member, upload, tmp_path):
    """What this proves: the job's writes are one transaction with the outbox row's ``done_at``.
    A work horse killed (SIGKILL) after the job has written part of its result leaves nothing
    behind and the worker survives; RQ retries the job (the sweeper leaves a job RQ will retry
    alone) and it is processed once; later deliveries of the same message change nothing."""
    from portal.outbox import sweep_outbox

    org, _user = org_member
    upload(org.slug, ("plan.pdf", files.pdf(["Killed once"])))
    marker = tmp_path / "job-paused"
    worker = _rq_worker({"PORTAL_TEST_DOCUMENT_JOB_PAUSE_FILE": str(marker)})
    deadline = time.monotonic() + 90
    while not (marker.exists() and marker.read_text()):
        assert worker.poll() is None, worker.communicate()[0][-3000:]
        assert time.monotonic() < deadline, "the job never reached the pause point"
        time.sleep(0.05)
    horse_pid, document_id = map(int, marker.read_text().split())
    assert horse_pid != worker.pid  # the work horse, forked by the worker, is running the job
    os.kill(horse_pid, signal.SIGKILL)
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, output[-3000:]  # the worker outlived its work horse

    [document] = documents_of(app, org)
    assert document.id == document_id
    assert document.status == "pending" and document.sha256 is None  # the flushed hash was rolled back
    [message] = _outbox(app)
    assert message.done_at is None
    assert audit_actions(app, org, "document_checked") == 0
    job = Job.fetch(f"outbox-{message.id}", connection=Redis.from_url(os.environ["REDIS_URL"]))
    assert job.get_status() == "scheduled"  # RQ retries it

    with app.app_context():
        assert sweep_outbox(older_than=timedelta(0)) == 0  # what `rq cron` does every minute
    assert run_jobs(app, retries_now=True) == 1
    [document] = documents_of(app, org)
    assert document.status == "clean" and document.sha256 and "Killed once" in document.text_content
    [message] = _outbox(app)
    assert message.done_at is not None
    assert audit_actions(app, org, "document_checked") == 1

    # A late or duplicate delivery of the same message is a no-op.
    with app.app_context():
        from portal.outbox import push

        push([(message.id, message.job)])
        assert sweep_outbox(older_than=timedelta(0)) == 0
    run_jobs(app)
    [again] = documents_of(app, org)
    assert again.processed_at == document.processed_at and again.sha256 == document.sha256
    assert audit_actions(app, org, "document_checked") == 1


def test_running_the_job_again_changes_nothing(app, org_member, upload):
    from portal.extensions import db
    from portal.jobs import job_function
    from portal.tenants.context import tenant_context

    org, _user = org_member
    upload(org.slug, ("plan.docx", files.docx(["Once only"])))
    run_jobs(app)
    [first] = documents_of(app, org)
    with app.app_context(), tenant_context(org.id):
        job_function("process_document")(document_id=first.id)
        db.session.commit()
    [second] = documents_of(app, org)
    assert (second.status, second.sha256, second.processed_at, second.text_content) == (
        first.status, first.sha256, first.processed_at, first.text_content)
    assert audit_actions(app, org, "document_checked") == 1


def test_s3_errors_fail_the_job_so_rq_retries_it(app, org_member, upload, monkeypatch):
    from portal.outbox import sweep_outbox

    org, _user = org_member
    upload(org.slug, ("plan.pdf", files.pdf(["Retried"])))
    [message] = _outbox(app)
    working_endpoint = app.config["S3_ENDPOINT_URL"]
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: S3 is down
    run_jobs(app)
    [document] = documents_of(app, org)
    assert document.status == "pending"
    [message] = _outbox(app)
    assert message.done_at is None and message.attempts == 1 and "Could not connect" in message.last_error
    job = Job.fetch(f"outbox-{message.id}", connection=Redis.from_url(os.environ["REDIS_URL"]))
    assert job.get_status() == "scheduled" and job.retries_left == 2  # RQ will run it again

    app.config["S3_ENDPOINT_URL"] = working_endpoint  # S3 is back
    with app.app_context():
        assert sweep_outbox(older_than=timedelta(0)) == 0  # RQ will retry it: the sweeper leaves it alone
    assert queued() == 0
    run_jobs(app, retries_now=True)
    [document] = documents_of(app, org)
    assert document.status == "clean"
    assert queued() == 0


def test_a_real_worker_discards_an_infected_file_from_s3(app, org_member, upload):
    """Both document jobs in a worker process: the check (documents queue) finds the virus and
    asks for the bytes to go; the discard (bulk queue) runs in the same burst and deletes them."""
    org, _user = org_member
    upload(org.slug, ("invoice.pdf", files.eicar()))
    [document] = documents_of(app, org)
    assert document.storage_key in s3_keys(app)
    worker = _rq_worker()
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, output[-3000:]
    [document] = documents_of(app, org)
    assert document.status == "infected" and document.object_deleted_at is not None
    assert document.storage_key not in s3_keys(app)
    assert [(m.job, m.done_at is not None) for m in _outbox(app)] == [
        ("process_document", True), ("discard_document_object", True)]
    assert queued() == 0
