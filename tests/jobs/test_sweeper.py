"""The outbox sweep pushes a message again only when RQ will not run it, and only after the
sweep delay: any number of sweeps never puts a job on a queue twice."""
from __future__ import annotations

import os
from datetime import timedelta

from redis import Redis
from rq.job import Job
from sqlalchemy import select, update

from tests.helpers import mailbox, queued, queues, run_jobs


def _invite(app, org, *emails):
    from portal.accounts import services as accounts
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        with tenant_context(org.id):
            for email in emails:
                accounts.invite(get_organisation_by_slug(org.slug), email, "submitter", invited_by=None)
        db.session.commit()


def _age_messages(app, by: timedelta) -> None:
    """As if the messages had been made ``by`` ago."""
    from portal.extensions import db
    from portal.outbox import OutboxMessage

    with app.app_context():
        db.session.execute(update(OutboxMessage).values(created_at=OutboxMessage.created_at - by))
        db.session.commit()


def _sweep(app, times: int = 1, **kwargs) -> list[int]:
    from portal.outbox import sweep_outbox

    with app.app_context():
        return [sweep_outbox(**kwargs) for _ in range(times)]


def _rq_status(message_id: int) -> str | None:
    job = Job.fetch_many([f"outbox-{message_id}"], connection=Redis.from_url(os.environ["REDIS_URL"]))[0]
    return job.get_status() if job else None


def _message_ids(app) -> list[int]:
    from portal.extensions import db
    from portal.outbox import OutboxMessage

    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))


def test_sweeping_queued_messages_many_times_adds_no_entries(app, make_org):
    org = make_org()
    _invite(app, org, "a@example.org", "b@example.org", "c@example.org")
    _age_messages(app, timedelta(hours=1))  # long past the sweep delay, and still waiting on the queue
    assert queued() == 3
    assert _sweep(app, times=25) == [0] * 25
    assert [q.count for q in queues()] == [0, 3, 0, 0]  # documents, email, default, bulk
    assert run_jobs(app) == 3
    assert len(mailbox(app)) == 3
    assert _sweep(app, times=5) == [0] * 5 and queued() == 0


def test_a_lost_message_is_pushed_once_after_the_delay_however_often_the_sweep_runs(app, make_org):
    from portal.extensions import db
    from portal.outbox import OutboxMessage

    org = make_org()
    _invite(app, org, "lost@example.org")
    Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # Redis lost the job (or the push never happened)
    [message_id] = _message_ids(app)
    assert _rq_status(message_id) is None
    assert _sweep(app, times=3) == [0, 0, 0]  # younger than OUTBOX_SWEEP_AFTER_SECONDS (5 minutes)
    assert app.config["OUTBOX_SWEEP_AFTER_SECONDS"] == 300
    _age_messages(app, timedelta(minutes=4))
    assert _sweep(app) == [0]
    _age_messages(app, timedelta(minutes=2))  # now 6 minutes old
    assert _sweep(app, times=10) == [1] + [0] * 9  # pushed once; then it is queued
    assert queued() == 1 and _rq_status(message_id) == "queued"
    run_jobs(app)
    assert len(mailbox(app, to="lost@example.org")) == 1
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).done_at is not None
    assert _sweep(app, times=3) == [0, 0, 0] and queued() == 0


def test_a_job_scheduled_for_retry_is_left_to_rq(app, make_org, monkeypatch):
    from portal.extensions import db
    from portal.jobs import EMAIL, JOBS, JobKind
    from portal.outbox import OutboxMessage, enqueue_after_commit

    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the mail server is down")

    monkeypatch.setitem(JOBS, "test_flaky", JobKind("test_flaky", flaky, EMAIL))
    with app.app_context():
        enqueue_after_commit("test_flaky", tenant_id=None)
        db.session.commit()
    run_jobs(app)
    [message_id] = _message_ids(app)
    assert _rq_status(message_id) == "scheduled"
    assert _sweep(app, times=10, older_than=timedelta(0)) == [0] * 10
    assert queued() == 0 and queues()[1].scheduled_job_registry.count == 1
    run_jobs(app, retries_now=True)  # RQ's scheduler queues the retry
    assert len(calls) == 2
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert message.done_at is not None and message.attempts == 2


def test_a_job_that_failed_every_retry_is_pushed_again_after_a_rest(app, make_org, monkeypatch):
    from portal.extensions import db
    from portal.jobs import EMAIL, JOBS, JobKind
    from portal.outbox import enqueue_after_commit

    calls = []

    def broken_then_fixed():
        calls.append(1)
        if len(calls) <= 4:
            raise ConnectionError("the mail server is down")

    monkeypatch.setitem(JOBS, "test_broken", JobKind("test_broken", broken_then_fixed, EMAIL))
    with app.app_context():
        enqueue_after_commit("test_broken", tenant_id=None)
        db.session.commit()
    run_jobs(app)
    for _retry in range(3):
        run_jobs(app, retries_now=True)
    [message_id] = _message_ids(app)
    assert len(calls) == 4 and _rq_status(message_id) == "failed"
    _age_messages(app, timedelta(hours=1))
    assert _sweep(app, times=3) == [0, 0, 0]  # failed a moment ago: give the mail server time
    assert _sweep(app, older_than=timedelta(0)) == [1]  # (as if the failure were 5 minutes old)
    assert _sweep(app, times=3, older_than=timedelta(0)) == [0, 0, 0]
    email_queue = queues()[1]
    assert email_queue.count == 1 and email_queue.failed_job_registry.count == 0
    run_jobs(app)
    assert len(calls) == 5 and _rq_status(message_id) == "finished"
