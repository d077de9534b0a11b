"""Jobs go through the outbox: enqueued after commit on their queue, re-enqueued if lost, run once."""
from __future__ import annotations

import os
import subprocess
from datetime import timedelta

from redis import Redis
from rq.job import Job
from sqlalchemy import select

from tests.helpers import mailbox, queued, queues, run_jobs


def _invite(app, org_slug: str, email: str):
    from portal.accounts import services as accounts
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        org = get_organisation_by_slug(org_slug)
        with tenant_context(org.id):
            accounts.invite(org, email, "submitter", invited_by=None)
        db.session.commit()


def test_nothing_is_enqueued_when_the_transaction_rolls_back(app, make_org):
    from portal.accounts import services as accounts
    from portal.extensions import db
    from portal.outbox import OutboxMessage
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    org = make_org()
    with app.app_context():
        with tenant_context(org.id):
            accounts.invite(get_organisation_by_slug(org.slug), "x@example.org", "submitter", invited_by=None)
        db.session.rollback()
        assert db.session.scalars(select(OutboxMessage)).all() == []
    assert queued() == 0


def test_email_goes_on_the_email_queue_and_a_real_worker_process_delivers_it(app, make_org):
    from portal.jobs import worker_command

    org = make_org()
    _invite(app, org.slug, "worker@example.org")
    assert {q.name: q.count for q in queues()} == {"documents": 0, "email": 1, "default": 0, "bulk": 0}
    result = subprocess.run(worker_command(os.environ["REDIS_URL"], burst=True), env=dict(os.environ),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    [message] = mailbox(app, to="worker@example.org")
    assert "/invitations/" in message.body
    assert queued() == 0


def test_a_lost_enqueue_is_swept_and_runs_exactly_once(app, make_org):
    """A crash between commit and enqueue: the row is there, the queue is empty."""
    from portal.extensions import db
    from portal.outbox import OutboxMessage, push, sweep_outbox

    org = make_org()
    _invite(app, org.slug, "lost@example.org")
    for queue in queues():
        queue.empty()  # the enqueue after commit never happened
    assert queued() == 0
    with app.app_context():
        assert sweep_outbox(older_than=timedelta(0)) == 1
        message_id = db.session.scalar(select(OutboxMessage.id))
        push([(message_id, "send_email")])  # delivered twice, as a second push of the same job would
    assert queued() == 2
    run_jobs(app)
    assert len(mailbox(app, to="lost@example.org")) == 1
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).done_at is not None
        assert sweep_outbox(older_than=timedelta(0)) == 0


def test_a_failing_job_records_the_error_and_stays_pending(app, make_org, monkeypatch):
    from portal.extensions import db
    from portal.jobs import DEFAULT, JOBS, JobKind
    from portal.outbox import OutboxMessage, enqueue_after_commit

    def explodes():
        raise RuntimeError("boom")

    monkeypatch.setitem(JOBS, "test_explodes", JobKind("test_explodes", explodes, DEFAULT))
    with app.app_context():
        enqueue_after_commit("test_explodes", tenant_id=None)
        db.session.commit()
    run_jobs(app)
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.done_at is None and message.attempts == 1 and "boom" in message.last_error
    job = Job.fetch(f"outbox-{message.id}", connection=Redis.from_url(os.environ["REDIS_URL"]))
    assert job.get_status() == "scheduled"  # RQ retries it in 10 seconds


def test_an_unknown_job_name_is_refused_before_anything_is_written(app):
    import pytest

    from portal.outbox import enqueue_after_commit

    with app.app_context(), pytest.raises(KeyError, match="portal/jobs.py"):
        enqueue_after_commit("no_such_job", tenant_id=None)


def test_rq_cron_loads_the_periodic_jobs_onto_the_default_queue(services):
    """What `rq cron portal.cron` does when it starts."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=Redis.from_url(services.urls["REDIS_URL"]))
    scheduler.load_config_from_file("portal.cron")
    assert {(j.name, j.func_name, j.queue_name, j.interval, j.job_options["ttl"])
            for j in scheduler.get_jobs()} == {
        ("sweep-outbox", "portal.outbox.sweep_outbox", "default", 60, 60),
        ("return-reminders", "portal.returns.jobs.send_return_reminders", "default", 3600, 3600),
        ("close-tenders", "portal.procurement.jobs.close_tenders", "default", 60, 60),
        ("release-tender-documents", "portal.procurement.tender_document_jobs.release_tender_documents", "default",
         60, 60),
        ("end-standstills", "portal.procurement.award.end_standstills", "default", 60, 60),
        ("expire-exports", "portal.offboarding.jobs.expire_exports", "bulk", 3600, 3600),
        ("delete-offboarded-organisations", "portal.offboarding.jobs.delete_offboarded_organisations", "bulk", 3600,
         3600)}


def test_queues_are_in_priority_order():
    from portal.jobs import JOBS, QUEUES

    assert QUEUES == ("documents", "email", "default", "bulk")
    assert {name: kind.queue for name, kind in JOBS.items()} == {
        "process_document": "documents", "process_return_import": "documents",
        "send_email": "email", "notify_review": "email", "notify_interested": "email", "notify_clarifications": "email",
        "refresh_outcome_rollup": "bulk", "index_return_version": "bulk", "discard_document_object": "bulk",
        "notify_bid_member": "email", "mark_bids_for_reconfirmation": "default",
        "notify_documents_released": "email", "notify_award_outcome": "email",
        "notify_remittance": "email", "notify_contract_review": "email", "notify_invoice": "email",
        "notify_proposal": "email", "build_organisation_export": "default"}
    for kind in JOBS.values():
        assert callable(kind.function), kind.name
