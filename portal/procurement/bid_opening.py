"""Opening the bids: after the deadline for bids, two different people of the commissioner's
procurement team each confirm; the second confirmation sets ``tenders.opened_at`` (a trigger in
the database refuses it sooner) and from then on the commissioner reads the bids and their
documents. Each confirmation and the opening are in the commissioner's audit log; neither names
how many bids there are until the bids are open.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.services import record
from portal.errors import Conflict, NotFound, ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.procurement.bid_models import TenderOpening
from portal.procurement.models import CANCELLED, CLOSED, DRAFT, PUBLISHED, Tender
from portal.procurement.regimes import format_moment
from portal.tenants.context import current_tenant_id

NEEDED = 2


class StillSealed(Conflict):
    """The commissioner asked for bids that are still sealed: 409, saying what is still needed."""


@dataclass(frozen=True)
class OpeningState:
    confirmations: list[TenderOpening]
    opened_at: datetime | None
    deadline_passed: bool

    @property
    def needed(self) -> int:
        return 0 if self.opened_at else max(0, NEEDED - len({c.user_id for c in self.confirmations}))

    def confirmed_by(self, user_id: int | None) -> bool:
        return any(c.user_id == user_id for c in self.confirmations)


def opening_state(tender: Tender, now: datetime | None = None) -> OpeningState:
    """The commissioner's view of the opening (its own rows; a provider sees no confirmations)."""
    confirmations = list(db.session.scalars(select(TenderOpening).where(
        TenderOpening.tenant_id == tender.tenant_id, TenderOpening.tender_id == tender.id)
        .order_by(TenderOpening.confirmed_at, TenderOpening.id)))
    return OpeningState(confirmations, tender.opened_at, (now or utcnow()) >= tender.submission_deadline)


def sealed_message(tender: Tender, now: datetime | None = None) -> str:
    """Why the commissioner cannot see the bids yet; never how many there are."""
    now = now or utcnow()
    if now < tender.submission_deadline:
        return (f"Bids are sealed until the deadline for bids, {format_moment(tender.submission_deadline)} (UK time). "
                f"After that, two people must confirm the opening.")
    needed = opening_state(tender, now).needed
    return (f"Bids are sealed until two different people of the procurement team confirm the opening: "
            f"{needed} more confirmation{'s are' if needed != 1 else ' is'} needed.")


def require_opened(tender: Tender, now: datetime | None = None) -> None:
    if tender.opened_at is None:
        raise StillSealed(sealed_message(tender, now))


def confirm_opening(tender: Tender, *, actor: User | None, now: datetime | None = None) -> OpeningState:
    """One person's confirmation; the second different person's opens the bids."""
    if tender.tenant_id != current_tenant_id():
        raise NotFound("No such tender")
    if actor is None:
        raise ServiceError("A person confirms the opening: sign in")
    now = now or utcnow()
    if tender.status in (DRAFT, CANCELLED):
        raise Conflict(f"This tender is {tender.status}: it has no bids to open")
    if now < tender.submission_deadline:
        raise Conflict(f"Bids can be opened only after the deadline for bids, "
                       f"{format_moment(tender.submission_deadline)} (UK time)")
    db.session.execute(select(Tender.id).where(Tender.tenant_id == tender.tenant_id, Tender.id == tender.id)
                       .with_for_update())
    db.session.refresh(tender)
    if tender.opened_at is not None:
        raise Conflict(f"The bids were opened on {format_moment(tender.opened_at)}")
    state = opening_state(tender, now)
    if state.confirmed_by(actor.id):
        raise Conflict("You have already confirmed the opening. A different person of the procurement team must "
                       "confirm it too: the same person twice does not open the bids")
    db.session.add(TenderOpening(tenant_id=tender.tenant_id, tender_id=tender.id, user_id=actor.id, confirmed_at=now))
    if tender.status == PUBLISHED:  # the deadline has passed; the minute's sweep may not have run yet
        tender.status = CLOSED
        record("tender_closed", tender, actor=None, reference=tender.reference,
               deadline=tender.submission_deadline.isoformat())
    db.session.flush()
    state = opening_state(tender, now)
    if state.needed == 0:
        tender.opened_at = now
        db.session.flush()  # the trigger checks the two confirmations again
        record("tender_bids_opened", tender, actor=actor, reference=tender.reference,
               confirmed_by=[c.user.display_name for c in state.confirmations])
        state = opening_state(tender, now)
    else:
        record("tender_opening_confirmed", tender, actor=actor, reference=tender.reference, still_needed=state.needed)
    return state
