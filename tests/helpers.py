"""Helpers shared by tests: run queued jobs with a real RQ worker, read the dev mailbox."""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import select


def queues() -> list[Queue]:
    """The portal's RQ queues, in priority order, on the test Redis."""
    from portal.jobs import QUEUES

    connection = Redis.from_url(os.environ["REDIS_URL"])
    return [Queue(name, connection=connection) for name in QUEUES]


def queued() -> int:
    """How many job entries wait on the portal's queues (a job queued twice counts twice)."""
    return sum(queue.count for queue in queues())


def run_jobs(app, *, retries_now: bool = False) -> int:
    """Run every queued job in this process with RQ's SimpleWorker (real Redis, real queues).
    ``retries_now``: first make the retries RQ has scheduled due, and let RQ's scheduler queue them."""
    portal_queues = queues()
    if retries_now:
        bring_retries_forward()
    pending = sum(queue.count + (queue.scheduled_job_registry.count if retries_now else 0)
                  for queue in portal_queues)
    with app.app_context():
        SimpleWorker(portal_queues, connection=portal_queues[0].connection).work(
            burst=True, with_scheduler=retries_now)
    return pending


def bring_retries_forward() -> int:
    """Make every retry that RQ has scheduled (in 10 s, 60 s, 300 s) due now."""
    moved = 0
    for queue in queues():
        registry = queue.scheduled_job_registry
        for job_id in registry.get_job_ids():
            registry.schedule(queue.fetch_job(job_id), datetime.now(timezone.utc) - timedelta(seconds=1))
            moved += 1
    return moved


def mailbox(app, to: str | None = None) -> list:
    from portal.extensions import db
    from portal.notifications.models import DevMailboxMessage

    with app.app_context():
        query = select(DevMailboxMessage).order_by(DevMailboxMessage.id)
        if to:
            query = query.where(DevMailboxMessage.to_address == to)
        messages = list(db.session.scalars(query))
        for m in messages:
            db.session.expunge(m)
        return messages


def link_in(body: str, base: str = "http://testserver") -> str:
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0).replace(base, "")


def documents_of(app, org) -> list:
    """The organisation's documents, oldest first, detached from the session."""
    from sqlalchemy import select

    from portal.documents.models import Document
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org.id):
        rows = list(db.session.scalars(select(Document).order_by(Document.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


@contextmanager
def statements_sent(app):
    """Every statement sent to PostgreSQL while the block runs (SQLAlchemy's before_cursor_execute)."""
    from sqlalchemy import event

    from portal.extensions import db

    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
