"""Jobs that survive a crash between commit and enqueue.

A service calls ``enqueue_after_commit(...)``: the message row is written in the same
transaction as the change it belongs to. After the commit the message is pushed to RQ;
if that push is lost (crash, Redis down) ``sweep_outbox`` pushes it again. Every job runs
through ``run_outbox_message``, which locks the row, runs the job as the message's tenant
and marks it done in the job's single commit, so a message is processed once even when
it was enqueued twice.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue, Retry
from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, event, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db
from portal.models_base import created_at_column, utcnow
from portal.tenants.context import tenant_context

log = logging.getLogger(__name__)
JOBS: dict[str, Callable[..., None]] = {}
QUEUE_NAME = "default"


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


def job(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a function as an outbox job under a stable name."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        JOBS[name] = fn
        return fn

    return register


def redis_connection() -> Redis:
    return Redis.from_url(current_app.config["REDIS_URL"])


def get_queue() -> Queue:
    return Queue(QUEUE_NAME, connection=redis_connection())


def enqueue_after_commit(job_name: str, *, tenant_id: int | None, **payload) -> OutboxMessage:
    if job_name not in JOBS:
        raise KeyError(f"unknown outbox job {job_name!r}")
    message = OutboxMessage(job=job_name, payload=payload, run_as_tenant_id=tenant_id)
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault("outbox_ids", []).append(message.id)
    return message


def push(message_ids: list[int]) -> None:
    queue = get_queue()
    for message_id in message_ids:
        queue.enqueue(run_outbox_message, message_id, job_id=f"outbox-{message_id}",
                      retry=Retry(max=3, interval=[10, 60, 300]), failure_ttl=7 * 24 * 3600)


@event.listens_for(Session, "after_commit")
def _push_after_commit(session: Session) -> None:
    ids = session.info.pop("outbox_ids", None)
    if not ids or not has_app_context():
        return
    try:
        push(ids)
    except Exception:  # Redis unreachable: the sweeper pushes these messages later
        log.exception("could not enqueue outbox messages %s; the sweeper will retry", ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("outbox_ids", None)


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
                JOBS[message.job](**message.payload)
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


def sweep_outbox(older_than: timedelta = timedelta(minutes=1)) -> int:
    """Push again every message not done after ``older_than`` (run by rq cron)."""
    from portal.worker_app import app_context

    with app_context():
        ids = list(db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.done_at.is_(None), OutboxMessage.created_at < utcnow() - older_than)
            .order_by(OutboxMessage.id).limit(1000)))
        db.session.rollback()
        if ids:
            push(ids)
        return len(ids)
