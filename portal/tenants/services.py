"""Organisations and memberships."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.services import record, record_platform
from portal.errors import Conflict, ServiceError
from portal.extensions import db
from portal.tenants.context import current_tenant_id, tenant_context
from portal.tenants.models import ORGANISATION_KINDS, Membership, Organisation
from portal.tenants.policy import LAST_ADMIN, leaves_no_administrator

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def create_organisation(*, name: str, slug: str, kind: str, actor: User | None,
                        admin_email: str | None = None) -> Organisation:
    """The platform administrator creates an organisation and invites its first admin."""
    from portal.accounts.services import invite

    name, slug = (name or "").strip(), (slug or "").strip().lower()
    if not name:
        raise ServiceError("Enter the organisation's name", field="name")
    if not SLUG_RE.match(slug) or len(slug) > 63:
        raise ServiceError("Enter a short name of lower-case letters, digits and single hyphens, "
                           "such as glasgow-hscp", field="slug")
    if kind not in ORGANISATION_KINDS:
        raise ServiceError("Choose whether the organisation is a provider or a commissioner", field="kind")
    if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        raise Conflict(f"The short name {slug} is already taken: choose another", field="slug")
    organisation = Organisation(name=name, slug=slug, kind=kind)
    db.session.add(organisation)
    db.session.flush()
    record_platform("organisation_created", organisation, actor=actor, organisation=organisation,
                    slug=slug, kind=kind)
    if admin_email:
        with tenant_context(organisation.id):
            invite(organisation, admin_email, organisation.admin_role, invited_by=actor)
    return organisation


def add_member(organisation: Organisation, user: User, role: str, *, actor: User | None = None) -> Membership:
    if organisation.id != current_tenant_id():
        raise ServiceError("Members are added inside their organisation")
    if role not in organisation.roles:
        raise ServiceError(f"Choose a role for a {organisation.kind} organisation", field="role")
    membership = Membership(user_id=user.id, role=role)
    db.session.add(membership)
    db.session.flush()
    record("member_added", membership, actor=actor, email=user.email, role=role)
    return membership


def _admin_count(organisation: Organisation) -> int:
    return len(list(db.session.scalars(select(Membership.id).where(Membership.role == organisation.admin_role))))


def change_role(membership: Membership, role: str, *, actor: User) -> None:
    organisation = membership.organisation
    if role not in organisation.roles:
        raise ServiceError(f"Choose a role for a {organisation.kind} organisation", field="role")
    if leaves_no_administrator(membership, new_role=role, administrators=_admin_count(organisation)):
        raise Conflict(LAST_ADMIN)
    old = membership.role
    membership.role = role
    record("member_role_changed", membership, actor=actor, email=membership.user.email, old=old, new=role)


def remove_member(membership: Membership, *, actor: User) -> None:
    """Remove someone; their sessions and API tokens end at once, on the server."""
    from portal.accounts.services import end_access

    if leaves_no_administrator(membership, new_role=None, administrators=_admin_count(membership.organisation)):
        raise Conflict(LAST_ADMIN)
    record("member_removed", membership, actor=actor, email=membership.user.email, role=membership.role)
    end_access(membership.user, reason="removed")
    db.session.delete(membership)
    db.session.flush()
