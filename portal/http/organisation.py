"""Layer 1 (identity): the organisation comes from the address and the person's membership of
it, never from a header, a query or a body. Pages name it as /o/<slug>/..., the API as
/api/v1/orgs/<slug>/... or, for a person with one organisation, not at all. Both ways in end
in ``enter_organisation``.
"""
from __future__ import annotations

from flask import Blueprint, g

from portal.tenants.context import current_tenant_id, set_identity, tenant_context
from portal.tenants.queries import get_suspended_organisation_by_slug, membership_in, memberships_of


class NoOrganisation(Exception):
    """The address names no organisation of this person's (a 404, whichever the reason)."""


class OrganisationSuspended(Exception):
    """The address names an organisation of this person's that is suspended for offboarding."""

    def __init__(self, organisation):
        super().__init__(organisation.slug)
        self.organisation = organisation


class AmbiguousOrganisation(Exception):
    """A slugless API address, from a person in several organisations (or none)."""

    def __init__(self, memberships):
        super().__init__("several organisations")
        self.memberships = memberships


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint of pages inside an organisation: /o/<slug><url_prefix>/..."""
    bp = Blueprint(name, import_name, url_prefix=f"/o/<slug>{url_prefix}")

    @bp.url_defaults
    def add_slug(_endpoint, values):
        if "slug" not in values and g.get("organisation") is not None:
            values["slug"] = g.organisation.slug

    return bp


def own_memberships(user) -> list:
    """The person's own memberships (of active organisations), read once per request: the MFA
    check and ``enter_organisation`` both need them."""
    cached = g.get("own_memberships")
    if cached is None or cached[0] != user.id:
        with tenant_context(current_tenant_id(), user.id):  # user scope: the person's own rows
            cached = g.own_memberships = (user.id, memberships_of(user))
    return cached[1]


def enter_organisation(user, slug: str | None):
    """The organisation named by ``slug`` (or, with no slug, the person's only one) and the
    person's membership of it; sets the tenant for this request."""
    memberships = own_memberships(user)
    if slug is None:
        if len(memberships) != 1:
            raise AmbiguousOrganisation(memberships)
        membership = memberships[0]
    else:
        membership = next((m for m in memberships if m.organisation.slug == slug), None)
        if membership is None:  # not a member of an active organisation of that name
            suspended = get_suspended_organisation_by_slug(slug)
            if suspended is not None and membership_in(suspended, user) is not None:
                raise OrganisationSuspended(suspended)
            raise NoOrganisation(slug)
    organisation = membership.organisation
    set_identity(organisation.id, user.id)
    g.organisation, g.membership = organisation, membership
    return organisation, membership
