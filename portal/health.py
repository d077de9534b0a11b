"""The state of each part the portal needs: database, Redis, object storage."""
from __future__ import annotations

from botocore.config import Config
from flask import current_app
from redis import Redis
from sqlalchemy import text

from portal.extensions import db


def _check_database() -> None:
    db.session.execute(text("select 1"))
    db.session.rollback()


def _check_redis() -> None:
    Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2).ping()


def _check_storage() -> None:
    from portal.storage import s3_client

    s3_client(config=Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 1})).head_bucket(
        Bucket=current_app.config["S3_BUCKET"])


def check_parts() -> dict[str, str]:
    """``ok`` or ``unavailable`` for each part; a failure is reported, never raised. The virus
    scanner is also ``not_configured`` when there is none (not a failure: documents say "Not
    scanned"); a configured scanner that does not answer is a failing part."""
    parts = {}
    for name, check in (("database", _check_database), ("redis", _check_redis), ("storage", _check_storage)):
        try:
            check()
            parts[name] = "ok"
        except Exception as exc:  # any failure of a part is reported, not raised
            current_app.logger.warning("health check %s failed: %r", name, exc)
            parts[name] = "unavailable"
    try:
        from portal.documents.scanning import scanner_health

        parts["scanner"] = scanner_health()
    except Exception as exc:  # a misconfigured scanner is reported, not raised
        current_app.logger.warning("health check scanner failed: %r", exc)
        parts["scanner"] = "unavailable"
    return parts
