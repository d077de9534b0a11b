"""Investment funds: a commissioner opens a fund with a budget, weighted criteria and a panel;
providers bid (proposals of type fund bid); the panel scores each bid, a fund manager records the
moderated score, decides the bids (on the proposal's decision page) and records payments."""
from __future__ import annotations

from flask import abort, g, request, url_for
from flask_login import current_user

from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.proposals import fund_pages, funds, services

bp = tenant_blueprint("funds", __name__, "/funds")


@bp.get("/")
@requires("view_proposals")
def index():
    return render("funds/index.html", **fund_pages.index_context(g.organisation))


@bp.route("/new", methods=["GET", "POST"])
@requires("manage_funds")
def new():
    errors: dict = {}
    if request.method == "POST":
        with form_errors(errors) as attempt:
            fund = funds.create_fund(g.organisation, fund_pages.fund_form(request.form), actor=current_user)
        if attempt.ok:
            flash_success(f"{fund.name} has been saved as a draft: open it when providers may bid")
            return redirect_to(url_for(".show", fund_id=fund.id))
        return render("funds/new.html", errors=errors, values=request.form, status=attempt.status,
                      **fund_pages.new_context())
    return render("funds/new.html", errors=errors, values={}, **fund_pages.new_context())


@bp.get("/<int:fund_id>")
@requires("view_proposals")
def show(fund):
    return render("funds/show.html", errors={}, **fund_pages.show_context(fund, g.organisation, current_user))


def _own(fund):
    if fund.tenant_id != g.organisation.id:
        abort(404)


@bp.post("/<int:fund_id>/status")
@requires("manage_funds")
def status(fund):
    _own(fund)
    errors: dict = {}
    with form_errors(errors) as attempt:
        funds.set_status(fund, request.form.get("status", ""), actor=current_user)
    if attempt.ok:
        flash_success(f"{fund.name} is now {fund.status_label.lower()}")
        return redirect_to(url_for(".show", fund_id=fund.id))
    return render("funds/show.html", errors=errors, status=attempt.status,
                  **fund_pages.show_context(fund, g.organisation, current_user))


def _bid_page(fund, proposal, mode):
    _own(fund)
    errors: dict = {}
    if request.method == "POST":
        action = funds.score_bid if mode == "score" else funds.moderate_bid
        with form_errors(errors) as attempt:
            action(fund, proposal, request.form, actor=current_user)
        if attempt.ok:
            flash_success(f"Your scores of {proposal.reference} have been saved" if mode == "score"
                          else f"The panel’s scores of {proposal.reference} have been recorded")
            return redirect_to(url_for(".show", fund_id=fund.id, _anchor="bids"))
        context = fund_pages.bid_context(fund, proposal, current_user, mode)
        context["form"] = request.form
        return render("funds/score.html", errors=errors, status=attempt.status, **context)
    return render("funds/score.html", errors=errors, **fund_pages.bid_context(fund, proposal, current_user, mode))


@bp.route("/<int:fund_id>/bids/<int:proposal_id>/score", methods=["GET", "POST"])
@requires("score_fund_bids")
def score(fund, proposal):
    return _bid_page(fund, proposal, "score")


@bp.route("/<int:fund_id>/bids/<int:proposal_id>/moderate", methods=["GET", "POST"])
@requires("manage_funds")
def moderate(fund, proposal):
    return _bid_page(fund, proposal, "moderate")


@bp.route("/<int:fund_id>/bids/<int:proposal_id>/payments", methods=["GET", "POST"])
@requires("manage_funds")
def payment(fund, proposal):
    _own(fund)
    errors: dict = {}
    if request.method == "POST":
        with form_errors(errors) as attempt:
            services.record_payment(proposal, request.form, actor=current_user)
        if attempt.ok:
            flash_success(f"The payment to {proposal.provider.name} has been recorded")
            return redirect_to(url_for(".show", fund_id=fund.id, _anchor="bids"))
        return render("funds/payment.html", fund=fund, proposal=proposal, errors=errors, values=request.form,
                      status=attempt.status)
    return render("funds/payment.html", fund=fund, proposal=proposal, errors=errors, values={})

