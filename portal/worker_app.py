"""One Flask app per worker process.

``portal.worker.Worker`` builds it once, before it forks any work horse, so every job reuses
it; anything else that runs a job without an app context (``rq worker`` with RQ's own worker
class, a script) builds it on first use.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import configure_mappers

from portal.tenants.context import clear_identity

_app: Flask | None = None
built_in_process: int | None = None  # the process that built ``_app`` (work horses inherit it)


def build_app() -> Flask:
    """Build the worker's app (once per process) and import every job's module."""
    global _app, built_in_process
    if _app is None:
        from portal import create_app
        from portal.jobs import import_job_functions

        _app = create_app()
        import_job_functions()
        configure_mappers()  # once here, not in every work horse (it takes tens of milliseconds)
        _warm_up(_app)
        built_in_process = os.getpid()
    return _app


def _warm_up(app: Flask) -> None:
    """Connect once, so that SQLAlchemy learns the server's dialect details here rather than in
    every work horse, and compile the outbox's own query; then close the connection, so that no
    connection is shared with a forked process."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.outbox import OutboxMessage

    with app.app_context():
        db.session.execute(select(OutboxMessage).where(OutboxMessage.id == 0).with_for_update())
        db.session.rollback()
        for engine in db.engines.values():
            engine.dispose()
        _preload(app)


def _preload(app: Flask) -> None:
    """What jobs load on first use, loaded once here for every work horse to inherit: the file
    readers of the document checks and boto3's S3 models (a client made here opens no connection).
    Without this each document job spent about 0.3 s importing them again (bench/jobs.py)."""
    import docx  # noqa: F401
    import openpyxl  # noqa: F401
    import pypdf  # noqa: F401

    if app.config.get("S3_BUCKET"):  # AWS itself has no S3_ENDPOINT_URL
        from portal.storage import s3_client

        s3_client()


def after_fork_in_child() -> None:
    """In a forked work horse: never use the parent's pooled database connections (the parent
    keeps them; SQLAlchemy's "Using Connection Pools with Multiprocessing or os.fork()")."""
    if _app is None:
        return
    from portal.extensions import db

    with _app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


@contextmanager
def app_context() -> Iterator[Flask]:
    """Reuse the caller's app context (tests, synchronous runs) or the worker's own app."""
    if has_app_context():
        yield current_app._get_current_object()
        return
    app = build_app()
    with app.app_context():
        try:
            yield app
        finally:
            clear_identity()
