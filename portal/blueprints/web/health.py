"""GET /healthz: the state of each part the portal needs."""
from __future__ import annotations

from flask import Blueprint, jsonify

from portal.extensions import limiter
from portal.health import check_parts
from portal.http.access import PUBLIC, requires

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@requires(PUBLIC)
@limiter.exempt
def healthz():
    parts = check_parts()
    failing = [name for name, state in parts.items() if state not in ("ok", "not_configured")]
    body = {"status": "ok" if not failing else "unavailable", **parts}
    if failing:
        body["failing"] = failing
    return jsonify(body), 200 if not failing else 503


# Load balancers probe over plain HTTP inside the network: never redirect this to HTTPS.
healthz.talisman_view_options = {"force_https": False}
