"""Reads for contracts (scoped: a provider sees its own, a commissioner those it commissions)."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.contracts.models import Contract, ReturnSchedule
from portal.extensions import db
from portal.tenants.models import PROVIDER, Membership, Organisation


def list_contracts() -> list[Contract]:
    return list(db.session.scalars(select(Contract).order_by(Contract.reference)))


def get_contract(contract_id: int) -> Contract | None:
    return db.session.scalar(select(Contract).where(Contract.id == contract_id))


def schedule_for(contract: Contract) -> ReturnSchedule | None:
    return db.session.scalar(select(ReturnSchedule).where(ReturnSchedule.contract_id == contract.id))


def list_providers() -> list[Organisation]:
    """Providers a commissioner may contract with (organisation names are not tenant data)."""
    return list(db.session.scalars(select(Organisation).where(Organisation.kind == PROVIDER, Organisation.is_active)
                                   .order_by(Organisation.name)))


def member_by_email(organisation: Organisation, email: str | None) -> User | None:
    """A member of ``organisation`` by email address. People are looked up only among the
    organisation's own members, so the answer never tells whether an address has an account
    elsewhere on the platform."""
    email = (email or "").strip().lower()
    if not email:
        return None
    return db.session.scalar(select(User).join(Membership, Membership.user_id == User.id)
                             .where(User.email == email, Membership.tenant_id == organisation.id))


def list_managers() -> list[User]:
    """People in the current organisation who may lead a contract."""
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(("contract_manager", "commissioner_admin"))).order_by(User.full_name)))

