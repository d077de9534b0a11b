"""Rollup refreshes coalesce: at most one waits to start per commissioner, however many
submissions and reviews happen, and a change committed while a refresh runs is followed by
one more refresh (no lost update). Returns tell search and collaboratives by signals."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import date

from sqlalchemy import select, text

from tests.helpers import queues, run_jobs
from tests.outcomes.test_outcomes import _submit


def _pending(app, job: str) -> list:
    from portal.extensions import db
    from portal.outbox import OutboxMessage

    with app.app_context():
        rows = list(db.session.execute(select(OutboxMessage.id, OutboxMessage.payload).where(
            OutboxMessage.job == job, OutboxMessage.done_at.is_(None)).order_by(OutboxMessage.id)))
        db.session.rollback()
        return rows


def _bulk_entries() -> list[str]:
    """The descriptions of the jobs waiting on the bulk queue, one per queue entry."""
    bulk = queues()[3]
    return sorted(bulk.fetch_job(job_id).description.split(" ")[0] for job_id in bulk.get_job_ids())


def _review(app, setup, month: date, decision: str = "accept") -> None:
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(setup["commissioner"].id, setup["manager"].id):
        [ret] = [r for r in queries.list_returns() if r.period_start == month]
        services.review(ret, decision=decision, comment="Thanks", actor=db.session.get(User, setup["manager"].id))
        db.session.commit()


def _rollup(app, commissioner_id: int) -> dict:
    from portal.collaboratives.models import OutcomeRollup
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(commissioner_id):
        rows = db.session.scalars(select(OutcomeRollup).where(OutcomeRollup.outcome == "NHWO-1"))
        result = {r.period_start: (int(r.reviewed), int(r.achieved)) for r in rows}
        db.session.rollback()
        return result


def test_many_submissions_and_reviews_make_one_pending_refresh(app, contract_setup):
    setup = contract_setup
    provider, submitter = setup["provider"].id, setup["submitter"].id
    months = [date(2025, m, 1) for m in (1, 2, 3, 4)]
    for n, month in enumerate(months):  # four submissions, each in its own request
        _submit(app, provider, submitter, {month: (10 + n, 5 + n)})
    _review(app, setup, months[0])
    _review(app, setup, months[1], decision="request_changes")
    [(rollup_id, payload)] = _pending(app, "refresh_outcome_rollup")
    assert payload == {"commissioner_id": setup["commissioner"].id}
    assert len(_pending(app, "index_return_version")) == 4  # one per return
    assert _bulk_entries() == ["index_return_version"] * 4 + ["refresh_outcome_rollup"]
    run_jobs(app)
    # February, sent back for changes, has left the rollup: the one refresh ran after every change.
    assert _rollup(app, setup["commissioner"].id) == {m: (10 + n, 5 + n) for n, m in enumerate(months) if n != 1}
    assert _pending(app, "refresh_outcome_rollup") == []


def _wait_until(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def _waiting_for_advisory_lock(owner_engine) -> bool:
    with owner_engine.connect() as conn:
        return conn.scalar(text("select count(*) from pg_locks where locktype = 'advisory' and not granted")) > 0


def test_a_submission_during_a_running_refresh_is_followed_by_another_refresh(app, contract_setup,
                                                                              owner_engine):
    from portal.collaboratives.services import ROLLUP_LOCK
    from portal.outbox import run_outbox_message

    setup = contract_setup
    commissioner = setup["commissioner"].id
    january, february = date(2025, 1, 1), date(2025, 2, 1)
    _submit(app, setup["provider"].id, setup["submitter"].id, {january: (10, 5)})
    [(first, _payload)] = _pending(app, "refresh_outcome_rollup")

    # A worker starts the refresh: it holds its message and is paused inside the job (the test
    # holds the rollup's advisory lock, which the job waits for).
    with owner_engine.connect() as blocker:
        blocker.execute(text("select pg_advisory_lock(:a, :b)"), {"a": ROLLUP_LOCK, "b": commissioner})
        errors = []

        def worker():
            try:
                run_outbox_message(first)
            except Exception as exc:  # reported below
                errors.append(exc)

        running = threading.Thread(target=worker)
        running.start()
        _wait_until(lambda: _waiting_for_advisory_lock(owner_engine), "the refresh is running")

        # Meanwhile the provider submits February: the running refresh cannot take it in.
        _submit(app, setup["provider"].id, setup["submitter"].id, {february: (20, 15)})
        pending = _pending(app, "refresh_outcome_rollup")
        assert [m for m, _ in pending] == [first, first + 2]  # (the index message came in between)
        blocker.execute(text("select pg_advisory_unlock(:a, :b)"), {"a": ROLLUP_LOCK, "b": commissioner})
        running.join(timeout=30)
        blocker.commit()
    assert not running.is_alive() and errors == []
    [(second, _payload)] = _pending(app, "refresh_outcome_rollup")
    assert second == first + 2
    run_jobs(app)  # the second refresh (and the indexing)
    assert _rollup(app, commissioner) == {january: (10, 5), february: (20, 15)}
    assert _pending(app, "refresh_outcome_rollup") == []


def test_two_requests_at_once_make_one_pending_refresh(app, contract_setup, owner_engine):
    from portal.extensions import db
    from portal.outbox import enqueue_after_commit

    commissioner = contract_setup["commissioner"].id
    first_enqueued, may_commit = threading.Event(), threading.Event()
    made, errors = {}, []

    def request(name: str, hold: bool) -> None:
        try:
            with app.app_context():
                made[name] = enqueue_after_commit("refresh_outcome_rollup", tenant_id=commissioner,
                                                  commissioner_id=commissioner).id
                if hold:
                    first_enqueued.set()
                    may_commit.wait(30)
                db.session.commit()
        except Exception as exc:  # reported below
            errors.append(exc)

    one = threading.Thread(target=request, args=("one", True))
    one.start()
    assert first_enqueued.wait(30)
    two = threading.Thread(target=request, args=("two", False))
    two.start()
    _wait_until(lambda: _waiting_for_advisory_lock(owner_engine), "the second request waits for the first")
    may_commit.set()
    one.join(30)
    two.join(30)
    assert errors == []
    assert made["one"] == made["two"]
    assert [m for m, _ in _pending(app, "refresh_outcome_rollup")] == [made["one"]]
    assert _bulk_entries() == ["refresh_outcome_rollup"]


def test_returns_tell_search_and_collaboratives_by_signals_without_importing_them():
    from portal import create_app  # noqa: F401  (connects the receivers, as every process does)
    from portal.collaboratives.services import refresh_rollup_of_return
    from portal.returns.signals import return_reviewed, return_submitted
    from portal.search.jobs import index_submitted_return

    code = ("import sys, portal.returns.services, portal.returns.review_queue; "
            "print(sorted(m for m in sys.modules if m.startswith(('portal.search', 'portal.collaboratives'))))")
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "[]"
    from portal.events import connect_receivers

    connect_receivers()
    connect_receivers()  # idempotent: create_app runs it for every app
    assert set(return_submitted.receivers_for(object())) >= {index_submitted_return, refresh_rollup_of_return}
    assert refresh_rollup_of_return in set(return_reviewed.receivers_for(object()))
    assert len(list(return_submitted.receivers_for(object()))) == 2
