"""The demo's tenders: Glasgow's care-at-home tender open for questions and bids (the deadline
for questions more than three weeks ahead), with interest from several providers, and a draft
of Aberdeen's supported-living tender. Dates are relative to the day the demo is seeded."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.extensions import db
from portal.models_base import utcnow
from portal.procurement import services
from portal.procurement.models import Tender
from portal.tenants.context import tenant_context
from portal.tenants.queries import get_organisation_by_slug

LONDON = ZoneInfo("Europe/London")
OPEN_TENDER = ("glasgow-hscp", "GCH-2027-CAH", "Care at home, north east and east",
               "Care and support at home for adults in the north east and east of the city, commissioned for "
               "outcomes: people stay well at home, independent and connected to their communities. Two lots, "
               "one per locality. The contracts run for three years from the contract start, with an option to "
               "extend by two.",
               [{"title": "North East", "estimated_value": "4200000.00",
                 "description": "About 310 people and 5,200 hours a week"},
                {"title": "East", "estimated_value": "3600000.00",
                 "description": "About 270 people and 4,400 hours a week"}])
DRAFT_TENDER = ("aberdeen-hscp", "ACH-2027-SL", "Supported living, Torry and Kincorth",
                "Supported living for adults with a learning disability.",
                [{"title": "Torry and Kincorth", "estimated_value": "1900000.00", "description": ""}])
INTERESTED = ("riverside-care", "hillview-support", "brightpath-support")


def seed_demo_tenders() -> int:
    """Make the demo tenders that are missing; returns how many were made."""
    now = utcnow()
    today = now.astimezone(LONDON).date()
    made = 0
    for (slug, reference, title, description, lots), publish, days in (
            (OPEN_TENDER, True, 45), (DRAFT_TENDER, False, 60)):
        commissioner = get_organisation_by_slug(slug)
        if commissioner is None:
            continue
        with tenant_context(commissioner.id):
            if db.session.scalar(select(Tender.id).where(Tender.tenant_id == commissioner.id,
                                                         Tender.reference == reference)):
                continue
            deadline = datetime.combine(today + timedelta(days=days), time(12), tzinfo=LONDON)
            tender = services.create_tender(commissioner, reference=reference, title=title, description=description,
                                            service_type="care_at_home" if publish else "supported_living",
                                            regime="scotland", published_at=now, submission_deadline=deadline,
                                            lots=lots, actor=None)
            if publish:
                services.publish(tender, actor=None, now=now)
            tender_id = tender.id
        made += 1
        if publish:
            for provider_slug in INTERESTED:
                provider = get_organisation_by_slug(provider_slug)
                if provider is not None:
                    with tenant_context(provider.id):
                        services.register_interest(provider, db.session.get(Tender, tender_id), actor=None)
    return made
