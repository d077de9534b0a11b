"""Releasing tender documents at their moment, and telling interested providers.

``release_tender_documents`` runs every minute (rq cron, ``portal/jobs.py``): each commissioner's
listed, current documents whose release moment has come are marked released (audited), and each
provider interested in the tender gets one email job listing what was released. Downloads do
not wait for it: a reader may download from the moment by the server clock
(``TenderDocument.is_released``); the sweep records the release and announces it. A moment
already passed at publication is released by the publication, without an email.

``notify_documents_released`` runs as the interested provider (the outbox job's tenant): it
reads the tender and the documents as that provider, so a provider outside a mini-competition's
audience can never be told of its documents.
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
from portal.procurement.models import CANCELLED, Interest, Tender
from portal.procurement.tender_document_models import CURRENT, TenderDocument
from portal.tenants.context import current_tenant_id, tenant_context
from portal.tenants.models import COMMISSIONER, PROVIDER, Membership, Organisation
from portal.urls import external_url

RECIPIENT_ROLES = ("submitter", "provider_admin")


def release_tender_documents(now: datetime | None = None) -> int:
    """Release every document whose moment has come; returns how many were released."""
    from portal.worker_app import app_context

    released = 0
    with app_context():
        now = now or utcnow()
        commissioners = list(db.session.scalars(select(Organisation.id).where(Organisation.kind == COMMISSIONER)
                                                .order_by(Organisation.id)))
        for commissioner_id in commissioners:
            with tenant_context(commissioner_id):
                released += release_own_documents(commissioner_id, now)
            db.session.commit()
    return released


def release_own_documents(commissioner_id: int, now: datetime) -> int:
    """The commissioner's due documents, released and audited, and the emails queued (a flush)."""
    due = list(db.session.scalars(
        select(TenderDocument).where(TenderDocument.tenant_id == commissioner_id, TenderDocument.listed.is_(True),
                                     TenderDocument.status == CURRENT, TenderDocument.released_at.is_(None),
                                     TenderDocument.release_at <= now)
        .order_by(TenderDocument.tender_id, TenderDocument.id).with_for_update(of=TenderDocument, skip_locked=True)))
    by_tender: dict[int, list[int]] = {}
    for item in due:
        item.released_at = now
        by_tender.setdefault(item.tender_id, []).append(item.id)
        record("tender_document_released", item, actor=None, title=item.title,
               release_at=item.release_at.isoformat())
    db.session.flush()
    for tender_id, ids in by_tender.items():
        tender = db.session.scalar(select(Tender).where(Tender.id == tender_id, Tender.tenant_id == commissioner_id))
        if tender is None or tender.status == CANCELLED:
            continue
        providers = sorted(set(db.session.scalars(select(Interest.tenant_id).where(
            Interest.commissioner_id == commissioner_id, Interest.tender_id == tender_id))))
        for provider_id in providers:
            enqueue_after_commit("notify_documents_released", tenant_id=provider_id, tender_id=tender_id,
                                 document_ids=ids)
    return len(due)


def notify_documents_released(tender_id: int, document_ids: list[int]) -> None:
    """Runs as the provider: email its submitters and administrators the released documents."""
    provider = db.session.get(Organisation, current_tenant_id())
    if provider is None or provider.kind != PROVIDER:
        return
    interest = db.session.scalar(select(Interest).where(Interest.tenant_id == provider.id,
                                                        Interest.tender_id == tender_id))
    tender = db.session.scalar(select(Tender).where(Tender.id == tender_id))
    if interest is None or tender is None:
        return  # no longer interested, or not a tender it may read
    documents = list(db.session.scalars(select(TenderDocument).where(
        TenderDocument.tender_id == tender.id, TenderDocument.tenant_id == tender.tenant_id,
        TenderDocument.id.in_(document_ids or []), TenderDocument.status == CURRENT)
        .order_by(TenderDocument.id)))
    if not documents:
        return
    link = external_url("tenders.show", slug=provider.slug, tender_id=tender.id)
    subject = f"Documents released on {tender.reference}: {tender.title}"[:200]
    recipients = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(RECIPIENT_ROLES), User.is_active_account)))
    for user in recipients:
        send_email(user.email, subject, "tender_documents_released", user=user, tender=tender, documents=documents,
                   link=link, organisation=provider)
