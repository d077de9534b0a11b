"""What may be done with a bid, and when, by the server clock.

Bids are accepted, changed and withdrawn while the tender is published and *before* its
deadline for bids: at the deadline's very second a submission is late (``now >= deadline``).
The deadline is the tender's, as amended; nothing else (the sweep that closes tenders, the
provider's clock) decides it.
"""
from __future__ import annotations

from datetime import datetime

from portal.errors import Conflict, NotFound
from portal.models_base import utcnow
from portal.procurement.bid_models import BID_DRAFT, BID_SUBMITTED, Bid
from portal.procurement.models import CANCELLED, PUBLISHED, Tender
from portal.procurement.regimes import format_moment
from portal.tenants.context import current_tenant_id


def bidding_open(tender: Tender, now: datetime | None = None) -> bool:
    return (tender.status == PUBLISHED and tender.opened_at is None
            and (now or utcnow()) < tender.submission_deadline)


def late_message(tender: Tender) -> str:
    return (f"The deadline for bids was {format_moment(tender.submission_deadline)} (UK time): bids can no longer "
            "be submitted, changed or withdrawn")


def require_open(tender: Tender, now: datetime | None = None) -> None:
    """Refuse, with the reason, anything that changes a bid once bidding has closed."""
    if tender.status == CANCELLED:
        raise Conflict("This tender has been cancelled: bids can no longer be submitted, changed or withdrawn")
    if not bidding_open(tender, now):
        raise Conflict(late_message(tender))


def require_own(bid: Bid) -> None:
    """Only the bidding provider changes its bid (anyone else is told it does not exist)."""
    if bid.tenant_id != current_tenant_id():
        raise NotFound("No such bid")


def is_own(bid: Bid, org_id: int) -> bool:
    return bid.tenant_id == org_id


def is_submitted(bid: Bid) -> bool:
    return bid.status == BID_SUBMITTED


def never_submitted(bid: Bid) -> bool:
    return bid.status == BID_DRAFT


def sealed(tender: Tender) -> bool:
    """Whether the tender's bids are still sealed from its commissioner."""
    return tender.opened_at is None
