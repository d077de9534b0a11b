"""GET /healthz: the state of each part the portal needs."""
from __future__ import annotations

from botocore.config import Config
from flask import Blueprint, current_app, jsonify
from redis import Redis
from sqlalchemy import text

from portal.extensions import db, limiter

bp = Blueprint("health", __name__)


def _check_database() -> None:
    db.session.execute(text("select 1"))
    db.session.rollback()


def _check_redis() -> None:
    Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2).ping()


def _check_storage() -> None:
    from portal.storage import s3_client

    s3_client(config=Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 1})).head_bucket(
        Bucket=current_app.config["S3_BUCKET"])


@bp.get("/healthz")
@limiter.exempt
def healthz():
    parts = {}
    for name, check in (("database", _check_database), ("redis", _check_redis), ("storage", _check_storage)):
        try:
            check()
            parts[name] = "ok"
        except Exception as exc:  # any failure of a part is reported, not raised
            current_app.logger.warning("health check %s failed: %r", name, exc)
            parts[name] = "unavailable"
    failing = [name for name, state in parts.items() if state != "ok"]
    body = {"status": "ok" if not failing else "unavailable", **parts}
    if failing:
        body["failing"] = failing
    return jsonify(body), 200 if not failing else 503




# Load balancers probe over plain HTTP inside the network: never redirect this to HTTPS.
healthz.talisman_view_options = {"force_https": False}
