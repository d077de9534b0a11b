"""The demo's bids: quality questions on Glasgow's open care-at-home tender (so a provider can bid),
and Glasgow's supported-living tender whose deadline for bids passed three days before the demo was
seeded, with sealed bids from three providers (Hillview Support leading a consortium with Oakfield
Care), not yet opened: two of Glasgow's procurement team can open them. Everything goes through the
services, at the moments it would have happened (their ``now``); each bid has a method statement,
checked and sealed like any upload."""
from __future__ import annotations

import io
import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.errors import ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.procurement import bid_documents, bid_members, bids, services
from portal.procurement.bid_models import Bid, QualityQuestion
from portal.procurement.bid_queries import memberships_of
from portal.procurement.jobs import close_own_tenders
from portal.procurement.models import Tender
from portal.tenants.context import tenant_context
from portal.tenants.queries import get_organisation_by_slug

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")
OPEN_TENDER = ("glasgow-hscp", "GCH-2027-CAH")
CLOSED_TENDER = ("GCH-2026-SL", "Supported living, south of the city",
                 "Supported living for adults with a learning disability or autism in the south of the city: "
                 "housing support and care in people's own tenancies, commissioned for outcomes.",
                 [{"title": "South West", "estimated_value": "2800000.00", "description": "About 60 people"},
                  {"title": "South East", "estimated_value": "2400000.00", "description": "About 50 people"}])
QUESTIONS = (
    ("How will you help people stay well, safe and independent at home?", 40, 500),
    ("How will you recruit, train and keep care staff, paying at least the Real Living Wage?", 30, 400),
    ("How will you work with the HSCP, families and community partners on each person's outcomes?", 30, 300),
)
# (provider, lot, price, consortium (member, role, share, part) or None)
BIDS = (
    ("riverside-care", 1, "2745000.00", None),
    ("hillview-support", 1, "2690000.00", ("oakfield-care", "member", "35", "Overnight support across the lot")),
    ("brightpath-support", 1, "2810000.00", None),
)


def seed_demo_bids(today=None) -> int:
    """Make what is missing; returns how many bids were made."""
    now = utcnow()
    today = today or now.astimezone(LONDON).date()
    commissioner = get_organisation_by_slug(OPEN_TENDER[0])
    if commissioner is None:
        return 0
    with tenant_context(commissioner.id):
        open_id = db.session.scalar(select(Tender.id).where(Tender.tenant_id == commissioner.id,
                                                            Tender.reference == OPEN_TENDER[1]))
        if open_id is not None:
            _questions(db.session.get(Tender, open_id))
        reference, title, description, lots = CLOSED_TENDER
        if db.session.scalar(select(Tender.id).where(Tender.tenant_id == commissioner.id,
                                                     Tender.reference == reference)):
            return 0
        deadline = datetime.combine(today - timedelta(days=3), time(12), tzinfo=LONDON)
        published = deadline - timedelta(days=50)
        tender = services.create_tender(commissioner, reference=reference, title=title, description=description,
                                        service_type="supported_living", regime="scotland", published_at=published,
                                        submission_deadline=deadline, lots=lots, actor=None)
        services.publish(tender, actor=None, now=published)
        _questions(tender)
        tender_id = tender.id
    made = 0
    for number, (slug, lot, price, consortium) in enumerate(BIDS):
        provider = get_organisation_by_slug(slug)
        if provider is not None:
            made += _bid(provider, tender_id, lot, price, consortium, at=deadline - timedelta(days=6 - number))
    with tenant_context(commissioner.id):
        close_own_tenders(commissioner.id, now)
    return made


def _questions(tender: Tender) -> None:
    if db.session.scalar(select(QualityQuestion.id).where(QualityQuestion.tender_id == tender.id)):
        return
    for number, (text, weight, words) in enumerate(QUESTIONS, start=1):
        db.session.add(QualityQuestion(tenant_id=tender.tenant_id, tender_id=tender.id, number=number, text=text,
                                       weight=weight, word_limit=words, listed=tender.listed,
                                       guidance="Give examples from services you run now."))
    db.session.flush()


def _bid(provider, tender_id: int, lot: int, price: str, consortium, *, at: datetime) -> int:
    with tenant_context(provider.id):
        tender = db.session.get(Tender, tender_id)
        bid = bids.start_bid(provider, tender, lot, actor=None, now=at)
        bids.save_price(bid, price, actor=None, now=at)
        bids.save_answers(bid, {str(n): f"{provider.name}'s answer to question {n}: our approach, with examples from "
                                        f"the services we run now, is in section {n} of our method statement."
                                for n in range(1, len(QUESTIONS) + 1)}, actor=None, now=at)
        try:
            bid_documents.upload(bid, [FileStorage(io.BytesIO(_method_statement(provider.name)),
                                                   filename="method-statement.pdf")], actor=None, now=at)
        except ServiceError as exc:  # a configured virus scanner that is down: the bid goes without it
            log.warning("demo bid of %s: no method statement (%s)", provider.slug, exc.message)
        member = get_organisation_by_slug(consortium[0]) if consortium else None
        if member is not None:
            bid_members.add_member(bid, member.slug, role=consortium[1], share=consortium[2], part=consortium[3],
                                   actor=None, now=at)
        bid_id = bid.id
    if member is not None:
        with tenant_context(member.id):
            row = next(m for m in memberships_of(member.id) if m.bid_id == bid_id)
            bid_members.confirm_part(member, row, actor=None, now=at + timedelta(hours=2))
    with tenant_context(provider.id):
        bids.submit(db.session.get(Bid, bid_id), declaration=True, actor=None, now=at + timedelta(hours=3))
    return 1


def _method_statement(name: str) -> bytes:
    """A one-page method statement (reportlab, which the portal already uses for PDFs)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=True)
    page.setTitle(f"{name}: method statement")
    page.setFont("Helvetica-Bold", 16)
    page.drawString(72, 770, f"{name}: method statement")
    page.setFont("Helvetica", 11)
    for line, text in enumerate(("Supported living, south of the city (GCH-2026-SL)",
                                 "How we support people to live well in their own homes,",
                                 "how we staff the service, and how we work with partners."), start=1):
        page.drawString(72, 770 - 24 * line, text)
    page.showPage()
    page.save()
    return out.getvalue()
