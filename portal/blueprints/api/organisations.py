"""An organisation, its members and its audit log."""
from __future__ import annotations

from flask import g

from portal.accounts.schemas import MembershipSchema, OrganisationSchema
from portal.audit import filters as audit_filters
from portal.audit.describe import describe
from portal.audit.queries import audit_people, list_audit_events
from portal.audit.schemas import AuditArgsSchema, AuditEventSchema
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.tenants import queries as tenants

bp = ApiBlueprint("api_orgs", __name__, description="An organisation, its members and its audit log")


@bp.org_route("")
@requires("view_organisation")
@bp.response(200, OrganisationSchema)
@bp.doc(security=BEARER)
def organisation():
    """One of the person's organisations"""
    return g.organisation


@bp.org_route("/members")
@requires("manage_members")
@bp.response(200, MembershipSchema(many=True))
@bp.doc(security=BEARER)
def members():
    """The organisation's members (administrators only)"""
    return tenants.list_members()


@bp.org_route("/members/<int:membership_id>")
@requires("manage_members")
@bp.response(200, MembershipSchema)
@bp.doc(security=BEARER)
def member(membership):
    """One member of the organisation (administrators only)"""
    return membership


@bp.org_route("/audit")
@requires("view_audit")
@bp.arguments(AuditArgsSchema, location="query")
@bp.response(200, AuditEventSchema(many=True))
@bp.doc(security=BEARER)
def audit(args):
    """The organisation's audit log, newest first, each event in words (administrators only)"""
    filters = audit_filters.from_api_args(args, people=audit_people())
    events = list_audit_events(limit=args["limit"], offset=args["offset"], filters=filters)
    return describe(events, g.organisation)
