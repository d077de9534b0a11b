"""Receipts: every submission, replacement, reconfirmation and withdrawal of a bid is recorded with
the canonical JSON of what was sent and its SHA-256, shown on the page and emailed.

The canonical form is JSON with keys sorted, no spaces (``","`` and ``":"`` as separators) and
UTF-8 text as it is (not escaped): the bytes ``canonical(contents)`` are what the SHA-256 is taken
over, so anyone holding the receipt's JSON can check it with any SHA-256 tool.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.notifications.services import send_email
from portal.procurement.bid_models import BID_SUBMITTED, BID_WITHDRAWN, Bid, BidDocument, BidMember, BidReceipt
from portal.tenants.models import Membership
from portal.urls import external_url

ACTIONS = {"submitted": "Bid submitted", "replaced": "Bid replaced", "reconfirmed": "Bid confirmed",
           "withdrawn": "Bid withdrawn"}


def canonical(contents: dict) -> bytes:
    return json.dumps(contents, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(contents: dict) -> str:
    return hashlib.sha256(canonical(contents)).hexdigest()


def contents_of(bid: Bid, action: str, now: datetime, *, number: int, questions, documents: list[BidDocument],
                members: list[BidMember], amendment: int | None = None) -> dict:
    """What the receipt says was sent: the tender, lot, provider, price, answers, documents (names
    and SHA-256), consortium, version and time."""
    by_id = {str(q.id): q for q in questions}
    answers = [{"question": by_id[key].number, "text": by_id[key].text, "answer": value}
               for key, value in bid.answers.items() if key in by_id]
    contents = {
        "receipt": number,
        "action": action,
        "time": now.isoformat(),
        "tender": {"id": bid.tender_id, "reference": bid.tender.reference, "commissioner": bid.tender.commissioner.name},
        "lot": {"number": bid.lot.number, "title": bid.lot.title},
        "provider": {"slug": bid.provider.slug, "name": bid.provider.name},
        "version": bid.version,
        "price": None if bid.price is None else f"{bid.price:.2f}",
        "answers": sorted(answers, key=lambda a: a["question"]),
        "documents": sorted(({"name": d.filename, "size_bytes": d.size_bytes, "sha256": d.sha256} for d in documents),
                            key=lambda d: (d["name"], d["sha256"])),
        "members": sorted(({"organisation": m.member.slug, "name": m.member.name, "role": m.role,
                            "share": f"{m.share:.2f}", "part": m.part,
                            "confirmed_at": m.confirmed_at.isoformat() if m.confirmed_at else None}
                           for m in members), key=lambda m: m["organisation"]),
    }
    if amendment is not None:
        contents["after_amendment"] = amendment
    return contents


def make_receipt(bid: Bid, action: str, now: datetime, actor, *, questions, documents, members,
                 amendment: int | None = None) -> BidReceipt:
    """The bid's next receipt (the bid's row is locked by the caller); emailed after the commit."""
    with db.session.no_autoflush:  # the bid is flushed with its receipt's hash (a submitted bid has one)
        number = 1 + (db.session.scalar(select(func.max(BidReceipt.number)).where(
            BidReceipt.tenant_id == bid.tenant_id, BidReceipt.bid_id == bid.id)) or 0)
        contents = contents_of(bid, action, now, number=number, questions=questions, documents=documents,
                               members=members, amendment=amendment)
    receipt = BidReceipt(tenant_id=bid.tenant_id, commissioner_id=bid.commissioner_id, tender_id=bid.tender_id,
                         bid_id=bid.id, number=number, status=BID_WITHDRAWN if action == "withdrawn" else BID_SUBMITTED,
                         sha256=digest(contents), contents=contents, by_id=actor.id if actor else None, created_at=now)
    bid.receipt_sha256 = receipt.sha256
    db.session.add(receipt)
    db.session.flush()
    _email(bid, receipt, actor)
    return receipt


def _email(bid: Bid, receipt: BidReceipt, actor) -> None:
    """To the person who acted and the provider's administrators: what happened and the hash (the
    price and answers stay on the page, behind the sign-in)."""
    recipients = {user.email: user for user in db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role == "provider_admin", User.is_active_account))}
    if actor is not None and getattr(actor, "email", None):
        recipients.setdefault(actor.email, actor)
    link = external_url("bids.receipt", slug=bid.provider.slug, bid_id=bid.id)
    subject = f"{ACTIONS[receipt.contents['action']]}: {bid.tender.reference}, lot {bid.lot.number}"[:200]
    for user in recipients.values():
        send_email(user.email, subject, "bid_receipt", user=user, bid=bid, receipt=receipt, link=link,
                   action=ACTIONS[receipt.contents["action"]])
