"""A whole bid in one request, for the API: the lot, price, answers and consortium are saved to the
bid's working copy and, unless ``submit`` is false, submitted. A consortium whose members have not
all confirmed their part is kept as a draft (they are emailed) and submitted by sending it again."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.accounts.models import User
from portal.procurement import bid_members, bids
from portal.procurement.bid_models import Bid, BidReceipt
from portal.procurement.models import Tender
from portal.tenants.models import Organisation


@dataclass
class Outcome:
    bid: Bid
    receipt: BidReceipt | None

    @property
    def status_code(self) -> int:
        """201 with a receipt; 202 while kept as a draft (waiting for members, or not to be submitted yet)."""
        return 201 if self.receipt is not None else 202


def save_and_submit(provider: Organisation, tender: Tender, data: dict, *, actor: User | None,
                    now: datetime | None = None) -> Outcome:
    bid = bids.start_bid(provider, tender, data.get("lot"), actor=actor, now=now)
    bids.save_price(bid, data.get("price"), actor=actor, now=now)
    bids.save_answers(bid, data.get("answers") if data.get("answers") is not None else {}, actor=actor, now=now)
    if data.get("members") is not None:
        bid_members.set_members(bid, data["members"], actor=actor, now=now)
    waiting = [m for m in bid.members if m.confirmed_at is None]
    if not data.get("submit", True) or waiting:
        return Outcome(bid, None)
    return Outcome(bid, bids.submit(bid, declaration=True, actor=actor, now=now))
