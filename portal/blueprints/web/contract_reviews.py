"""Contracts due to end, with delivery, spend, outcomes and compliance, and the decision on each."""
from __future__ import annotations

from flask import g, request, url_for
from flask_login import current_user

from portal.contract_reviews import queries, services
from portal.contract_reviews.models import DECISIONS, WINDOWS
from portal.errors import NotFound
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.invoicing.payment_runs import date_from_fields

bp = tenant_blueprint("contract_reviews", __name__, "/contract-reviews")


@bp.get("/")
@requires("view_contract_reviews")
def index():
    within, error = queries.read_window(request.args.get("within"))
    rows = queries.due_for_review(g.organisation.id, within)
    return render("contract_reviews/index.html", rows=rows, within=within, windows=WINDOWS,
                  errors={"within": error} if error else {}, status=400 if error else 200)


def _page(contract, *, values=None, errors=None, status=200):
    row = queries.review_of(contract, g.organisation.id)
    if row is None:
        raise NotFound("No such contract")
    return render("contract_reviews/show.html", row=row, contract=contract, decisions=DECISIONS,
                  kinds=services.VARY_KINDS, values=values or {"new_end_date": ["", "", ""]}, errors=errors or {},
                  status=status)


@bp.get("/<int:contract_id>")
@requires("view_contract_reviews")
def show(contract):
    return _page(contract)


@bp.post("/<int:contract_id>")
@requires("decide_contract_reviews")
def decide(contract):
    form = request.form
    new_end, typed, message = date_from_fields(form, "new_end_date", "the date the extended contract ends")
    data = {"decision": form.get("decision", ""), "reason": form.get("reason", "")[:6000],
            "kind": form.get("kind", ""), "description": form.get("description", "")[:6000],
            "value_change": form.get("value_change", "")[:40],
            "new_end_date": new_end if not message else ("bad" if any(typed) else None)}
    errors: dict = {}
    with form_errors(errors) as attempt:
        review = services.decide(contract, data, actor=current_user)
    if attempt.ok:
        flash_success(f"Decision recorded for {contract.reference}: {DECISIONS[review.decision].lower()}. "
                      f"{contract.provider.name} has been told.")
        return redirect_to(url_for("contract_reviews.show", contract_id=contract.id))
    if "new_end_date" in errors and message:
        errors["new_end_date"] = message
    return _page(contract, values={**data, "new_end_date": typed}, errors=errors, status=attempt.status)
