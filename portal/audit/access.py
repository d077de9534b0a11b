"""The access trail: downloads and refused cross-organisation attempts, without personal data.

The request pipeline calls ``record_access`` once per download and once per refusal
(``portal.http.audit_trail``). Each event is written in its own short transaction on its own
connection: a refused request rolls its own work back, and its refusal must stay recorded.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress

from flask import current_app

from portal.audit.models import AccessEvent
from portal.extensions import db

DOWNLOADED = "downloaded"
REFUSED_OBJECT = "refused_object"                   # an id in the address that is not the organisation's
REFUSED_ORGANISATION = "refused_organisation"       # a slug of an organisation the person is not in
REFUSED_TOKEN_ORGANISATION = "refused_token_organisation"  # a token used for an organisation it does not name
REFUSED_SCOPE = "refused_scope"                     # a read-only token on a route that changes things
OUTCOMES = (DOWNLOADED, REFUSED_OBJECT, REFUSED_ORGANISATION, REFUSED_TOKEN_ORGANISATION, REFUSED_SCOPE)


def address_digest(remote_addr: str | None) -> str | None:
    """The caller's address, truncated (IPv4 to /24, IPv6 to /48) and then hashed with a key:
    enough to see that attempts come from one network, never enough to name a household."""
    if not remote_addr:
        return None
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"access-trail:" + str(network).encode(), hashlib.sha256).hexdigest()[:16]


def record_access(outcome: str, *, endpoint: str, method: str, status: int, user_id: int | None,
                  token_id: int | None, organisation_id: int | None, object_kind: str | None = None,
                  object_id: object = None, remote_addr: str | None = None) -> None:
    """Write one event now, in its own transaction (never the request's). A failure raises: the
    caller decides whether the answer stands without its record (a refusal) or not (a download)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown access outcome {outcome!r}")
    row = {"outcome": outcome, "endpoint": endpoint[:120], "method": method[:10], "status": status,
           "user_id": user_id, "token_id": token_id, "organisation_id": organisation_id,
           "object_kind": object_kind[:60] if object_kind else None,
           "object_id": str(object_id)[:40] if object_id is not None else None,
           "address": address_digest(remote_addr)}
    with db.engine.begin() as connection:
        connection.execute(AccessEvent.__table__.insert().values(**row))
