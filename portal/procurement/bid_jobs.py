"""Bid jobs: marking bids for reconfirmation after an amendment, and asking consortium members to
confirm their part.

``mark_bids_for_reconfirmation`` runs once per amendment, with no tenant: the commissioner that
amended cannot see who has bid (the bids are sealed), so the job looks as each provider in turn
for its submitted bids on the tender's affected lots, submitted (or last confirmed) before the
amendment. Each is marked (``reconfirm_since``, ``reconfirm_reason``) in the provider's own rows
and log, and the provider's administrators and submitters are emailed "Confirm your bid still
stands". At the deadline a bid still unconfirmed stands as submitted, flagged to the evaluators.
"""
from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.services import record
from portal.extensions import db
from portal.notifications.services import send_email
from portal.procurement.bid_models import BID_SUBMITTED, Bid, BidMember, BidReceipt
from portal.procurement.models import Amendment, Tender
from portal.tenants.context import current_tenant_id, tenant_context
from portal.tenants.models import PROVIDER, Membership, Organisation
from portal.urls import external_url

RECIPIENT_ROLES = ("submitter", "provider_admin")


def affected_lot_ids(amendment: Amendment, tender: Tender) -> set[int]:
    """A change to the tender or its timetable affects every lot; a change to one lot's details
    (a change named ``lots.<number>.<field>``) affects that lot."""
    numbers = {lot.number: lot.id for lot in tender.lots}
    affected: set[int] = set()
    for name in amendment.changes:
        parts = str(name).split(".")
        if parts[0] == "lots" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) in numbers:
            affected.add(numbers[int(parts[1])])
        else:
            return set(numbers.values())
    return affected


def mark_bids_for_reconfirmation(tender_id: int, amendment_id: int) -> int:
    """Runs with no tenant; returns how many bids were marked."""
    providers = list(db.session.scalars(select(Organisation.id).where(Organisation.kind == PROVIDER)
                                        .order_by(Organisation.id)))
    marked = 0
    for provider_id in providers:
        with tenant_context(provider_id):
            marked += _mark_own_bids(tender_id, amendment_id)
    return marked


def _mark_own_bids(tender_id: int, amendment_id: int) -> int:
    bids = list(db.session.scalars(select(Bid).where(Bid.tenant_id == current_tenant_id(), Bid.tender_id == tender_id,
                                                     Bid.status == BID_SUBMITTED).with_for_update(of=Bid)))
    if not bids:
        return 0
    tender = db.session.scalar(select(Tender).where(Tender.id == tender_id))
    amendment = db.session.scalar(select(Amendment).where(Amendment.id == amendment_id,
                                                          Amendment.tender_id == tender_id))
    if tender is None or amendment is None:
        return 0
    lots = affected_lot_ids(amendment, tender)
    reason = f"Amendment {amendment.number}: {amendment.reason}"
    marked = []
    for bid in bids:
        last = db.session.scalar(select(func.max(BidReceipt.created_at)).where(
            BidReceipt.tenant_id == bid.tenant_id, BidReceipt.bid_id == bid.id))
        if bid.lot_id not in lots or (last is not None and last >= amendment.created_at):
            continue
        if bid.reconfirm_since is None:
            bid.reconfirm_since = amendment.created_at
        bid.reconfirm_reason = reason[:2000]
        record("bid_reconfirmation_needed", bid, actor=None, tender=tender.reference, lot=bid.lot.number,
               amendment=amendment.number)
        marked.append(bid)
    db.session.flush()
    if marked:
        _tell_provider(tender, amendment, marked)
    return len(marked)


def _recipients() -> list[User]:
    return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                   .where(Membership.role.in_(RECIPIENT_ROLES), User.is_active_account)))


def _tell_provider(tender: Tender, amendment: Amendment, bids: list[Bid]) -> None:
    provider = db.session.get(Organisation, current_tenant_id())
    links = [(bid.lot, external_url("bids.show", slug=provider.slug, bid_id=bid.id)) for bid in bids]
    for user in _recipients():
        send_email(user.email, f"Confirm your bid still stands: {tender.reference}"[:200], "bid_reconfirm", user=user,
                   tender=tender, amendment=amendment, links=links, organisation=provider)


def notify_bid_member(bid_member_id: int) -> None:
    """Runs as the member organisation: ask its administrators and submitters to confirm its part."""
    row = db.session.scalar(select(BidMember).where(BidMember.id == bid_member_id,
                                                    BidMember.member_id == current_tenant_id()))
    if row is None or row.confirmed_at is not None:
        return  # removed since, or already confirmed
    member = db.session.get(Organisation, current_tenant_id())
    link = external_url("bids.membership", slug=member.slug, bid_member_id=row.id)
    for user in _recipients():
        send_email(user.email, f"Confirm your part in {row.lead.name}'s bid: {row.tender.reference}"[:200],
                   "bid_member_confirm", user=user, row=row, organisation=member, link=link)
