from __future__ import annotations

from sqlalchemy import or_, select

from portal.accounts.models import User
from portal.audit.filters import SYSTEM, AuditFilters
from portal.audit.models import AuditEvent, PlatformAuditEvent
from portal.extensions import db
from portal.limits import clamp_offset


def _filtered(query, filters: AuditFilters | None):
    if filters is None:
        return query
    if filters.person == SYSTEM:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif filters.person is not None:
        query = query.where(AuditEvent.actor_id == filters.person)
    if filters.actions:
        query = query.where(or_(*(
            AuditEvent.action.startswith(action, autoescape=True) if action.endswith("_")
            else AuditEvent.action == action for action in filters.actions)))
    if filters.starts:
        query = query.where(AuditEvent.created_at >= filters.starts)
    if filters.ends:
        query = query.where(AuditEvent.created_at < filters.ends)
    return query


def list_audit_events(limit: int = 50, offset: int = 0, filters: AuditFilters | None = None) -> list[AuditEvent]:
    """The current organisation's events, newest first (scoped by the tenant layers)."""
    return list(db.session.scalars(
        _filtered(select(AuditEvent), filters).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit).offset(clamp_offset(offset))))


def audit_people() -> dict[int | str, str]:
    """Everyone who did something in the current organisation's log (id -> name), by name, and
    the portal itself when it did something on its own."""
    actor_ids = select(AuditEvent.actor_id).distinct().scalar_subquery()
    people = {user.id: user.display_name for user in db.session.scalars(
        select(User).where(User.id.in_(actor_ids)))}
    ordered: dict[int | str, str] = dict(sorted(people.items(), key=lambda item: item[1].casefold()))
    if db.session.scalar(select(AuditEvent.id).where(AuditEvent.actor_id.is_(None)).limit(1)) is not None:
        ordered[SYSTEM] = "The portal (automatic checks and imports)"
    return ordered


def list_platform_events(limit: int = 100) -> list[PlatformAuditEvent]:
    return list(db.session.scalars(
        select(PlatformAuditEvent).order_by(PlatformAuditEvent.id.desc()).limit(limit)))
