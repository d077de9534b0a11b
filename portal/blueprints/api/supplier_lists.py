"""Approved supplier lists and mini-competitions: the procurement team keeps lists and their
members and restricts a draft tender to a list; a provider reads its own memberships."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.errors import NotFound
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.procurement import policy, supplier_list_queries as queries, supplier_lists as services
from portal.procurement.supplier_list_schemas import (RestrictedTenderSchema, SupplierListMemberCreateSchema,
                                                      SupplierListMemberDatesSchema, SupplierListMemberRemoveSchema,
                                                      SupplierListMemberSchema, SupplierListSchema,
                                                      SupplierListWriteSchema, TenderRestrictionSchema)

bp = ApiBlueprint("api_supplier_lists", __name__, description="Approved supplier lists and mini-competitions")


def _own(supplier_list) -> None:
    if supplier_list.tenant_id != g.organisation.id:
        raise NotFound("No such approved supplier list")


@bp.org_route("/supplier-lists")
@requires("view_supplier_lists")
@bp.response(200, SupplierListSchema(many=True))
@bp.doc(security=BEARER)
def supplier_lists():
    """A commissioner's lists with every membership; for a provider, the lists it is on with its own membership"""
    return queries.readable_lists()


@bp.org_route("/supplier-lists", methods=["POST"])
@requires("manage_supplier_lists")
@bp.arguments(SupplierListWriteSchema)
@bp.response(201, SupplierListSchema)
@bp.doc(security=BEARER)
def create_list(data):
    """Create an approved supplier list (commissioners)"""
    return services.create_list(g.organisation, actor=current_user, **data)


@bp.org_route("/supplier-lists/<int:supplier_list_id>")
@requires("view_supplier_lists")
@bp.response(200, SupplierListSchema)
@bp.doc(security=BEARER)
def supplier_list(supplier_list):
    """One list with its memberships (a provider's own only, for a provider)"""
    return supplier_list


@bp.org_route("/supplier-lists/<int:supplier_list_id>", methods=["PUT"])
@requires("manage_supplier_lists")
@bp.arguments(SupplierListWriteSchema)
@bp.response(200, SupplierListSchema)
@bp.doc(security=BEARER)
def update_list(data, supplier_list):
    """Change a list's name, description, type of service or dates"""
    _own(supplier_list)
    return services.update_list(supplier_list, actor=current_user, **data)


@bp.org_route("/supplier-lists/<int:supplier_list_id>/members", methods=["POST"])
@requires("manage_supplier_lists")
@bp.arguments(SupplierListMemberCreateSchema)
@bp.response(201, SupplierListMemberSchema)
@bp.doc(security=BEARER)
def add_member(data, supplier_list):
    """Add a provider (by its short name) from a day, until a day or without an end"""
    _own(supplier_list)
    return services.add_member(supplier_list, actor=current_user, **data)


@bp.org_route("/supplier-lists/<int:supplier_list_id>/members/<int:list_member_id>", methods=["PUT"])
@requires("manage_supplier_lists")
@bp.arguments(SupplierListMemberDatesSchema)
@bp.response(200, SupplierListMemberSchema)
@bp.doc(security=BEARER)
def change_member(data, supplier_list, list_member):
    """Change the days of a membership"""
    _own(supplier_list)
    return services.change_member(list_member, actor=current_user, **data)


@bp.org_route("/supplier-lists/<int:supplier_list_id>/members/<int:list_member_id>/remove", methods=["POST"])
@requires("manage_supplier_lists")
@bp.arguments(SupplierListMemberRemoveSchema)
@bp.response(200, SupplierListMemberSchema)
@bp.doc(security=BEARER)
def remove_member(data, supplier_list, list_member):
    """Remove a provider from the list from now, with the reason (the provider reads it)"""
    _own(supplier_list)
    return services.remove_member(list_member, data["reason"], actor=current_user)


@bp.org_route("/tenders/<int:tender_id>/supplier-list", methods=["POST"])
@requires("manage_tenders")
@bp.arguments(TenderRestrictionSchema)
@bp.response(200, RestrictedTenderSchema)
@bp.doc(security=BEARER)
def restrict(data, tender):
    """Make a draft a mini-competition for one list's members (null: open to every provider)"""
    if not policy.owns(g.organisation.id, tender):
        raise NotFound("No such tender")
    return services.restrict_tender(tender, data["supplier_list_id"], actor=current_user)
