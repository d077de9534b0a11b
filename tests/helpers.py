"""Helpers shared by tests: run queued jobs with a real RQ worker, read the dev mailbox."""
from __future__ import annotations

import os
import re

from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import select


def run_jobs(app) -> int:
    """Run every queued job in this process with RQ's SimpleWorker (real Redis, real queue)."""
    connection = Redis.from_url(os.environ["REDIS_URL"])
    queue = Queue("default", connection=connection)
    pending = queue.count
    with app.app_context():
        SimpleWorker([queue], connection=connection).work(burst=True)
    return pending


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
