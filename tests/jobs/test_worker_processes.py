"""Every kind of job through Redis and a real `rq worker` process, started with the command line
that `portal up` uses (the documents' jobs: tests/documents/test_workers.py)."""
from __future__ import annotations

import io
import os
import subprocess
from datetime import date, timedelta

from redis import Redis
from rq import Queue
from sqlalchemy import func, select, update

from tests.helpers import mailbox, queued, queues
from tests.jobs.test_coalescing import _review, _rollup
from tests.outcomes.test_outcomes import _submit


def _run_worker() -> str:
    from portal.jobs import worker_command

    result = subprocess.run(worker_command(os.environ["REDIS_URL"], burst=True), env=dict(os.environ),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


def _messages(app) -> list[tuple[str, bool]]:
    from portal.extensions import db
    from portal.outbox import OutboxMessage

    with app.app_context():
        rows = [(m.job, m.done_at is not None) for m in db.session.scalars(select(OutboxMessage)
                                                                            .order_by(OutboxMessage.id))]
        db.session.rollback()
        return rows


def _no_failures() -> None:
    for queue in queues():
        failed = queue.failed_job_registry
        assert failed.count == 0, [queue.fetch_job(job_id).exc_info for job_id in failed.get_job_ids()]
    assert queued() == 0


def _return_id(app, provider_id: int, month: date) -> int:
    from portal.returns import queries
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider_id):
        return next(r.id for r in queries.list_returns() if r.period_start == month)


def test_return_jobs_run_in_a_worker_process(app, client, api_token, contract_setup):
    from portal.extensions import db
    from portal.returns.models import ReturnImport
    from portal.search.models import SearchEntry
    from portal.tenants.context import tenant_context

    setup = contract_setup
    provider, commissioner = setup["provider"].id, setup["commissioner"].id
    january, february, march = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
    _submit(app, provider, setup["submitter"].id, {january: (20, 15), february: (10, 4)})
    _review(app, setup, january)
    headers = {"Authorization": f"Bearer {api_token(setup['submitter'].email)}"}
    body = b"Code,Section,Question,Type,Required,Value\nNHWO-1.REVIEWED,,,,,9\n"
    started = client.post(f"/api/v1/returns/{_return_id(app, provider, march)}/imports", headers=headers,
                          data={"file": (io.BytesIO(body), "march.csv")}, content_type="multipart/form-data")
    assert started.status_code == 202
    assert [q.count for q in queues()] == [1, 1, 0, 3]  # import; review email; -; 2 index, 1 rollup

    _run_worker()

    assert sorted(_messages(app)) == sorted(
        [("index_return_version", True)] * 2 + [("refresh_outcome_rollup", True), ("notify_review", True),
                                                ("process_return_import", True)] + [("send_email", True)] * 3)
    _no_failures()
    assert _rollup(app, commissioner) == {january: (20, 15), february: (10, 4)}
    assert {m.to_address for m in mailbox(app)} == {"submitter@fern.example", "second@fern.example",
                                                    "admin@fern.example"}
    assert all("Return accepted: CLY-001" == m.subject for m in mailbox(app))
    with app.app_context(), tenant_context(provider):
        assert db.session.scalar(select(func.count()).select_from(SearchEntry)) > 0
        assert db.session.scalar(select(ReturnImport.status)) == "applied"
        db.session.rollback()


def test_the_periodic_jobs_run_in_a_worker_process(app, contract_setup):
    """What `rq cron portal.cron` queues: the sweep (which finds a lost email) and the reminders."""
    from portal.accounts import services as accounts
    from portal.extensions import db
    from portal.jobs import DEFAULT
    from portal.outbox import OutboxMessage, sweep_outbox
    from portal.returns.jobs import send_return_reminders
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    setup = contract_setup
    with app.app_context(), tenant_context(setup["provider"].id):
        accounts.invite(get_organisation_by_slug("fern-care"), "new@fern.example", "submitter", invited_by=None)
        db.session.commit()
    connection = Redis.from_url(os.environ["REDIS_URL"])
    connection.flushdb()  # the email's enqueue was lost
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(created_at=OutboxMessage.created_at - timedelta(minutes=6)))
        db.session.commit()
    housekeeping = Queue(DEFAULT, connection=connection)
    housekeeping.enqueue(sweep_outbox)
    housekeeping.enqueue(send_return_reminders, today=date(2025, 2, 7))  # January's return is due on 14 Feb

    _run_worker()

    _no_failures()
    assert [to for to, _subject in sorted((m.to_address, m.subject) for m in mailbox(app)
                                          if "invited" in m.subject)] == ["new@fern.example"]
    reminders = [m for m in mailbox(app) if "due in a week: CLY-001" in m.subject]
    assert {m.to_address for m in reminders} == {"submitter@fern.example", "second@fern.example",
                                                 "admin@fern.example"}
    assert all(done for _job, done in _messages(app))


def test_work_horses_reuse_the_app_the_worker_built_before_forking(app):
    connection = Redis.from_url(os.environ["REDIS_URL"])
    housekeeping = Queue("default", connection=connection)
    jobs = [housekeeping.enqueue("tests.jobs.probe.where_the_app_was_built") for _ in range(3)]

    _run_worker()

    results = [job.latest_result().return_value for job in jobs]
    workers = {r["worker"] for r in results}
    assert len(workers) == 1
    assert all(r["built_in"] == r["worker"] != r["horse"] for r in results)  # built once, in the parent
    assert len({r["horse"] for r in results}) == 3  # a work horse per job: a crash takes only its job
    assert all(r["db"] == 1 for r in results)


def test_email_jobs_run_in_the_worker_itself_and_documents_in_work_horses(app):
    """Emails skip the fork (and the new database connection) a work horse costs; a job forked
    after them still gets a connection of its own and reads the database."""
    from portal.jobs import DEFAULT, EMAIL

    connection = Redis.from_url(os.environ["REDIS_URL"])
    email, housekeeping = Queue(EMAIL, connection=connection), Queue(DEFAULT, connection=connection)
    probe = "tests.jobs.probe.where_the_app_was_built"
    in_process = [email.enqueue(probe) for _ in range(2)]
    forked = [housekeeping.enqueue(probe) for _ in range(2)]

    _run_worker()

    emails = [job.latest_result().return_value for job in in_process]
    others = [job.latest_result().return_value for job in forked]
    worker = emails[0]["horse"]
    assert all(r["horse"] == r["built_in"] == worker for r in emails)  # no fork: the worker ran them
    assert all(r["built_in"] == r["worker"] == worker != r["horse"] for r in others)  # forked after them
    assert all(r["db"] == 1 for r in emails + others)
    _no_failures()
