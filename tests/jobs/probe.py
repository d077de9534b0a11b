"""A job for the worker tests, run by a real `rq worker` process (importable from the checkout)."""
from __future__ import annotations

import os


def where_the_app_was_built() -> dict:
    """Which process built the Flask app this job uses; the job also reads from the database."""
    from sqlalchemy import text

    from portal import worker_app
    from portal.extensions import db

    with worker_app.app_context():
        one = db.session.scalar(text("select 1"))
        db.session.rollback()
    return {"built_in": worker_app.built_in_process, "horse": os.getpid(), "worker": os.getppid(), "db": one}
