"""Tender jobs: closing tenders at their deadline, and telling interested providers of changes.

``close_tenders`` runs every minute (rq cron): each commissioner's published tenders past their
submission deadline become closed, audited once. Pages and the API already read a tender as
closed from its deadline by the server clock (``policy.status_at``); the sweep records it.

``notify_interested`` runs as one interested provider (the outbox job's tenant) and emails its
submitters and administrators: a provider's members are not readable by the commissioner.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.services import record
from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.services import send_email
from portal.outbox import enqueue_after_commit
from portal.procurement.models import CLOSED, PUBLISHED, Interest, Tender
from portal.tenants.context import current_tenant_id, tenant_context
from portal.tenants.models import COMMISSIONER, Membership, Organisation
from portal.urls import external_url

RECIPIENT_ROLES = ("submitter", "provider_admin")
SUBJECTS = {
    "cancelled": "A tender you follow has been cancelled",
    "amended": "A tender you follow has been changed",
}


def close_tenders(now: datetime | None = None) -> int:
    """Close every published tender whose deadline for bids has passed; returns how many."""
    from portal.worker_app import app_context

    closed = 0
    with app_context():
        now = now or utcnow()
        commissioners = list(db.session.scalars(select(Organisation.id).where(Organisation.kind == COMMISSIONER)
                                                .order_by(Organisation.id)))
        for commissioner_id in commissioners:
            with tenant_context(commissioner_id):
                closed += close_own_tenders(commissioner_id, now)
            db.session.commit()
    return closed


def close_own_tenders(commissioner_id: int, now: datetime) -> int:
    """The commissioner's own published tenders past their deadline, closed and audited (a flush)."""
    due = list(db.session.scalars(
        select(Tender).where(Tender.tenant_id == commissioner_id, Tender.status == PUBLISHED,
                             Tender.submission_deadline <= now).with_for_update(of=Tender, skip_locked=True)))
    for tender in due:
        tender.status = CLOSED
        record("tender_closed", tender, actor=None, reference=tender.reference,
               deadline=tender.submission_deadline.isoformat())
    db.session.flush()
    return len(due)


def tell_interested_providers(tender: Tender, event: str) -> int:
    """Queue, after commit, one email job per provider interested in the commissioner's tender."""
    providers = list(db.session.scalars(select(Interest.tenant_id).where(
        Interest.commissioner_id == current_tenant_id(), Interest.tender_id == tender.id)))
    for provider_id in providers:
        enqueue_after_commit("notify_interested", tenant_id=provider_id, tender_id=tender.id, event=event)
    return len(providers)


def notify_interested(tender_id: int, event: str) -> None:
    """Runs as the provider: email its submitters and administrators about the tender."""
    provider_id = current_tenant_id()
    interest = db.session.scalar(select(Interest).where(Interest.tenant_id == provider_id,
                                                        Interest.tender_id == tender_id))
    tender = db.session.scalar(select(Tender).where(Tender.id == tender_id))
    if interest is None or tender is None:
        return  # no longer interested, or the tender is not one it may read
    organisation = db.session.get(Organisation, provider_id)
    link = external_url("tenders.show", slug=organisation.slug, tender_id=tender.id)
    recipients = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(RECIPIENT_ROLES), User.is_active_account)))
    for user in recipients:
        send_email(user.email, f"{SUBJECTS[event]}: {tender.reference}", "tender_changed", user=user, tender=tender,
                   event=event, link=link, organisation=organisation)
