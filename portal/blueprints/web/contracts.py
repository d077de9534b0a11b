"""Contracts: a commissioner creates them with their schedule; both sides read them."""
from __future__ import annotations

from flask import g, url_for
from flask_login import current_user

from portal.contracts import queries
from portal.contracts import services as contract_services
from portal.contracts.custom_frameworks import visible_frameworks
from portal.contracts.forms import ContractForm
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.returns.queries import schedule_of
from portal.returns.review_page import lateness

bp = tenant_blueprint("contracts", __name__, "/contracts")


@bp.get("/")
@requires("view_contracts")
def index():
    return render("contracts/index.html", contracts=queries.list_contracts(),
                  can_create=g.membership.can("manage_contracts"))


@bp.route("/new", methods=["GET", "POST"])
@requires("manage_contracts")
def new():
    form = ContractForm()
    form.provider.choices = [("", "Choose a provider")] + [(p.slug, p.name) for p in queries.list_providers()]
    form.framework.choices = [(f.id, f.name) for f in visible_frameworks(g.organisation)]
    form.lead_manager.choices = [(u.id, u.full_name or u.email) for u in queries.list_managers()]
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            contract = contract_services.create_contract(
                g.organisation, provider_slug=form.provider.data, reference=form.reference.data,
                title=form.title.data, service_type=form.service_type.data, care_group=form.care_group.data,
                locality=form.locality.data, start_date=form.start_date.data, end_date=form.end_date.data,
                annual_value=form.annual_value.data, funding_model=form.funding_model.data,
                framework_id=form.framework.data, lead_manager_id=form.lead_manager.data,
                living_wage_rate=form.living_wage_rate.data, delivery_unit=form.delivery_unit.data or None,
                actor=current_user)
            contract_services.create_schedule(contract, frequency=form.frequency.data, due_days=form.due_days.data,
                                              actor=current_user)
        if attempt.ok:
            flash_success(f"Contract {contract.reference} has been created with its return schedule")
            return redirect_to(url_for(".show", contract_id=contract.id))
        return render("contracts/new.html", form=form, status=attempt.status)
    return render("contracts/new.html", form=form)


@bp.get("/<int:contract_id>")
@requires("view_contracts")
def show(contract):
    return render("contracts/show.html", contract=contract, schedule=queries.schedule_for(contract),
                  periods=schedule_of(contract), lateness=lateness)
