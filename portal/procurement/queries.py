"""Reading tenders: a commissioner's own (drafts included) and the published ones everyone sees."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models_base import utcnow
from portal.procurement.models import CLOSED, DRAFT, PUBLISHED, Interest, Tender
from portal.tenants.context import current_tenant_id

#: The list's status filter: open (published, before the deadline), closed, or any stored status.
FILTERS = ("open", "closed", "draft", "evaluation", "awarded", "cancelled")


def get_tender(tender_id: int) -> Tender | None:
    """The organisation's own tender, or a published one (the ORM criteria and RLS decide)."""
    return db.session.scalar(select(Tender).where(Tender.id == tender_id))


def listed_tenders(*, limit: int, offset: int = 0) -> list[Tender]:
    """Published tenders the organisation sees (cancelled ones stay listed), oldest first: a stable
    order for paging through them all."""
    return list(db.session.scalars(select(Tender).where(Tender.listed).order_by(Tender.id)
                                   .limit(limit).offset(offset)))


def list_tenders(*, q: str = "", status: str = "", mine: bool = False, limit: int = 200,
                 offset: int = 0) -> list[Tender]:
    """Tenders the organisation sees, soonest deadline first among open ones; ``mine``: only
    the organisation's own; ``q``: words of the reference, title or description."""
    now = utcnow()
    query = select(Tender)
    if mine:
        query = query.where(Tender.tenant_id == current_tenant_id())
    if q.strip():
        query = query.where(Tender.search.bool_op("@@")(func.websearch_to_tsquery("english", q.strip())))
    if status == "open":
        query = query.where(Tender.status == PUBLISHED, Tender.submission_deadline > now)
    elif status == CLOSED:
        query = query.where(Tender.status == PUBLISHED, Tender.submission_deadline <= now)
    elif status:
        query = query.where(Tender.status == status)
    opened = (Tender.status == PUBLISHED) & (Tender.submission_deadline > now)
    query = query.order_by(opened.desc(), Tender.status == DRAFT, Tender.submission_deadline, Tender.id)
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def interest_of(provider_id: int, tender: Tender) -> Interest | None:
    return db.session.scalar(select(Interest).where(Interest.tenant_id == provider_id,
                                                    Interest.tender_id == tender.id))


def interested_providers(tender: Tender) -> list[Interest]:
    """The providers interested in the commissioner's own tender (for the procurement team)."""
    return list(db.session.scalars(select(Interest).where(Interest.commissioner_id == tender.tenant_id,
                                                          Interest.tender_id == tender.id)
                                   .order_by(Interest.created_at)))


def amendment_rows(tender: Tender) -> list[tuple]:
    """Each amendment with its changes as (label, before, after, word differences or None)."""
    from portal.returns.diffs import word_diff

    return [(amendment, [(change["label"], change["before"], change["after"],
                          word_diff(change["before"], change["after"]) if name in ("title", "description") else None)
                         for name, change in amendment.changes.items()])
            for amendment in reversed(tender.amendments)]


def published_enquiries(tender: Tender) -> list[dict]:
    """The tender's published clarifications as OCDS enquiries (the enquiry extension), oldest
    first: the published question and answer, their lot, no author (the asker stays anonymous)."""
    from portal.procurement.clarification_queries import clarifications_of

    return [_enquiry(c) for c in sorted(clarifications_of(tender), key=lambda c: c.number)]


def published_enquiries_of(tenders: list[Tender]) -> dict[int, list[dict]]:
    """``published_enquiries`` of many tenders in one statement, by tender id (the bulk download)."""
    from portal.procurement.clarification_models import Clarification

    found: dict[int, list[dict]] = {tender.id: [] for tender in tenders}
    pairs = {(tender.tenant_id, tender.id) for tender in tenders}
    if not pairs:
        return found
    rows = db.session.scalars(select(Clarification).where(
        Clarification.tender_id.in_([tender_id for _, tender_id in pairs]),
        Clarification.tenant_id.in_({tenant_id for tenant_id, _ in pairs}))
        .order_by(Clarification.tender_id, Clarification.number))
    for clarification in rows:
        if (clarification.tenant_id, clarification.tender_id) in pairs:
            found[clarification.tender_id].append(_enquiry(clarification))
    return found


def _enquiry(c) -> dict:
    return {"id": str(c.number), "date": c.published_at.isoformat(), "title": f"Clarification {c.number}",
            "description": c.question, "answer": c.answer, "dateAnswered": c.published_at.isoformat(),
            **({"relatedLot": str(c.lot_number)} if c.lot_number else {})}
