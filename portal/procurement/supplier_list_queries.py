"""Reading approved supplier lists. Who reads what is decided by the ORM criteria and row-level
security: a commissioner its own lists and every membership of them, a provider the lists it
has a membership of and only its own membership rows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.limits import fits_id
from portal.procurement.models import Tender
from portal.procurement.supplier_list_models import CURRENT, SupplierList, SupplierListMember
from portal.procurement.supplier_lists import london_day
from portal.tenants.context import current_tenant_id


def get_list(list_id: int) -> SupplierList | None:
    if not fits_id(list_id):
        return None
    return db.session.scalar(select(SupplierList).where(SupplierList.id == list_id))


def get_member(supplier_list: SupplierList, member_id: int) -> SupplierListMember | None:
    if not fits_id(member_id):
        return None
    return db.session.scalar(select(SupplierListMember).where(
        SupplierListMember.id == member_id, SupplierListMember.list_id == supplier_list.id,
        SupplierListMember.tenant_id == supplier_list.tenant_id))


@dataclass(frozen=True)
class ListRow:
    supplier_list: SupplierList
    members_today: int


def own_lists() -> list[ListRow]:
    """The commissioner's lists, by name, each with how many providers are members today."""
    today = london_day()
    lists = list(db.session.scalars(select(SupplierList).where(SupplierList.tenant_id == current_tenant_id())
                                    .order_by(func.lower(SupplierList.name), SupplierList.id)))
    counts = dict(db.session.execute(
        select(SupplierListMember.list_id, func.count()).where(
            SupplierListMember.tenant_id == current_tenant_id(), SupplierListMember.removed_at.is_(None),
            SupplierListMember.starts_on <= today,
            SupplierListMember.ends_on.is_(None) | (SupplierListMember.ends_on >= today))
        .group_by(SupplierListMember.list_id)).all())
    return [ListRow(item, counts.get(item.id, 0)) for item in lists]


def own_memberships() -> list[SupplierListMember]:
    """A provider's memberships of every commissioner's lists, newest first."""
    return list(db.session.scalars(select(SupplierListMember).where(
        SupplierListMember.provider_id == current_tenant_id())
        .order_by(SupplierListMember.created_at.desc(), SupplierListMember.id.desc())))


def members_of(supplier_list: SupplierList) -> list[SupplierListMember]:
    """The memberships of the list the organisation reads (all of them for its commissioner, its
    own for a provider): current and upcoming first, by provider name, then ended and removed."""
    rows = list(db.session.scalars(select(SupplierListMember).where(
        SupplierListMember.list_id == supplier_list.id, SupplierListMember.tenant_id == supplier_list.tenant_id)
        .order_by(SupplierListMember.id)))
    today = london_day()
    order = {CURRENT: 0, "upcoming": 1, "ended": 2, "removed": 3}
    return sorted(rows, key=lambda m: (order[m.status_on(today)], m.provider.name.lower(), m.id))


def lists_for_tender(tender: Tender, today: date | None = None) -> list[SupplierList]:
    """The commissioner's lists a draft may be restricted to: for the tender's type of service and
    not ended."""
    today = today or london_day()
    return list(db.session.scalars(select(SupplierList).where(
        SupplierList.tenant_id == tender.tenant_id, SupplierList.service_type == tender.service_type,
        SupplierList.ends_on.is_(None) | (SupplierList.ends_on >= today))
        .order_by(func.lower(SupplierList.name), SupplierList.id)))


def tenders_restricted_to(supplier_list: SupplierList) -> list[Tender]:
    """The commissioner's mini-competitions for the list (its own tenders only)."""
    return list(db.session.scalars(select(Tender).where(Tender.tenant_id == supplier_list.tenant_id,
                                                        Tender.supplier_list_id == supplier_list.id)
                                   .order_by(Tender.created_at.desc(), Tender.id.desc())))


def readable_lists() -> list[SupplierList]:
    """The lists the organisation reads: a commissioner's own, the lists a provider has a
    membership of."""
    return list(db.session.scalars(select(SupplierList).order_by(func.lower(SupplierList.name), SupplierList.id)))
