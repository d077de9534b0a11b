"""Jobs that survive a crash between commit and enqueue.

A service calls ``enqueue_after_commit(...)``: the message row is written in the same
transaction as the change it belongs to. After the commit the message is pushed to its RQ
queue (``portal/jobs.py`` names each job's queue) as the RQ job ``outbox-<id>``; if that push
is lost (crash, Redis down) ``sweep_outbox`` pushes it again. Every job runs through
``run_outbox_message``, which locks the row, runs the job as the message's tenant and marks
it done in the job's single commit, so a message is processed once even when it was
enqueued twice.

Coalescing: for a job marked ``coalesce`` in the table, a message that waits to start (not
done, its row not locked by a running job) takes in later identical requests, so any number
of submissions makes one pending rollup refresh per commissioner. A refresh that is already
running holds its row lock, so a change committed meanwhile makes a new message: no update
is lost.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Iterable

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue, Retry
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, event, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db
from portal.jobs import DEFAULT, JOBS, job_function, job_kind
from portal.models_base import created_at_column, utcnow
from portal.tenants.context import tenant_context

log = logging.getLogger(__name__)
RETRY = Retry(max=3, interval=[10, 60, 300])
FAILURE_TTL = 7 * 24 * 3600
#: RQ states in which a job will still run (or is running): the sweeper leaves these alone.
LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED, JobStatus.RATE_LIMITED,
        JobStatus.READY_TO_ENQUEUE}
#: The first key of the transaction-level advisory locks that serialise coalescing enqueues.
COALESCE_LOCK = 0x6F62  # "ob"
_PENDING = "outbox_pending"  # session.info key: (message id, job name) to push after commit


class OutboxMessage(db.Model):
    """A job to run after commit. A system table, not tenant-owned: the job runs as
    ``run_as_tenant_id`` (the tenant id is a job argument, as for every job)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_pending", "created_at", postgresql_where="done_at is null"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    job: Mapped[str] = mapped_column(String(100), nullable=False)
    payload: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    run_as_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at_column()
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


def rq_job_id(message_id: int) -> str:
    return f"outbox-{message_id}"


def redis_connection() -> Redis:
    """One client per app (and process: redis-py opens new connections after a fork)."""
    connection = current_app.extensions.get("portal_redis")
    if connection is None:
        connection = current_app.extensions["portal_redis"] = Redis.from_url(current_app.config["REDIS_URL"])
    return connection


def enqueue_after_commit(job_name: str, *, tenant_id: int | None, **payload) -> OutboxMessage:
    kind = job_kind(job_name)
    if kind.coalesce:
        waiting = _waiting_message(job_name, tenant_id, payload)
        if waiting is not None:
            return waiting
    message = OutboxMessage(job=job_name, payload=payload, run_as_tenant_id=tenant_id)
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append((message.id, job_name))
    return message


def _waiting_message(job_name: str, tenant_id: int | None, payload: dict) -> OutboxMessage | None:
    """An identical message that has not started, locked until this transaction ends (so no
    job can start it before this change is committed), or None.

    The advisory lock serialises enqueuers of this job for this tenant until they commit, so two
    requests cannot both find none and both add one. (Per job and tenant rather than per
    message: a transaction that asks for two returns to be indexed takes one lock, not two in
    an order another transaction might reverse.) A running job holds its message's row lock:
    ``SKIP LOCKED`` passes over it and the caller adds a new message."""
    key = json.dumps([job_name, tenant_id])
    db.session.execute(select(func.pg_advisory_xact_lock(COALESCE_LOCK, func.hashtext(key))))
    tenant = (OutboxMessage.run_as_tenant_id.is_(None) if tenant_id is None
              else OutboxMessage.run_as_tenant_id == tenant_id)
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.done_at.is_(None), OutboxMessage.job == job_name, tenant,
               OutboxMessage.payload == payload)
        .order_by(OutboxMessage.id).limit(1).with_for_update(skip_locked=True)).first()


def push(messages: Iterable[tuple[int, str]]) -> None:
    """Put ``(message id, job name)`` on each job's RQ queue as the job ``outbox-<id>``."""
    connection = redis_connection()
    queues: dict[str, Queue] = {}
    for message_id, job_name in messages:
        name = JOBS[job_name].queue if job_name in JOBS else DEFAULT
        queue = queues.get(name) or queues.setdefault(name, Queue(name, connection=connection))
        queue.enqueue(run_outbox_message, message_id, job_id=rq_job_id(message_id), retry=RETRY,
                      failure_ttl=FAILURE_TTL, description=f"{job_name} (outbox {message_id})")


@event.listens_for(Session, "after_commit")
def _push_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    try:
        push(pending)
    except Exception:  # Redis unreachable: the sweeper pushes these messages later
        log.exception("could not enqueue outbox messages %s; the sweeper will retry", [m for m, _ in pending])


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def mark_done_without_running() -> int:
    """Mark the messages made so far in this transaction done, and do not push them. For
    ``portal demo``, which writes the derived data itself; the caller commits."""
    pending = db.session.info.pop(_PENDING, [])
    if pending:
        db.session.execute(OutboxMessage.__table__.update()
                           .where(OutboxMessage.id.in_([m for m, _ in pending]))
                           .values(done_at=utcnow()))
    return len(pending)


def run_outbox_message(message_id: int) -> None:
    """The RQ entry point for every outbox job."""
    from portal.worker_app import app_context

    with app_context():
        message = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
        ).scalar_one_or_none()
        if message is None or message.done_at is not None:
            db.session.rollback()
            return
        try:
            with tenant_context(message.run_as_tenant_id):
                job_function(message.job)(**message.payload)
                message.attempts += 1
                message.done_at = utcnow()
                db.session.commit()
        except Exception as exc:
            db.session.rollback()
            db.session.execute(
                OutboxMessage.__table__.update().where(OutboxMessage.id == message_id)
                .values(attempts=OutboxMessage.attempts + 1, last_error=repr(exc)[:2000]))
            db.session.commit()
            raise  # RQ records the failure and retries


def sweep_outbox(older_than: timedelta | None = None) -> int:
    """Push again the messages not done ``older_than`` after they were made (by default
    ``OUTBOX_SWEEP_AFTER_SECONDS``, longer than any normal run) whose RQ job will not run:
    missing (its push was lost, or Redis lost it), finished or stopped without marking the
    message done, or failed after all its retries and left alone for the same delay. A job
    that is queued, running, deferred or scheduled for a retry is left alone, so sweeping
    never puts a job on a queue twice. Run every minute by ``rq cron portal.cron``.

    First, jobs whose worker died while running them are handed to RQ's retry
    (``portal.worker_reaper``): without that they would stay "started" for minutes."""
    from portal.worker_app import app_context
    from portal.worker_reaper import reap_abandoned_jobs

    with app_context():
        if older_than is None:
            older_than = timedelta(seconds=current_app.config["OUTBOX_SWEEP_AFTER_SECONDS"])
        reap_abandoned_jobs(redis_connection())
        cutoff = utcnow() - older_than
        rows = list(db.session.execute(
            select(OutboxMessage.id, OutboxMessage.job)
            .where(OutboxMessage.done_at.is_(None), OutboxMessage.created_at < cutoff)
            .order_by(OutboxMessage.id).limit(1000)))
        db.session.rollback()
        if not rows:
            return 0
        connection = redis_connection()
        jobs = Job.fetch_many([rq_job_id(message_id) for message_id, _ in rows], connection=connection)
        again = []
        for (message_id, job_name), rq_job in zip(rows, jobs):
            status = rq_job.get_status(refresh=False) if rq_job is not None else None
            if status in LIVE:
                continue
            if status == JobStatus.FAILED:
                if rq_job.ended_at and rq_job.ended_at > cutoff:
                    continue  # it failed recently: give whatever broke time to recover
                FailedJobRegistry(rq_job.origin, connection=connection).remove(rq_job.id)
            again.append((message_id, job_name))
        if again:
            log.warning("outbox: pushing %s messages again: %s", len(again), [m for m, _ in again][:50])
            push(again)
        return len(again)
