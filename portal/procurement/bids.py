"""Bids per lot: a provider prepares, submits, replaces, reconfirms and withdraws its bid until the
deadline for bids (by the server clock: at the deadline's second it is late).

A bid has one row per lot (``Bid``). What the provider is preparing lives in a working copy
(``BidChanges``: the price, the answers, submitted documents to leave out; new documents are the
bid's rows with status ``draft``), so a submitted bid stands, unchanged, until the provider submits
again. Submitting copies the working copy onto the bid, makes the documents and consortium
members ``submitted`` with it, counts a new version and writes a receipt (the canonical JSON of
what was sent and its SHA-256), emailed to the provider. Withdrawing, and confirming that a bid
still stands after an amendment, write receipts too.

Every row about a bid is the provider's (the tenant); the tender's commissioner reads the submitted
ones only once two people have opened the tender. Nothing here writes to the commissioner's audit
log. Services flush and never commit.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.services import record
from portal.errors import Conflict, Invalid, ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.procurement import bid_policy, sealing
from portal.procurement.bid_models import (BID_DRAFT, BID_SUBMITTED, BID_WITHDRAWN, Bid, BidChanges, BidDocument,
                                           BidMember, QualityQuestion)
from portal.procurement.bid_receipts import make_receipt
from portal.procurement.models import Lot, Tender
from portal.tenants.context import current_tenant_id
from portal.tenants.models import PROVIDER, Organisation

PRICE_MAX = Decimal("9999999999.99")
#: The form field of the declaration a submission (and a reconfirmation) needs.
DECLARATION = "declaration"
#: However generous a question's word limit, an answer is never longer than this.
ANSWER_MAX_CHARS = 100_000


def _provider(org: Organisation) -> None:
    if org.kind != PROVIDER or org.id != current_tenant_id():
        raise ServiceError("Only a provider bids for a tender")


def lot_of(tender: Tender, lot) -> Lot:
    """A lot of the tender by its number (as typed or sent), or Invalid naming the choices."""
    numbers = {item.number: item for item in tender.lots}
    try:
        number = int(str(lot).strip()) if lot not in (None, "") and not isinstance(lot, bool) else None
    except ValueError:
        number = None
    if number not in numbers:
        raise Invalid(f"Choose a lot of this tender: {', '.join(str(n) for n in sorted(numbers))}", field="lot")
    return numbers[number]


def questions_for(tender_id: int, lot_id: int) -> list[QualityQuestion]:
    """The quality questions a bid for the lot answers: the tender's for every lot and the lot's own."""
    return list(db.session.scalars(select(QualityQuestion).where(
        QualityQuestion.tender_id == tender_id,
        (QualityQuestion.lot_id.is_(None)) | (QualityQuestion.lot_id == lot_id)).order_by(QualityQuestion.number)))


def changes_of(bid: Bid) -> BidChanges | None:
    return db.session.scalar(select(BidChanges).where(BidChanges.tenant_id == bid.tenant_id,
                                                      BidChanges.bid_id == bid.id))


def start_bid(provider: Organisation, tender: Tender, lot, *, actor: User | None,
              now: datetime | None = None) -> Bid:
    """The provider's bid for a lot: the one it has already, or a new draft with its working copy."""
    _provider(provider)
    now = now or utcnow()
    bid_policy.require_open(tender, now)
    chosen = lot_of(tender, lot)
    existing = db.session.scalar(select(Bid).where(Bid.tenant_id == provider.id, Bid.tender_id == tender.id,
                                                   Bid.lot_id == chosen.id))
    if existing is not None:
        return existing
    bid = Bid(tenant_id=provider.id, commissioner_id=tender.tenant_id, tender_id=tender.id, lot_id=chosen.id,
              status=BID_DRAFT, answers={}, version=0, created_at=now)
    db.session.add(bid)
    db.session.flush()
    db.session.add(BidChanges(tenant_id=provider.id, bid_id=bid.id, answers={}, removed_documents=[], started_at=now))
    db.session.flush()
    record("bid_started", bid, actor=actor, tender=tender.reference, lot=chosen.number)
    return bid


def working_copy(bid: Bid, *, now: datetime | None = None, actor: User | None = None) -> BidChanges:
    """The working copy to change, made from the bid as it stands when there is none."""
    bid_policy.require_own(bid)
    bid_policy.require_open(bid.tender, now)
    changes = changes_of(bid)
    if changes is None:
        changes = BidChanges(tenant_id=bid.tenant_id, bid_id=bid.id, price=bid.price, answers=dict(bid.answers),
                             removed_documents=[], started_at=now or utcnow())
        db.session.add(changes)
        db.session.flush()
        record("bid_changes_started", bid, actor=actor, tender=bid.tender.reference, lot=bid.lot.number)
    return changes


def parse_price(value) -> Decimal:
    """Pounds as typed ("1,250,000", "£90000.50") to a Decimal, more than nothing, or Invalid."""
    raw = str(value if value is not None and not isinstance(value, bool) else "").replace(",", "").replace("£", "")
    raw = raw.strip()
    if not raw:
        raise Invalid("Enter your price in pounds, like 250000 or 250000.50", field="price")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise Invalid("Enter your price as an amount in pounds, like 250000 or 250000.50", field="price") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")) or not 0 < amount <= PRICE_MAX:
        raise Invalid("Enter your price in pounds and pence, more than £0 and at most £9,999,999,999.99",
                      field="price")
    return amount.quantize(Decimal("0.01"))


def save_price(bid: Bid, price, *, actor: User | None, now: datetime | None = None) -> BidChanges:
    changes = working_copy(bid, now=now, actor=actor)
    changes.price = parse_price(price)
    db.session.flush()
    return changes


def words(text: str) -> int:
    return len(text.split())


def check_answers(questions: list[QualityQuestion], answers: dict) -> dict[str, str]:
    """The answers by question id, each within its word limit; unknown questions are refused."""
    if not isinstance(answers, dict):
        raise Invalid("Send the answers as an object of question numbers and answers", field="answers")
    by_number = {str(q.number): q for q in questions}
    unknown = sorted(str(key) for key in answers if str(key) not in by_number)
    if unknown:
        raise Invalid(f"This lot has no question {', '.join(unknown)}: answer questions "
                      f"{', '.join(by_number) or '(none)'}", field="answers")
    kept, errors = {}, {}
    for key, value in answers.items():
        question = by_number[str(key)]
        if value is not None and not isinstance(value, str):
            errors[f"answer_{question.number}"] = f"Write your answer to question {question.number} as text"
            continue
        text = (value or "").replace("\r\n", "\n").strip()
        if not text:
            continue
        count = words(text)
        if question.word_limit and count > question.word_limit:
            errors[f"answer_{question.number}"] = (
                f"Your answer to question {question.number} is {count:,} words: the limit is {question.word_limit:,}. "
                f"Shorten it by {count - question.word_limit:,} words")
        elif len(text) > ANSWER_MAX_CHARS:
            errors[f"answer_{question.number}"] = (f"Your answer to question {question.number} must be "
                                                   f"{ANSWER_MAX_CHARS:,} characters or fewer")
        else:
            kept[str(question.id)] = text
    if errors:
        raise Invalid(next(iter(errors.values())), errors=errors)
    return kept


def save_answers(bid: Bid, answers: dict, *, actor: User | None, now: datetime | None = None) -> BidChanges:
    """Replace the working copy's answers (by question number); blank answers are left unanswered."""
    changes = working_copy(bid, now=now, actor=actor)
    changes.answers = check_answers(questions_for(bid.tender_id, bid.lot_id), answers)
    db.session.flush()
    return changes


def documents_of(bid: Bid, changes: BidChanges | None) -> list[BidDocument]:
    """The documents the bid would be submitted with: the working copy's, or the bid's own."""
    removed = set(changes.removed_documents) if changes else set()
    return [d for d in bid.documents if d.id not in removed and (changes is not None or d.status != BID_DRAFT)]


def members_of(bid: Bid) -> list[BidMember]:
    return list(bid.members)


def problems(bid: Bid, changes: BidChanges | None) -> dict[str, str]:
    """What stops the working copy from being submitted, by task."""
    if changes is None:
        return {"bid": "There are no changes to submit"}
    found: dict[str, str] = {}
    if changes.price is None:
        found["price"] = "Enter your price"
    missing = [q.number for q in questions_for(bid.tender_id, bid.lot_id) if not changes.answers.get(str(q.id))]
    if missing:
        found["answers"] = (f"Answer quality question{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(str(n) for n in missing)}")
    waiting = [m.member.name for m in members_of(bid) if m.confirmed_at is None]
    if waiting:
        found["members"] = (f"{' and '.join(waiting)} must confirm "
                            f"{'their parts' if len(waiting) > 1 else 'its part'} of the bid (from "
                            f"{'their' if len(waiting) > 1 else 'its'} own account) before you can submit")
    return found


def _lock(bid: Bid) -> Bid:
    return db.session.scalar(select(Bid).where(Bid.tenant_id == bid.tenant_id, Bid.id == bid.id)
                             .with_for_update(of=Bid))


def submit(bid: Bid, *, declaration: bool, actor: User | None, now: datetime | None = None):
    """Submit the working copy: the bid's first version, or a replacement of the one submitted.
    Returns the receipt."""
    now = now or utcnow()
    bid_policy.require_own(bid)
    bid_policy.require_open(bid.tender, now)
    changes = changes_of(bid)
    if changes is None:
        raise Conflict("Your bid is already submitted as it is: change it first, or withdraw it")
    if declaration is not True:
        raise Invalid("Confirm the declaration to submit your bid", field=DECLARATION)
    found = problems(bid, changes)
    if found:
        raise Invalid(next(iter(found.values())), errors=found)
    _lock(bid)
    action = "submitted" if bid.version == 0 else "replaced"
    removed = [d for d in bid.documents if d.id in set(changes.removed_documents)]
    kept, members = documents_of(bid, changes), members_of(bid)
    questions = questions_for(bid.tender_id, bid.lot_id)
    for document in removed:
        db.session.delete(document)
    sealing.discard_after_commit([d.storage_key for d in removed])
    for row in (*kept, *members):
        row.status = BID_SUBMITTED
    bid.price, bid.answers = changes.price, dict(changes.answers)
    bid.status, bid.version, bid.submitted_at = BID_SUBMITTED, bid.version + 1, now
    bid.submitted_by_id = actor.id if actor else None
    bid.withdrawn_at, bid.reconfirm_since, bid.reconfirm_reason = None, None, ""
    db.session.delete(changes)
    receipt = make_receipt(bid, action, now, actor, questions=questions, documents=kept, members=members)
    db.session.expire(bid, ["documents", "members"])
    record(f"bid_{action}", bid, actor=actor, tender=bid.tender.reference, lot=bid.lot.number, version=bid.version,
           sha256=receipt.sha256)
    return receipt


def withdraw(bid: Bid, *, actor: User | None, now: datetime | None = None):
    """Withdraw a submitted bid before the deadline (its commissioner will see it was withdrawn,
    once opened). Returns the receipt."""
    now = now or utcnow()
    bid_policy.require_own(bid)
    bid_policy.require_open(bid.tender, now)
    if bid.status != BID_SUBMITTED:
        raise Conflict("Only a submitted bid can be withdrawn" if bid.status == BID_DRAFT
                       else "This bid has already been withdrawn")
    _lock(bid)
    documents = [d for d in bid.documents if d.status == BID_SUBMITTED]
    for row in (*documents, *members_of(bid)):
        row.status = BID_WITHDRAWN
    bid.status, bid.withdrawn_at, bid.reconfirm_since, bid.reconfirm_reason = BID_WITHDRAWN, now, None, ""
    db.session.flush()
    receipt = make_receipt(bid, "withdrawn", now, actor, questions=questions_for(bid.tender_id, bid.lot_id),
                           documents=documents, members=members_of(bid))
    record("bid_withdrawn", bid, actor=actor, tender=bid.tender.reference, lot=bid.lot.number, sha256=receipt.sha256)
    return receipt


def reconfirm(bid: Bid, *, declaration: bool, actor: User | None, now: datetime | None = None):
    """Confirm that a submitted bid still stands after an amendment of its lot. Returns the receipt."""
    now = now or utcnow()
    bid_policy.require_own(bid)
    bid_policy.require_open(bid.tender, now)
    if not bid.reconfirmation_outstanding:
        raise Conflict("This bid does not need confirming: no amendment has changed its lot since it was submitted")
    if declaration is not True:
        raise Invalid("Confirm that your bid still stands, as amended", field=DECLARATION)
    _lock(bid)
    amendment = bid.tender.amendments[-1].number if bid.tender.amendments else None
    bid.reconfirm_since, bid.reconfirm_reason = None, ""
    db.session.flush()
    receipt = make_receipt(bid, "reconfirmed", now, actor, questions=questions_for(bid.tender_id, bid.lot_id),
                           documents=[d for d in bid.documents if d.status == BID_SUBMITTED],
                           members=members_of(bid), amendment=amendment)
    record("bid_reconfirmed", bid, actor=actor, tender=bid.tender.reference, lot=bid.lot.number,
           sha256=receipt.sha256)
    return receipt


def discard(bid: Bid, *, actor: User | None, now: datetime | None = None) -> Bid | None:
    """Throw away what is being prepared: a bid never submitted goes altogether (None is
    returned); otherwise the working copy and the documents added to it go, and the bid stands as
    it was submitted (or withdrawn)."""
    bid_policy.require_own(bid)
    changes = changes_of(bid)
    drafts = [d for d in bid.documents if d.status == BID_DRAFT]
    if bid.status == BID_DRAFT:
        sealing.discard_after_commit([d.storage_key for d in bid.documents])
        record("bid_discarded", None, actor=actor, tender=bid.tender.reference, lot=bid.lot.number)
        db.session.delete(bid)  # its members, documents and working copy go with it
        db.session.flush()
        return None
    if changes is None and not drafts:
        raise Conflict("There are no changes to discard")
    for document in drafts:
        db.session.delete(document)
    sealing.discard_after_commit([d.storage_key for d in drafts])
    if changes is not None:
        db.session.delete(changes)
    db.session.flush()
    db.session.expire(bid, ["documents"])
    record("bid_changes_discarded", bid, actor=actor, tender=bid.tender.reference, lot=bid.lot.number)
    return bid
