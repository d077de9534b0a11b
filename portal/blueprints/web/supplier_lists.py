"""Approved supplier lists: the procurement team keeps lists of providers with their dates and
restricts a draft tender to one (a mini-competition); a provider sees its own memberships."""
from __future__ import annotations

from flask import abort, g, request, url_for
from flask_login import current_user

from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.procurement import policy, supplier_list_queries as queries, supplier_lists as services
from portal.procurement.supplier_list_forms import (MemberDatesForm, RemoveMemberForm, SupplierListForm, member_form,
                                                    restriction_form)
from portal.tenants.models import COMMISSIONER

bp = tenant_blueprint("supplier_lists", __name__)


@bp.get("/supplier-lists/")
@requires("view_supplier_lists")
def index():
    if g.organisation.kind == COMMISSIONER:
        return render("supplier_lists/index.html", rows=queries.own_lists(), memberships=None)
    return render("supplier_lists/index.html", rows=None, memberships=queries.own_memberships(),
                  today=services.london_day())


@bp.route("/supplier-lists/new", methods=["GET", "POST"])
@requires("manage_supplier_lists")
def new():
    form = SupplierListForm()
    if request.method == "GET":
        form.starts_on.data = services.london_day()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            made = services.create_list(g.organisation, name=form.name.data, description=form.description.data,
                                        service_type=form.service_type.data, starts_on=form.starts_on.data,
                                        ends_on=form.ends_on.data, actor=current_user)
        if attempt.ok:
            flash_success(f"{made.name} has been created: add its members")
            return redirect_to(url_for(".show", supplier_list_id=made.id))
        return render("supplier_lists/form.html", form=form, supplier_list=None, status=attempt.status)
    return render("supplier_lists/form.html", form=form, supplier_list=None, status=422 if form.errors else 200)


@bp.get("/supplier-lists/<int:supplier_list_id>")
@requires("view_supplier_lists")
def show(supplier_list):
    owner = supplier_list.tenant_id == g.organisation.id
    return render("supplier_lists/show.html", supplier_list=supplier_list, owner=owner,
                  members=queries.members_of(supplier_list), today=services.london_day(),
                  tenders=queries.tenders_restricted_to(supplier_list), policy=policy)


@bp.route("/supplier-lists/<int:supplier_list_id>/edit", methods=["GET", "POST"])
@requires("manage_supplier_lists")
def edit(supplier_list):
    _own(supplier_list)
    form = SupplierListForm(obj=supplier_list if request.method == "GET" else None)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.update_list(supplier_list, name=form.name.data, description=form.description.data,
                                 service_type=form.service_type.data, starts_on=form.starts_on.data,
                                 ends_on=form.ends_on.data, actor=current_user)
        if attempt.ok:
            flash_success("The list has been saved")
            return redirect_to(url_for(".show", supplier_list_id=supplier_list.id))
        return render("supplier_lists/form.html", form=form, supplier_list=supplier_list, status=attempt.status)
    return render("supplier_lists/form.html", form=form, supplier_list=supplier_list,
                  status=422 if form.errors else 200)


@bp.route("/supplier-lists/<int:supplier_list_id>/members/new", methods=["GET", "POST"])
@requires("manage_supplier_lists")
def add_member(supplier_list):
    _own(supplier_list)
    form = member_form(services.provider_directory())
    if request.method == "GET":
        form.starts_on.data = max(services.london_day(), supplier_list.starts_on)
        form.ends_on.data = supplier_list.ends_on
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            member = services.add_member(supplier_list, provider=form.provider.data, starts_on=form.starts_on.data,
                                         ends_on=form.ends_on.data, actor=current_user)
        if attempt.ok:
            flash_success(f"{member.provider.name} has been added to {supplier_list.name}")
            return redirect_to(url_for(".show", supplier_list_id=supplier_list.id, _anchor="members"))
        return render("supplier_lists/member.html", form=form, supplier_list=supplier_list, member=None,
                      status=attempt.status)
    return render("supplier_lists/member.html", form=form, supplier_list=supplier_list, member=None,
                  status=422 if form.errors else 200)


@bp.route("/supplier-lists/<int:supplier_list_id>/members/<int:list_member_id>/edit", methods=["GET", "POST"])
@requires("manage_supplier_lists")
def edit_member(supplier_list, list_member):
    _own(supplier_list)
    form = MemberDatesForm(obj=list_member if request.method == "GET" else None)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.change_member(list_member, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                   actor=current_user)
        if attempt.ok:
            flash_success(f"The dates of {list_member.provider.name}’s membership have been saved")
            return redirect_to(url_for(".show", supplier_list_id=supplier_list.id, _anchor="members"))
        return render("supplier_lists/member.html", form=form, supplier_list=supplier_list, member=list_member,
                      status=attempt.status)
    return render("supplier_lists/member.html", form=form, supplier_list=supplier_list, member=list_member,
                  status=422 if form.errors else 200)


@bp.route("/supplier-lists/<int:supplier_list_id>/members/<int:list_member_id>/remove", methods=["GET", "POST"])
@requires("manage_supplier_lists")
def remove_member(supplier_list, list_member):
    _own(supplier_list)
    form = RemoveMemberForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.remove_member(list_member, form.reason.data, actor=current_user)
        if attempt.ok:
            flash_success(f"{list_member.provider.name} has been removed from {supplier_list.name}")
            return redirect_to(url_for(".show", supplier_list_id=supplier_list.id, _anchor="members"))
        return render("supplier_lists/remove.html", form=form, supplier_list=supplier_list, member=list_member,
                      status=attempt.status)
    return render("supplier_lists/remove.html", form=form, supplier_list=supplier_list, member=list_member,
                  status=422 if form.errors else 200)


@bp.route("/tenders/<int:tender_id>/supplier-list", methods=["GET", "POST"])
@requires("manage_tenders")
def restrict(tender):
    """Who can see and bid for a draft: any provider, or the members of one of the lists."""
    if not policy.owns(g.organisation.id, tender):
        abort(404)
    form = restriction_form(queries.lists_for_tender(tender), tender.supplier_list_id)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.restrict_tender(tender, form.supplier_list.data or None, actor=current_user)
        if attempt.ok:
            flash_success("Only the list’s members on the day it is published will see the tender"
                          if tender.supplier_list_id else "Every provider will see the tender once published")
            return redirect_to(url_for("tenders.show", tender_id=tender.id))
        return render("supplier_lists/restrict.html", form=form, tender=tender, status=attempt.status)
    return render("supplier_lists/restrict.html", form=form, tender=tender, status=422 if form.errors else 200)


def _own(supplier_list) -> None:
    """A provider reads a list it belongs to; the pages that change it do not exist for it."""
    if supplier_list.tenant_id != g.organisation.id:
        abort(404)
