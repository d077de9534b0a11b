from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEvent, PlatformAuditEvent
from portal.extensions import db
from portal.limits import clamp_offset


def list_audit_events(limit: int = 50, offset: int = 0) -> list[AuditEvent]:
    """The current organisation's events, newest first (scoped by the tenant layers)."""
    return list(db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit).offset(clamp_offset(offset))))


def list_platform_events(limit: int = 100) -> list[PlatformAuditEvent]:
    return list(db.session.scalars(
        select(PlatformAuditEvent).order_by(PlatformAuditEvent.id.desc()).limit(limit)))
