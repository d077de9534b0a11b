"""A worker killed in the middle of a job (worker and work horse together, SIGKILL, as a lost
machine or the OOM killer would): the job is found abandoned, run again exactly once by another
worker, and its effects happen once."""
from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import psutil
from redis import Redis
from rq.job import Job
from sqlalchemy import func, select

from tests.faults.conftest import wait_for


def _state(app, tenant_id: int) -> dict:
    from portal.audit.models import AuditEvent
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.outbox import OutboxMessage
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(tenant_id):
        documents = [(d.id, d.status, d.sha256, d.processed_at) for d in db.session.scalars(select(Document))]
        messages = [(m.id, m.job, m.done_at is not None, m.attempts)
                    for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
        checked = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "document_checked"))
        db.session.rollback()
    return {"documents": documents, "messages": messages, "checked": checked}


def _job(message_id: int) -> Job:
    return Job.fetch(f"outbox-{message_id}", connection=Redis.from_url(os.environ["REDIS_URL"]))


def test_a_killed_worker_s_job_is_run_again_once_by_another_worker(app, client, provider, workers, tmp_path):
    from portal.outbox import sweep_outbox

    tenant = provider["provider"].id
    uploaded = client.post("/api/v1/documents", headers=provider["headers"], content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"person,hours\nA,12\nB,7\n"), "timesheet.csv")})
    assert uploaded.status_code == 202, uploaded.get_json()
    document_id = uploaded.get_json()["id"]
    [(message_id, job_name, done, _attempts)] = _state(app, tenant)["messages"]
    assert (job_name, done) == ("process_document", False)

    marker = tmp_path / "paused"
    first = workers.start(f"fault-first-{time.monotonic_ns()}", env={"PORTAL_TEST_DOCUMENT_JOB_PAUSE_FILE": str(marker)})
    wait_for(lambda: marker.exists() and marker.read_text(), what="the job to reach its pause point")
    horse_pid, paused_document = map(int, marker.read_text().split())
    assert paused_document == document_id and horse_pid != first.pid
    workers.kill(first)  # the worker and its work horse, mid-job
    assert not psutil.pid_exists(horse_pid) or psutil.Process(horse_pid).status() == psutil.STATUS_ZOMBIE

    # Nothing of the half-done job was kept (its hash was flushed, not committed), and RQ still
    # believes the job is running: without a reaper it would wait for the heartbeat to expire.
    state = _state(app, tenant)
    assert state["documents"] == [(document_id, "pending", None, None)]
    assert state["messages"] == [(message_id, "process_document", False, 0)] and state["checked"] == 0
    assert _job(message_id).get_status() == "started"

    second_name = f"fault-second-{time.monotonic_ns()}"
    second = workers.start(second_name)  # reaps when it starts; RQ retries the job; this worker runs it

    def done():
        assert second.poll() is None, second.communicate()[0][-3000:]
        return _state(app, tenant)["messages"][0][2]

    wait_for(done, timeout=90, what="the abandoned job to run again")
    job = _job(message_id)
    assert job.get_status() == "finished" and job.worker_name == second_name
    state = _state(app, tenant)
    [(_id, status, sha256, processed_at)] = state["documents"]
    assert status != "pending" and sha256 and processed_at
    assert state["messages"] == [(message_id, "process_document", True, 1)]  # one run that finished
    assert state["checked"] == 1  # the document was checked once

    # Another sweep and another worker later: nothing runs again.
    with app.app_context():
        assert sweep_outbox(older_than=timedelta(0)) == 0
    third = workers.start(f"fault-third-{time.monotonic_ns()}", burst=True)
    output, _ = third.communicate(timeout=120)
    assert third.returncode == 0, output[-3000:]
    assert _state(app, tenant) == state


def test_the_sweep_reaps_a_job_whose_worker_died(app, client, provider, workers, tmp_path):
    """With no worker starting afterwards, the every-minute outbox sweep finds the abandoned job."""
    from portal.outbox import sweep_outbox
    from tests.helpers import run_jobs

    tenant = provider["provider"].id
    uploaded = client.post("/api/v1/documents", headers=provider["headers"], content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"a,b\n1,2\n"), "notes.csv")})
    assert uploaded.status_code == 202
    [(message_id, *_rest)] = _state(app, tenant)["messages"]
    marker = tmp_path / "paused"
    worker = workers.start(f"fault-swept-{time.monotonic_ns()}", env={"PORTAL_TEST_DOCUMENT_JOB_PAUSE_FILE": str(marker)})
    wait_for(lambda: marker.exists() and marker.read_text(), what="the job to reach its pause point")
    workers.kill(worker)
    assert _job(message_id).get_status() == "started"

    with app.app_context():
        assert sweep_outbox() == 0  # reaped (handed to RQ's retry), not pushed a second time
    assert _job(message_id).get_status() == "scheduled"
    assert run_jobs(app, retries_now=True) == 1
    state = _state(app, tenant)
    assert state["messages"] == [(message_id, "process_document", True, 1)] and state["checked"] == 1
