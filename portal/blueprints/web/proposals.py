"""Proposals: a provider writes one with its financial model and submits it (each submission a
version); the commissioner it is addressed to reviews, compares versions and decides; wage floors."""
from __future__ import annotations

from flask import abort, g, request, url_for
from flask_login import current_user

from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.proposals import pages, services, wage_floors
from portal.proposals.compare import compare_versions
from portal.proposals.models import DRAFT, STATUSES

bp = tenant_blueprint("proposals", __name__, "/proposals")


@bp.get("/")
@requires("view_proposals")
def index():
    status = request.args.get("status", "")
    return render("proposals/index.html", statuses=STATUSES,
                  **pages.index_context(g.organisation, status if status in STATUSES else ""))


def _form(proposal, values, errors, status=200):
    return render("proposals/form.html", proposal=proposal, values=values, errors=errors, status=status,
                  **pages.form_context(g.organisation))


@bp.route("/new", methods=["GET", "POST"])
@requires("make_proposals")
def new():
    if request.method == "GET":
        return _form(None, {"holiday_pct": "12.07", "kind": request.args.get("kind", ""),
                            "fund_id": request.args.get("fund", "")}, {})
    errors: dict = {}
    with form_errors(errors) as attempt:
        proposal = services.create_proposal(g.organisation, request.form, actor=current_user)
    if attempt.ok:
        flash_success(f"Your draft {proposal.reference} has been saved: check it, then submit it")
        return redirect_to(url_for(".show", proposal_id=proposal.id))
    return _form(None, request.form, errors, attempt.status)


@bp.get("/<int:proposal_id>")
@requires("view_proposals")
def show(proposal):
    return render("proposals/show.html", **pages.show_context(proposal, g.organisation))


def _own_draft(proposal):
    if proposal.tenant_id != g.organisation.id:
        abort(404)


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@requires("make_proposals")
def edit(proposal):
    _own_draft(proposal)
    if request.method == "GET":
        return _form(proposal, pages.values_of(proposal), {})
    errors: dict = {}
    with form_errors(errors) as attempt:
        services.update_proposal(proposal, request.form, actor=current_user)
    if attempt.ok:
        flash_success("Your changes have been saved")
        return redirect_to(url_for(".show", proposal_id=proposal.id))
    return _form(proposal, request.form, errors, attempt.status)


@bp.post("/<int:proposal_id>/documents")
@requires("make_proposals")
def attach(proposal):
    _own_draft(proposal)
    errors: dict = {}
    with form_errors(errors) as attempt:
        link = services.attach_document(proposal, request.form.get("document_id"), actor=current_user)
    if attempt.ok:
        flash_success(f"{link.filename} has been attached")
        return redirect_to(url_for(".show", proposal_id=proposal.id, _anchor="documents"))
    return render("proposals/show.html", errors=errors, status=attempt.status,
                  **pages.show_context(proposal, g.organisation))


@bp.route("/<int:proposal_id>/submit", methods=["GET", "POST"])
@requires("make_proposals")
def submit(proposal):
    _own_draft(proposal)
    if proposal.status != DRAFT:
        return redirect_to(url_for(".show", proposal_id=proposal.id))
    errors: dict = {}
    if request.method == "POST":
        with form_errors(errors) as attempt:
            version = services.submit_proposal(proposal, actor=current_user)
        if attempt.ok:
            return render("proposals/submitted.html", proposal=proposal, version=version)
        return render("proposals/submit.html", errors=errors, status=attempt.status,
                      **pages.show_context(proposal, g.organisation))
    return render("proposals/submit.html", errors=errors, **pages.show_context(proposal, g.organisation))


@bp.post("/<int:proposal_id>/reopen")
@requires("make_proposals")
def reopen(proposal):
    _own_draft(proposal)
    errors: dict = {}
    with form_errors(errors) as attempt:
        services.reopen_proposal(proposal, actor=current_user)
    if attempt.ok:
        flash_success("The proposal is a draft again: change it and submit a new version")
        return redirect_to(url_for(".show", proposal_id=proposal.id))
    return render("proposals/show.html", errors=errors, status=attempt.status,
                  **pages.show_context(proposal, g.organisation))


@bp.route("/<int:proposal_id>/decision", methods=["GET", "POST"])
@requires("decide_proposals")
def decide(proposal):
    if proposal.commissioner_id != g.organisation.id:
        abort(404)
    errors: dict = {}
    if request.method == "POST":
        with form_errors(errors) as attempt:
            services.decide_proposal(proposal, g.organisation, decision=request.form.get("decision"),
                                     note=request.form.get("note"), awarded_amount=request.form.get("awarded_amount"),
                                     actor=current_user)
        if attempt.ok:
            flash_success(f"{proposal.reference} is now {proposal.status_label.lower()}")
            return redirect_to(url_for(".show", proposal_id=proposal.id))
        return render("proposals/decide.html", errors=errors, values=request.form, status=attempt.status,
                      **pages.show_context(proposal, g.organisation))
    return render("proposals/decide.html", errors=errors, values={}, **pages.show_context(proposal, g.organisation))


@bp.get("/<int:proposal_id>/compare")
@requires("view_proposals")
def compare(proposal):
    context = pages.show_context(proposal, g.organisation)
    numbers = [v.number for v in context["versions"]]
    old, new = request.args.get("from", ""), request.args.get("to", "")
    old = int(old) if old.isdigit() and int(old) in numbers else (numbers[-2] if len(numbers) > 1 else None)
    new = int(new) if new.isdigit() and int(new) in numbers else (numbers[-1] if numbers else None)
    by_number = {v.number: v for v in context["versions"]}
    rows = compare_versions(by_number[old].snapshot, by_number[new].snapshot) if old and new else []
    return render("proposals/compare.html", old=old, new=new, rows=rows, numbers=numbers, **context)


@bp.route("/wage-floors", methods=["GET", "POST"])
@requires("decide_proposals")
def floors():
    errors: dict = {}
    if request.method == "POST":
        with form_errors(errors) as attempt:
            floor = wage_floors.set_floor(g.organisation, request.form, actor=current_user)
        if attempt.ok:
            flash_success(f"The wage floor for {floor.year_start.year}-{str(floor.year_start.year + 1)[2:]} "
                          f"is £{floor.hourly:,.2f} an hour")
            return redirect_to(url_for(".floors"))
        return render("proposals/wage_floors.html", errors=errors, values=request.form, status=attempt.status,
                      floors=wage_floors.floors_of(g.organisation))
    return render("proposals/wage_floors.html", errors=errors, values={}, floors=wage_floors.floors_of(g.organisation))
