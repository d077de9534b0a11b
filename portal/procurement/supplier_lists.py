"""Approved supplier lists and mini-competitions: a commissioner keeps lists of providers with the
days each is a member, and restricts a draft tender to one list; at publication the tender's
audience becomes the list's members on that day (Europe/London), fixed from then on.

Services flush and never commit; every change is audited in the commissioner's log.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.services import record
from portal.contracts.models import SERVICE_TYPES
from portal.errors import Conflict, Invalid, ServiceError
from portal.extensions import db
from portal.limits import EARLIEST_DATE, LATEST_DATE, fits_id
from portal.models_base import utcnow
from portal.procurement.models import DRAFT, Tender
from portal.procurement.supplier_list_models import (DESCRIPTION_LIMIT, NAME_LIMIT, REASON_LIMIT, SupplierList,
                                                     SupplierListMember)
from portal.tenants.context import current_tenant_id
from portal.tenants.models import COMMISSIONER, PROVIDER, Organisation

LONDON = ZoneInfo("Europe/London")


def london_day(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(LONDON).date()


def format_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _commissioner(org: Organisation) -> None:
    if org.kind != COMMISSIONER or org.id != current_tenant_id():
        raise ServiceError("Only a commissioner keeps approved supplier lists")


def _own(supplier_list: SupplierList) -> None:
    if supplier_list.tenant_id != current_tenant_id():
        raise ServiceError("Only the commissioner that keeps this list can change it")


def _text(value, field: str, label: str, limit: int, *, required: bool = True, one_line: bool = True) -> str:
    text = " ".join(str(value or "").split()) if one_line else str(value or "").strip()
    if required and not text:
        raise Invalid(f"Enter the {label}", field=field)
    if len(text) > limit:
        raise Invalid(f"The {label} must be {limit:,} characters or fewer: shorten it by {len(text) - limit:,}",
                      field=field)
    return text


def _day(value, field: str, label: str, *, required: bool = True) -> date | None:
    if value is None:
        if required:
            raise Invalid(f"Enter the {label} as a real date, like 1 4 2026", field=field)
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise Invalid(f"Enter the {label} as a real date, like 1 4 2026", field=field)
    if value < EARLIEST_DATE or value > LATEST_DATE:
        raise Invalid(f"Enter the {label} between {EARLIEST_DATE.year} and {LATEST_DATE.year}", field=field)
    return value


def _period(starts_on, ends_on, what: str) -> tuple[date, date | None]:
    start = _day(starts_on, "starts_on", f"day the {what} starts")
    end = _day(ends_on, "ends_on", f"last day of the {what}", required=False)
    if end is not None and end < start:
        raise Invalid(f"The last day of the {what} must be on or after its first day, {format_day(start)}",
                      field="ends_on")
    return start, end


# -- lists -------------------------------------------------------------------------------------------

def _list_fields(commissioner_id: int, *, name, description, service_type, starts_on, ends_on,
                 exclude_id: int | None = None) -> dict:
    name = _text(name, "name", "name of the list", NAME_LIMIT)
    description = _text(description, "description", "description", DESCRIPTION_LIMIT, required=False,
                        one_line=False)
    if service_type not in SERVICE_TYPES:
        raise Invalid("Choose the type of service the list is for", field="service_type")
    start, end = _period(starts_on, ends_on, "list")
    same_name = select(SupplierList.id).where(SupplierList.tenant_id == commissioner_id,
                                              func.lower(SupplierList.name) == name.lower())
    if exclude_id is not None:
        same_name = same_name.where(SupplierList.id != exclude_id)
    if db.session.scalar(same_name):
        raise Conflict(f"You already have a list called {name}: choose another name", field="name")
    return {"name": name, "description": description, "service_type": service_type, "starts_on": start,
            "ends_on": end}


def create_list(commissioner: Organisation, *, name: str, description: str = "", service_type: str,
                starts_on: date | None, ends_on: date | None = None, actor: User | None) -> SupplierList:
    _commissioner(commissioner)
    fields = _list_fields(commissioner.id, name=name, description=description, service_type=service_type,
                          starts_on=starts_on, ends_on=ends_on)
    supplier_list = SupplierList(tenant_id=commissioner.id, provider_ids=[], **fields)
    db.session.add(supplier_list)
    db.session.flush()
    record("supplier_list_created", supplier_list, actor=actor, name=supplier_list.name)
    return supplier_list


def update_list(supplier_list: SupplierList, *, name: str, description: str = "", service_type: str,
                starts_on: date | None, ends_on: date | None = None, actor: User | None) -> SupplierList:
    _own(supplier_list)
    fields = _list_fields(supplier_list.tenant_id, name=name, description=description, service_type=service_type,
                          starts_on=starts_on, ends_on=ends_on, exclude_id=supplier_list.id)
    changed = sorted(name for name, value in fields.items() if getattr(supplier_list, name) != value)
    for key, value in fields.items():
        setattr(supplier_list, key, value)
    db.session.flush()
    if changed:
        record("supplier_list_changed", supplier_list, actor=actor, changed=changed)
    return supplier_list


# -- members -----------------------------------------------------------------------------------------

def provider_directory() -> list[Organisation]:
    """The providers a commissioner may add to a list: every active provider on the platform, by
    name (organisations' names and kinds are not tenant data)."""
    return list(db.session.scalars(select(Organisation).where(Organisation.kind == PROVIDER, Organisation.is_active)
                                   .order_by(func.lower(Organisation.name), Organisation.id)))


def _provider(slug) -> Organisation:
    slug = str(slug or "").strip().lower()
    if not slug:
        raise Invalid("Choose the provider to add", field="provider")
    found = db.session.scalar(select(Organisation).where(Organisation.slug == slug, Organisation.kind == PROVIDER,
                                                         Organisation.is_active))
    if found is None:
        raise Invalid("Choose a provider from the list", field="provider")
    return found


def add_member(supplier_list: SupplierList, *, provider: str, starts_on: date | None, ends_on: date | None = None,
               actor: User | None) -> SupplierListMember:
    """Add a provider (by its short name, from the directory) from ``starts_on`` to ``ends_on``."""
    _own(supplier_list)
    chosen = _provider(provider)
    start, end = _period(starts_on, ends_on, "membership")
    if db.session.scalar(select(SupplierListMember.id).where(
            SupplierListMember.tenant_id == supplier_list.tenant_id, SupplierListMember.list_id == supplier_list.id,
            SupplierListMember.provider_id == chosen.id, SupplierListMember.removed_at.is_(None))):
        raise Conflict(f"{chosen.name} is already on this list: change the dates of its membership instead",
                       field="provider")
    member = SupplierListMember(tenant_id=supplier_list.tenant_id, list_id=supplier_list.id, provider_id=chosen.id,
                                starts_on=start, ends_on=end, added_by_id=actor.id if actor else None,
                                removed_reason="")
    db.session.add(member)
    if chosen.id not in (supplier_list.provider_ids or []):
        supplier_list.provider_ids = sorted([*(supplier_list.provider_ids or []), chosen.id])
    db.session.flush()
    record("supplier_list_member_added", supplier_list, actor=actor, provider=chosen.slug,
           starts_on=start.isoformat(), ends_on=end.isoformat() if end else None)
    return member


def change_member(member: SupplierListMember, *, starts_on: date | None, ends_on: date | None,
                  actor: User | None) -> SupplierListMember:
    if member.tenant_id != current_tenant_id():
        raise ServiceError("Only the commissioner that keeps this list can change it")
    if member.removed_at is not None:
        raise Conflict("This provider was removed from the list: add it again to give it new dates")
    start, end = _period(starts_on, ends_on, "membership")
    before = (member.starts_on, member.ends_on)
    member.starts_on, member.ends_on = start, end
    db.session.flush()
    if before != (start, end):
        record("supplier_list_member_changed", member, actor=actor, provider=member.provider.slug,
               starts_on=start.isoformat(), ends_on=end.isoformat() if end else None)
    return member


def remove_member(member: SupplierListMember, reason: str, *, actor: User | None,
                  now: datetime | None = None) -> SupplierListMember:
    """Take a provider off the list from now, with the reason (kept, and read by the provider)."""
    if member.tenant_id != current_tenant_id():
        raise ServiceError("Only the commissioner that keeps this list can change it")
    if member.removed_at is not None:
        raise Conflict("This provider has already been removed from the list")
    reason = _text(reason, "reason", "reason for removing the provider", REASON_LIMIT, one_line=False)
    member.removed_at, member.removed_reason = now or utcnow(), reason
    member.removed_by_id = actor.id if actor else None
    db.session.flush()
    record("supplier_list_member_removed", member, actor=actor, provider=member.provider.slug, reason=reason)
    return member


# -- mini-competitions --------------------------------------------------------------------------------

def _list_for(tender: Tender, supplier_list_id) -> SupplierList:
    try:
        wanted = int(supplier_list_id)
    except (TypeError, ValueError):
        raise Invalid("Choose one of your approved supplier lists", field="supplier_list") from None
    found = db.session.scalar(select(SupplierList).where(SupplierList.tenant_id == tender.tenant_id,
                                                         SupplierList.id == wanted)) if fits_id(wanted) else None
    if found is None:
        raise Invalid("Choose one of your approved supplier lists", field="supplier_list")
    return found


def restrict_tender(tender: Tender, supplier_list_id, *, actor: User | None, now: datetime | None = None) -> Tender:
    """Make a draft a mini-competition for the members of one of the commissioner's lists (or, with
    ``supplier_list_id`` None, open to every provider again)."""
    if tender.tenant_id != current_tenant_id():
        raise ServiceError("Only the commissioner that runs this tender can change it")
    if tender.status != DRAFT:
        raise Conflict("Who can bid is fixed once the tender is published", field="supplier_list")
    if supplier_list_id in (None, ""):
        if tender.supplier_list_id is not None:
            tender.supplier_list_id = None
            db.session.flush()
            record("tender_opened_to_all", tender, actor=actor, reference=tender.reference)
        return tender
    supplier_list = _list_for(tender, supplier_list_id)
    if supplier_list.service_type != tender.service_type:
        raise Invalid(f"{supplier_list.name} is a list for {supplier_list.service_type_label.lower()}: choose a list "
                      f"for {tender.service_type_label.lower()}", field="supplier_list")
    today = london_day(now)
    if supplier_list.ends_on is not None and supplier_list.ends_on < today:
        raise Invalid(f"{supplier_list.name} ended on {format_day(supplier_list.ends_on)}: choose a list that is "
                      "still running", field="supplier_list")
    if tender.supplier_list_id != supplier_list.id:
        tender.supplier_list_id = supplier_list.id
        db.session.flush()
        record("tender_restricted", tender, actor=actor, reference=tender.reference, supplier_list=supplier_list.name)
    return tender


def members_on(supplier_list: SupplierList, day: date) -> list[SupplierListMember]:
    """The list's members on ``day``: not removed, started, not yet ended."""
    return list(db.session.scalars(select(SupplierListMember).where(
        SupplierListMember.tenant_id == supplier_list.tenant_id, SupplierListMember.list_id == supplier_list.id,
        SupplierListMember.removed_at.is_(None), SupplierListMember.starts_on <= day,
        (SupplierListMember.ends_on.is_(None)) | (SupplierListMember.ends_on >= day))
        .order_by(SupplierListMember.provider_id)))


def fix_audience(tender: Tender, now: datetime) -> None:
    """At publication: a mini-competition's audience becomes its list's members on the day (by
    the Europe/London calendar), stored on the tender (and copied by the database to every row
    listed about it). Refused when the list does not run that day or has nobody on it."""
    if tender.supplier_list_id is None:
        return  # open to every provider: the audience stays NULL
    supplier_list = _list_for(tender, tender.supplier_list_id)
    day = london_day(now)
    if not supplier_list.runs_on(day):
        when = (f"starts on {format_day(supplier_list.starts_on)}" if day < supplier_list.starts_on
                else f"ended on {format_day(supplier_list.ends_on)}")
        raise Invalid(f"The approved supplier list {supplier_list.name} {when}: choose another list, or open the "
                      "tender to every provider")
    members = members_on(supplier_list, day)
    if not members:
        raise Invalid(f"Nobody is a member of {supplier_list.name} today: add members to the list, or open the "
                      "tender to every provider")
    tender.audience = sorted({member.provider_id for member in members})
    db.session.flush()  # the tender's audience first: its rows written next take it (the database copies it)
    record("tender_audience_fixed", tender, actor=None, supplier_list=supplier_list.name,
           providers=len(tender.audience))
