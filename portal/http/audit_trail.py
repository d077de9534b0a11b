"""The access trail, recorded once here for every route (``portal.audit.access`` writes it):

- every download: an answer with ``Content-Disposition``, a file type other than a page or
  JSON, or a redirect to a presigned storage link;
- every refused attempt across organisations: an object in the address that is not the
  organisation's (the loaders' 404), a slug of an organisation the person is not in, a token
  used at another organisation's address; and a read-only token on a changing route.

Each event names ids only (person, token, organisation, the object's kind and id), the route's
endpoint, the outcome and a keyed hash of the truncated address.
"""
from __future__ import annotations

import logging

from flask import g, request
from flask_login import current_user

from portal.audit import access
from portal.http.loaders import LOADERS

log = logging.getLogger(__name__)

#: Answers that are pages or data, not files.
NOT_FILES = frozenset({"text/html", "application/json", "application/problem+json", "text/plain"})
PRESIGNED_MARKS = ("X-Amz-Signature=", "Signature=")


def _who() -> dict:
    token = g.get("api_token")
    user_id = token.user_id if token is not None else (
        current_user.id if current_user and getattr(current_user, "is_authenticated", False) else None)
    return {"user_id": user_id, "token_id": token.id if token is not None else None}


def _kind(argument: str) -> str:
    return argument[:-3] if argument.endswith("_id") else argument


def refused(outcome: str, *, status: int, organisation_id: int | None, argument: str | None = None,
            value=None) -> None:
    """Record a refusal in its own transaction; the refusal stands even if the record fails."""
    try:
        access.record_access(outcome, endpoint=request.endpoint or "", method=request.method, status=status,
                             organisation_id=organisation_id, object_kind=_kind(argument) if argument else None,
                             object_id=value, remote_addr=request.remote_addr, **_who())
    except Exception:  # the answer is a refusal either way; the log says the trail missed one
        log.exception("access trail: could not record %s on %s", outcome, request.endpoint)


def remember_url_ids() -> None:
    """The raw ids in the address, before the loaders replace them with objects."""
    g.url_ids = {name: value for name, value in (request.view_args or {}).items() if name in LOADERS}


def is_download(response) -> bool:
    if request.endpoint in (None, "static") or not 200 <= response.status_code < 400:
        return False
    if response.status_code >= 300:
        location = response.headers.get("Location", "")
        return any(mark in location for mark in PRESIGNED_MARKS)
    if response.headers.get("Content-Disposition"):
        return True
    return response.mimetype not in NOT_FILES


def record_download(response) -> None:
    """A download is recorded in its own transaction; if it cannot be, the error answer goes out
    instead of the file (fail closed)."""
    if not is_download(response):
        return
    ids = g.get("url_ids") or {}
    argument = next((name for name in reversed(list(LOADERS)) if name in ids), None)
    organisation = g.get("organisation")
    access.record_access(access.DOWNLOADED, endpoint=request.endpoint, method=request.method,
                         status=response.status_code, organisation_id=organisation.id if organisation else None,
                         object_kind=_kind(argument) if argument else None,
                         object_id=ids.get(argument) if argument else None,
                         remote_addr=request.remote_addr, **_who())


def organisation_id_of(slug: str | None) -> int | None:
    """The organisation an address named, when it exists (the trail keeps its id, nothing more)."""
    from portal.tenants.queries import get_organisation_by_slug

    found = get_organisation_by_slug(slug) if slug else None
    return found.id if found is not None else None
