"""Consortium bids: the lead provider (the bid's tenant) names members or sub-contractors, chosen
from the providers on the portal, with their role, share of the work and part; each confirms its
part from its own account, and the bid cannot be submitted until every one has.

A member reads its own row (never the lead's bid) and confirms it; changing a member's part means
removing it and naming it again, which asks for a new confirmation. The consortium of a submitted
bid does not change: withdraw the bid first. Services flush and never commit.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.services import record
from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models_base import utcnow
from portal.outbox import enqueue_after_commit
from portal.procurement import bid_policy
from portal.procurement.bid_models import BID_DRAFT, BID_SUBMITTED, MEMBER_ROLES, Bid, BidMember
from portal.procurement.bids import working_copy
from portal.tenants.context import current_tenant_id
from portal.tenants.models import PROVIDER, Organisation

MAX_MEMBERS = 20
PART_LIMIT = 2000


def _changeable(bid: Bid, now: datetime | None) -> None:
    bid_policy.require_own(bid)
    bid_policy.require_open(bid.tender, now)
    if bid.status == BID_SUBMITTED:
        raise Conflict("The consortium of a submitted bid cannot change: each member confirmed its part of it. "
                       "Withdraw the bid to change its consortium, then submit it again", field="organisation")


def parse_share(value) -> Decimal:
    raw = str(value if value is not None and not isinstance(value, bool) else "").replace("%", "").strip()
    try:
        share = Decimal(raw)
    except InvalidOperation:
        share = None
    if share is None or not share.is_finite() or share != share.quantize(Decimal("0.01")) or not 0 < share <= 100:
        raise Invalid("Enter its share of the work as a percentage, more than 0 and at most 100, like 25 or 12.5",
                      field="share")
    return share.quantize(Decimal("0.01"))


def _organisation(value) -> Organisation:
    text = str(value if value is not None else "").strip()
    found = None
    if text:
        query = select(Organisation).where(Organisation.kind == PROVIDER, Organisation.is_active)
        found = db.session.scalar(query.where(Organisation.slug == text.lower()))
        if found is None and text.isdigit() and len(text) < 19:
            found = db.session.scalar(query.where(Organisation.id == int(text)))
    if found is None:
        raise Invalid("Choose an organisation from the directory of providers", field="organisation")
    return found


def add_member(bid: Bid, organisation, *, role: str, share, part: str, actor: User | None,
               now: datetime | None = None) -> BidMember:
    """Name a provider in the bid's consortium; it is emailed to confirm its part."""
    _changeable(bid, now)
    member = _organisation(organisation)
    if member.id == bid.tenant_id:
        raise Invalid("Your organisation leads the bid: choose the other providers in the consortium",
                      field="organisation")
    members = list(bid.members)
    if any(m.member_id == member.id for m in members):
        raise Conflict(f"{member.name} is already named in this bid: remove it first to change its part",
                       field="organisation")
    if len(members) >= MAX_MEMBERS:
        raise Invalid(f"A bid can name at most {MAX_MEMBERS} members and sub-contractors", field="organisation")
    if role not in MEMBER_ROLES:
        raise Invalid("Choose whether it is a consortium member or a sub-contractor", field="role")
    share = parse_share(share)
    total = sum((m.share for m in members), Decimal("0")) + share
    if total > 100:
        raise Invalid(f"The shares would add up to {format(total.normalize(), 'f')}%: the members' shares can add "
                      "up to 100% at most",
                      field="share")
    part = " ".join(str(part or "").split())
    if not part:
        raise Invalid("Describe its part of the work, like “night visits in lot 2”", field="part")
    if len(part) > PART_LIMIT:
        raise Invalid(f"Its part must be {PART_LIMIT:,} characters or fewer", field="part")
    working_copy(bid, now=now, actor=actor)
    row = BidMember(tenant_id=bid.tenant_id, commissioner_id=bid.commissioner_id, tender_id=bid.tender_id,
                    bid_id=bid.id, lot_id=bid.lot_id, member_id=member.id, role=role, share=share, part=part,
                    status=BID_DRAFT, created_at=now or utcnow())
    db.session.add(row)
    db.session.flush()
    db.session.expire(bid, ["members"])
    record("bid_member_named", bid, actor=actor, member=member.slug, role=role, share=str(share))
    enqueue_after_commit("notify_bid_member", tenant_id=member.id, bid_member_id=row.id)
    return row


def remove_member(bid: Bid, row: BidMember, *, actor: User | None, now: datetime | None = None) -> None:
    _changeable(bid, now)
    if row.bid_id != bid.id or row.tenant_id != bid.tenant_id:
        raise NotFound("No such member of this bid")
    slug = row.member.slug
    db.session.delete(row)
    db.session.flush()
    db.session.expire(bid, ["members"])
    record("bid_member_removed", bid, actor=actor, member=slug)


def set_members(bid: Bid, wanted: list[dict], *, actor: User | None, now: datetime | None = None) -> None:
    """Make the consortium exactly ``wanted`` (the API's whole list): members named the same way
    keep their confirmation; others are removed or named anew."""
    if not isinstance(wanted, list):
        raise Invalid("Send the members as a list", field="members")
    current = {m.member.slug: m for m in bid.members}
    keep, add = set(), []
    for item in wanted:
        if not isinstance(item, dict):
            raise Invalid("Send each member as an object with organisation, role, share and part", field="members")
        slug = str(item.get("organisation") or "").strip().lower()
        row = current.get(slug)
        same = row is not None and row.role == item.get("role") and row.part == " ".join(
            str(item.get("part") or "").split())
        if same:
            try:
                same = row.share == parse_share(item.get("share"))
            except Invalid:
                same = False
        if same:
            keep.add(slug)
        else:
            add.append(item)
    if bid.status == BID_SUBMITTED and (add or set(current) - keep):
        _changeable(bid, now)  # refuses, saying why
    for slug, row in current.items():
        if slug not in keep:
            remove_member(bid, row, actor=actor, now=now)
    for item in add:
        add_member(bid, item.get("organisation"), role=item.get("role"), share=item.get("share"),
                   part=item.get("part"), actor=actor, now=now)


def confirm_part(member: Organisation, row: BidMember, *, actor: User | None,
                 now: datetime | None = None) -> BidMember:
    """The member organisation confirms its part of the lead's bid, from its own account."""
    now = now or utcnow()
    if row.member_id != member.id or member.id != current_tenant_id():
        raise NotFound("No such request to confirm")
    bid_policy.require_open(row.tender, now)
    if row.confirmed_at is not None:
        raise Conflict(f"Your organisation confirmed its part on {row.confirmed_at:%-d %B %Y}")
    row.confirmed_at, row.confirmed_by_id = now, actor.id if actor else None
    db.session.flush()
    record("bid_part_confirmed", row, actor=actor, lead=row.lead.slug, tender=row.tender.reference,
           lot=row.lot.number if row.lot else None)
    return row
