"""Reads for organisations and memberships. Lookups by id take the tenant (via the ORM layer)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, lazyload

from portal.accounts.models import Invitation, User
from portal.extensions import db
from portal.tenants.models import Membership, Organisation


def get_organisation_by_slug(slug: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug, Organisation.is_active))


def get_suspended_organisation_by_slug(slug: str) -> Organisation | None:
    """An organisation suspended for offboarding (its members are told so; others get a 404)."""
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug, Organisation.suspended_at.is_not(None),
                                                        Organisation.deleted_at.is_(None)))


def memberships_of(user: User) -> list[Membership]:
    """The signed-in user's own memberships across organisations (user scope, not tenant scope)."""
    # The organisation from the join itself, and the person from the session (no joins again).
    return list(db.session.scalars(
        select(Membership).join(Membership.organisation)
        .options(contains_eager(Membership.organisation), lazyload(Membership.user))
        .where(Membership.user_id == user.id, Organisation.is_active)
        .order_by(Organisation.name).execution_options(user_scope=True)))


def membership_in(organisation: Organisation, user: User) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.tenant_id == organisation.id, Membership.user_id == user.id)
        .execution_options(user_scope=True))


def list_members() -> list[Membership]:
    return list(db.session.scalars(select(Membership).join(Membership.user).order_by(User.email)))


def get_member(membership_id: int) -> Membership | None:
    return db.session.scalar(select(Membership).where(Membership.id == membership_id))


def list_invitations() -> list[Invitation]:
    return list(db.session.scalars(select(Invitation).order_by(Invitation.created_at.desc())))


def get_invitation(invitation_id: int) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(Invitation.id == invitation_id))


def list_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.name)))
