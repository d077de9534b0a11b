"""Write audit events. Services call ``record`` for every state change they make."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from portal.audit.models import AuditEvent, PlatformAuditEvent
from portal.extensions import db
from portal.tenants.context import current_tenant_id


def _origin() -> dict:
    if not has_request_context():
        return {"ip_address": None, "user_agent": "worker"}
    return {"ip_address": request.remote_addr, "user_agent": (request.user_agent.string or "")[:300]}


def _actor_id(actor) -> int | None:
    if actor is not None:
        return actor.id
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def _object_ref(obj) -> dict:
    if obj is None:
        return {"object_type": None, "object_id": None}
    return {"object_type": type(obj).__name__, "object_id": str(obj.id)}


def record(action: str, obj=None, *, actor=None, **details) -> AuditEvent:
    """An event in the current organisation."""
    event = AuditEvent(tenant_id=current_tenant_id(), action=action, actor_id=_actor_id(actor),
                       details=details, **_object_ref(obj), **_origin())
    db.session.add(event)
    return event


def record_platform(action: str, obj=None, *, actor=None, organisation=None, **details) -> PlatformAuditEvent:
    """An account or platform event that belongs to no single organisation."""
    event = PlatformAuditEvent(action=action, actor_id=_actor_id(actor), details=details,
                               organisation_id=organisation.id if organisation else None,
                               **_object_ref(obj), **_origin())
    db.session.add(event)
    return event
