"""Jobs go through the outbox: enqueued after commit, re-enqueued if lost, run once."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from redis import Redis
from rq import Queue
from sqlalchemy import select

from tests.helpers import mailbox, run_jobs


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


def _queue():
    return Queue("default", connection=Redis.from_url(os.environ["REDIS_URL"]))


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
    assert _queue().count == 0


def test_a_real_worker_process_delivers_the_email(app, make_org):
    org = make_org()
    _invite(app, org.slug, "worker@example.org")
    assert _queue().count == 1
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "rq"), "worker", "--burst", "--url",
         os.environ["REDIS_URL"], "default"], env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    [message] = mailbox(app, to="worker@example.org")
    assert "/invitations/" in message.body


def test_a_lost_enqueue_is_swept_and_runs_exactly_once(app, make_org):
    """A crash between commit and enqueue: the row is there, the queue is empty."""
    from portal.extensions import db
    from portal.outbox import OutboxMessage, push, sweep_outbox

    org = make_org()
    _invite(app, org.slug, "lost@example.org")
    _queue().empty()  # the enqueue after commit never happened
    assert _queue().count == 0
    with app.app_context():
        assert sweep_outbox(older_than=timedelta(0)) == 1
        message_id = db.session.scalar(select(OutboxMessage.id))
        push([message_id])  # enqueued twice, as a racing sweeper might
    run_jobs(app)
    assert len(mailbox(app, to="lost@example.org")) == 1
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).done_at is not None
        assert sweep_outbox(older_than=timedelta(0)) == 0


def test_a_failing_job_records_the_error_and_stays_pending(app, make_org):
    from portal.extensions import db
    from portal.outbox import JOBS, OutboxMessage, enqueue_after_commit, job

    @job("test_explodes")
    def explodes():
        raise RuntimeError("boom")

    try:
        with app.app_context():
            enqueue_after_commit("test_explodes", tenant_id=None)
            db.session.commit()
        run_jobs(app)
        with app.app_context():
            message = db.session.scalar(select(OutboxMessage))
            assert message.done_at is None and message.attempts == 1 and "boom" in message.last_error
    finally:
        JOBS.pop("test_explodes", None)
