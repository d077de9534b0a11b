"""Reading bids. What a query returns is what the ORM criteria (and row-level security) let the
organisation see: a provider its own bids and the consortium parts it is asked to confirm; the
tender's commissioner the submitted and withdrawn bids once two people have opened the tender,
and before that nothing at all (not even how many there are)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from portal.errors import Conflict
from portal.extensions import db
from portal.models_base import utcnow
from portal.procurement import bid_opening, bid_policy
from portal.procurement.bid_models import (BID_DRAFT, BID_SUBMITTED, Bid, BidChanges, BidDocument, BidMember,
                                           BidReceipt, QualityQuestion)
from portal.procurement.bids import changes_of, documents_of, problems, questions_for
from portal.procurement.models import Lot, Tender
from portal.reporting.exports import csv_text
from portal.tenants.context import current_tenant_id
from portal.tenants.models import PROVIDER, Organisation


def get_bid(bid_id: int) -> Bid | None:
    return db.session.scalar(select(Bid).where(Bid.id == bid_id))


def get_bid_of_tender(tender: Tender, bid_id: int) -> Bid | None:
    bid = get_bid(bid_id)
    return bid if bid is not None and bid.tender_id == tender.id and bid.commissioner_id == tender.tenant_id else None


def get_bid_document(bid: Bid, document_id: int) -> BidDocument | None:
    return db.session.scalar(select(BidDocument).where(BidDocument.id == document_id,
                                                       BidDocument.tenant_id == bid.tenant_id,
                                                       BidDocument.bid_id == bid.id))


def get_bid_member(member_row_id: int) -> BidMember | None:
    return db.session.scalar(select(BidMember).where(BidMember.id == member_row_id))


def own_bids(tender: Tender, provider_id: int) -> list[Bid]:
    return list(db.session.scalars(select(Bid).join(Lot, Lot.id == Bid.lot_id).where(
        Bid.tenant_id == provider_id, Bid.tender_id == tender.id).order_by(Lot.number)))


def memberships_of(org_id: int, tender: Tender | None = None) -> list[BidMember]:
    """The consortium parts the organisation is named in (by other providers' bids)."""
    query = select(BidMember).where(BidMember.member_id == org_id)
    if tender is not None:
        query = query.where(BidMember.tender_id == tender.id)
    return list(db.session.scalars(query.order_by(BidMember.created_at.desc())))


def provider_directory(exclude_id: int) -> list[Organisation]:
    """Providers on the portal that a lead can name in its consortium (names are not tenant data)."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.kind == PROVIDER, Organisation.is_active, Organisation.id != exclude_id)
        .order_by(Organisation.name)))


def receipts_of(bid: Bid) -> list[BidReceipt]:
    return list(db.session.scalars(select(BidReceipt).where(BidReceipt.tenant_id == bid.tenant_id,
                                                            BidReceipt.bid_id == bid.id)
                                   .order_by(BidReceipt.number.desc())))


def receipt_of(bid: Bid, number=None) -> BidReceipt | None:
    """One receipt of the bid (the latest by default). Its contents hold the price, so the
    commissioner's side reads it only once the price is no longer withheld."""
    if price_withheld(bid):
        raise Conflict(f"This receipt holds the bid’s price, which is {PRICE_WITHHELD.lower()} for the lot. "
                       "Its fingerprint (SHA-256) is on the bid’s page")
    receipts = receipts_of(bid)
    if number in (None, ""):
        return receipts[0] if receipts else None
    return next((r for r in receipts if str(r.number) == str(number)), None)


@dataclass
class Working:
    """A bid as its provider sees it: the working copy (if any) and what it says."""

    bid: Bid
    changes: BidChanges | None
    questions: list[QualityQuestion]
    documents: list[BidDocument]
    removed: list[BidDocument] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def price(self):
        return self.changes.price if self.changes else self.bid.price

    @property
    def answers(self) -> dict:
        return self.changes.answers if self.changes else self.bid.answers

    def answer(self, question: QualityQuestion) -> str:
        return self.answers.get(str(question.id), "")

    @property
    def answered(self) -> int:
        return sum(1 for q in self.questions if self.answer(q))

    @property
    def editing(self) -> bool:
        return self.changes is not None


def working(bid: Bid) -> Working:
    changes = changes_of(bid) if bid.tenant_id == current_tenant_id() else None
    removed_ids = set(changes.removed_documents) if changes else set()
    return Working(bid=bid, changes=changes, questions=questions_for(bid.tender_id, bid.lot_id),
                   documents=documents_of(bid, changes),
                   removed=[d for d in bid.documents if d.id in removed_ids],
                   problems=problems(bid, changes) if changes else {})


@dataclass
class LotRow:
    lot: Lot
    bid: Bid | None
    editing: bool


def tender_section(tender: Tender, org_id: int, now: datetime | None = None) -> dict:
    """What the tender page shows about bids: a provider's own bids per lot and the consortium
    parts it is asked to confirm; the commissioner's sealed notice or opened bids."""
    now = now or utcnow()
    if tender.tenant_id == org_id:
        return {"owner": True, "sealed": bid_policy.sealed(tender), "message": bid_opening.sealed_message(tender, now)
                if bid_policy.sealed(tender) else "", "state": bid_opening.opening_state(tender, now)}
    bids = {bid.lot_id: bid for bid in own_bids(tender, org_id)}
    editing = set(db.session.scalars(select(BidChanges.bid_id).where(BidChanges.tenant_id == org_id)))
    rows = [LotRow(lot, bids.get(lot.id), bids.get(lot.id) is not None and bids[lot.id].id in editing)
            for lot in tender.lots]
    return {"owner": False, "rows": rows, "open": bid_policy.bidding_open(tender, now),
            "memberships": memberships_of(org_id, tender), "any_bid": bool(bids)}


PRICE_WITHHELD = "Withheld until quality is moderated"


def withheld_lots(tender: Tender) -> set[int]:
    """The lots whose prices the commissioner's side does not read yet: evaluators see no price
    until every bid's quality is moderated (or the lot is awarded), and an evaluator may also be
    one of the people who opened the bids."""
    from portal.procurement.evaluation_queries import lot_progress

    withheld = set()
    for lot in tender.lots:
        progress = lot_progress(tender, lot)
        if not (progress.moderated or progress.awards):
            withheld.add(lot.id)
    return withheld


def price_withheld(bid: Bid) -> bool:
    """Whether the reader may not see the bid's price (never for the bidder itself)."""
    if bid.tenant_id == current_tenant_id():
        return False
    return bid.lot_id in withheld_lots(bid.tender)


def opened_bids(tender: Tender, now: datetime | None = None) -> list[Bid]:
    """The tender's submitted and withdrawn bids, by lot then submission (not price, which may be
    withheld: see ``withheld_lots``); StillSealed until opened. Each carries ``price_withheld``."""
    bid_opening.require_opened(tender, now)
    found = list(db.session.scalars(select(Bid).join(Lot, Lot.id == Bid.lot_id).where(
        Bid.commissioner_id == tender.tenant_id, Bid.tender_id == tender.id, Bid.status != BID_DRAFT)
        .order_by(Lot.number, Bid.status != BID_SUBMITTED, Bid.submitted_at, Bid.id)))
    withheld = withheld_lots(tender)
    for bid in found:
        bid.price_withheld = bid.lot_id in withheld
    return found


def bids_by_lot(tender: Tender, now: datetime | None = None) -> list[tuple[Lot, list[Bid], list[Bid]]]:
    """Each lot with its submitted bids (lowest price first) and its withdrawn ones."""
    found = opened_bids(tender, now)
    return [(lot, [b for b in found if b.lot_id == lot.id and b.status == BID_SUBMITTED],
             [b for b in found if b.lot_id == lot.id and b.status != BID_SUBMITTED]) for lot in tender.lots]


EXPORT_HEADER = ["Lot", "Provider", "Status", "Price", "Version", "Submitted at (UTC)", "Receipt SHA-256",
                 "Consortium", "Documents", "Reconfirmation outstanding"]


def export_csv(tender: Tender) -> str:
    """The opened bids as CSV (through the formula guard); StillSealed until opened."""
    rows = []
    for bid in opened_bids(tender):
        rows.append([bid.lot.number, bid.provider.name, bid.status_label,
                     PRICE_WITHHELD if bid.price_withheld else bid.price, bid.version,
                     bid.submitted_at, bid.receipt_sha256 or "",
                     "; ".join(f"{m.member.name} ({m.role_label}, {m.share:g}%)" for m in bid.members),
                     "; ".join(f"{d.filename} ({d.sha256})" for d in bid.documents if d.status != BID_DRAFT),
                     bid.reconfirmation_outstanding])
    return csv_text(EXPORT_HEADER, rows)


def export_filename(tender: Tender) -> str:
    return f"{tender.reference}-bids.csv"
