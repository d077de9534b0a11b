"""What may be done with a tender, and what state it is in at a given moment.

A published tender is closed from its submission deadline by the server clock, whether or not
the sweep that records it (portal.procurement.jobs) has run yet: pages and the API read the
status through ``status_at``.
"""
from __future__ import annotations

from datetime import datetime

from portal.models_base import utcnow
from portal.procurement.models import CLOSED, DRAFT, PUBLISHED, STATUS_TAGS, STATUSES, Tender


def status_at(tender: Tender, now: datetime | None = None) -> str:
    now = now or utcnow()
    if tender.status == PUBLISHED and now >= tender.submission_deadline:
        return CLOSED
    return tender.status


def status_label(tender: Tender, now: datetime | None = None) -> str:
    return STATUSES[status_at(tender, now)]


def status_tag(tender: Tender, now: datetime | None = None) -> str:
    return STATUS_TAGS[status_at(tender, now)]


def is_open(tender: Tender, now: datetime | None = None) -> bool:
    return status_at(tender, now) == PUBLISHED


def is_draft(tender: Tender) -> bool:
    return tender.status == DRAFT


def owns(org_id: int, tender: Tender) -> bool:
    return tender.tenant_id == org_id
