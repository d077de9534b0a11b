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
            seed_demo_clarifications(tender_id, commissioner)
    return made


# (asking provider, question as asked, as published or None to keep it, answer, private reason or None)
QUESTIONS = (
    ("riverside-care", "Is TUPE expected to apply to staff of the current providers?", None,
     "Yes. TUPE information for both lots will be released with the second set of documents.", None),
    ("hillview-support", "Hillview already delivers in Easterhouse: can our existing rota carry over into lot 2?",
     "Can a provider's existing rota in the area carry over into lot 2?",
     "Yes, where it meets the staffing levels in the specification; say so in your method statement.", None),
    ("brightpath-support", "How will hours be reported each month: through the portal or by spreadsheet?", None,
     "Through the portal's monthly return; spreadsheets are accepted in the first three months.", None),
    ("riverside-care", "Our night-visit rate is above the guide price: would our bid be rejected outright?", None,
     "No: bids above the guide price are evaluated, and the price score reflects it.",
     "The question is about the provider's own prices, which are commercially sensitive"),
    ("brightpath-support", "Can a provider bid for both lots and be awarded both?", None, None, None),
)


def seed_demo_clarifications(tender_id: int, commissioner) -> None:
    """Questions on the open tender from several providers: three published clarifications (one
    edited to remove who asked), one private answer and one waiting for an answer."""
    from portal.procurement.clarification_queries import get_question
    from portal.procurement.clarifications import answer_question, ask_question

    asked = []
    for slug, text, published, answer, reason in QUESTIONS:
        provider = get_organisation_by_slug(slug)
        if provider is None:
            continue
        with tenant_context(provider.id):
            question = ask_question(provider, db.session.get(Tender, tender_id), text, actor=None)
            asked.append((question.id, published, answer, reason))
    with tenant_context(commissioner.id):
        for question_id, published, answer, reason in asked:
            if answer is not None:
                answer_question(get_question(question_id), answer, publish=reason is None, question_text=published,
                                reason=reason, actor=None)
