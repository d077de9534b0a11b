"""Evaluation and award pages: a draft's criteria; the panel, declarations and scoring of the
evaluators; moderation and the ranking; the award of each lot; and each bidder's outcome."""
from __future__ import annotations

from flask import g, request, url_for
from flask_login import current_user

from portal.errors import Invalid
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.procurement import award as awards
from portal.procurement import evaluation as services
from portal.procurement import evaluation_forms as forms
from portal.procurement import evaluation_queries as queries
from portal.procurement import policy, regimes
from portal.procurement.evaluation_models import SCALE

bp = tenant_blueprint("evaluation", __name__)


def _context(**extra) -> dict:
    return {"policy": policy, "regimes": regimes, "scale": SCALE, **extra}


# -- criteria ------------------------------------------------------------------------------------------

@bp.get("/tenders/<int:tender_id>/criteria")
@requires("view_tenders")
def criteria(tender):
    questions = queries.quality_questions(tender)
    return _criteria_page(tender, forms.criteria_from_tender(tender, questions), questions)


@bp.post("/tenders/<int:tender_id>/criteria")
@requires("manage_tenders")
def save_criteria(tender):
    services.ensure_commissioner(g.organisation, tender)
    values = forms.criteria_from_post(request.form, tender)
    if request.form.get("action") == "add":
        values.rows.append(forms.blank_row())
        return _criteria_page(tender, values, queries.quality_questions(tender))
    with form_errors(values.errors) as attempt:
        services.set_criteria(tender, actor=current_user, **forms.criteria_arguments(values))
    if attempt.ok:
        flash_success("The award criteria are saved")
        return redirect_to(url_for(".criteria", tender_id=tender.id))
    if not values.rows:
        values.rows.append(forms.blank_row())
    return _criteria_page(tender, values, queries.quality_questions(tender), status=attempt.status)


def _criteria_page(tender, values, questions, *, status: int = 200):
    editable = (policy.owns(g.organisation.id, tender) and policy.is_draft(tender)
                and g.membership.can("manage_tenders"))
    return render("evaluation/criteria.html", **_context(
        tender=tender, values=values, questions=questions, editable=editable, sums=queries.weight_sums(tender),
        unusual=forms.unusual_weights(values), lots={lot.id: lot for lot in tender.lots}), status=status)


# -- the panel and the evaluator's home ---------------------------------------------------------------

@bp.get("/evaluation/")
@requires("evaluate_bids")
def home():
    return render("evaluation/home.html", **_context(assignments=queries.assignments(current_user.id)))


@bp.get("/tenders/<int:tender_id>/evaluate")
@requires("evaluate_bids")
def overview(tender):
    services.ensure_commissioner(g.organisation, tender)
    return _overview(tender)


def _overview(tender, *, errors: dict | None = None, status: int = 200):
    me = queries.evaluator_of(tender, current_user.id)
    mine = next((a for a in queries.assignments(current_user.id) if a.tender.id == tender.id), None)
    return render("evaluation/overview.html", **_context(
        tender=tender, evaluators=queries.evaluators_of(tender), candidates=queries.candidates(tender), me=me,
        mine=mine, lots=[queries.lot_progress(tender, lot) for lot in tender.lots] if tender.opened_at else [],
        awards=queries.awards_of(tender), errors=errors or {}), status=status)


@bp.post("/tenders/<int:tender_id>/evaluators")
@requires("manage_tenders")
def assign(tender):
    services.ensure_commissioner(g.organisation, tender)
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        evaluator = services.assign_evaluator(tender, user_id=request.form.get("evaluator"), actor=current_user)
    if attempt.ok:
        flash_success(f"{evaluator.user.display_name} is an evaluator of {tender.reference}: they are emailed to "
                      "declare their interests")
        return redirect_to(url_for(".overview", tender_id=tender.id) + "#panel")
    return _overview(tender, errors=errors or {"evaluator": attempt.message}, status=attempt.status)


@bp.post("/tenders/<int:tender_id>/evaluators/remove")
@requires("manage_tenders")
def remove(tender):
    services.ensure_commissioner(g.organisation, tender)
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        evaluator = services.remove_evaluator(tender, user_id=request.form.get("evaluator"), actor=current_user)
    if attempt.ok:
        flash_success(f"{evaluator.user.display_name} is no longer an evaluator of {tender.reference}")
        return redirect_to(url_for(".overview", tender_id=tender.id) + "#panel")
    return _overview(tender, errors=errors or {"evaluator": attempt.message}, status=attempt.status)


@bp.route("/tenders/<int:tender_id>/declaration", methods=["GET", "POST"])
@requires("evaluate_bids")
def declaration(tender):
    services.ensure_commissioner(g.organisation, tender)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        with form_errors(errors) as attempt:
            made = services.declare(tender, current_user, conflict=request.form.get("conflict"),
                                    details=request.form.get("details", ""))
        if attempt.ok:
            flash_success("You have declared a conflict of interest: you are no longer an evaluator of this tender"
                          if made.status == "conflicted" else "Thank you: you can now read and score the bids")
            return redirect_to(url_for(".overview", tender_id=tender.id))
        errors, status = errors or {"conflict": attempt.message}, attempt.status
    return render("evaluation/declaration.html", **_context(
        tender=tender, me=queries.evaluator_of(tender, current_user.id),
        bidders=queries.bidders(tender) if tender.opened_at else [], errors=errors, form=request.form),
        status=status)


# -- scoring and moderation ----------------------------------------------------------------------------

@bp.route("/tenders/<int:tender_id>/bids/<int:bid_id>/score", methods=["GET", "POST"])
@requires("evaluate_bids")
def score(tender, bid):
    services.ensure_commissioner(g.organisation, tender)
    me = queries.evaluator_of(tender, current_user.id)
    if me is None or me.status != "declared":
        return render("evaluation/not_evaluator.html", **_context(tender=tender, me=me))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        with form_errors(errors) as attempt:
            services.submit_scores(tender, bid, current_user,
                                   forms.scores_from_post(request.form, queries.questions_for_lot(tender, bid.lot_id)))
        if attempt.ok:
            flash_success(f"Your scores for {bid.provider.name}, lot {bid.lot.number}, are submitted")
            return redirect_to(url_for(".overview", tender_id=tender.id) + "#your-bids")
        errors, status = errors or {"": attempt.message}, attempt.status
    return render("evaluation/score.html", **_context(
        tender=tender, bid=bid, sheet=queries.scores_for_reader(tender, bid, current_user.id), errors=errors,
        form=request.form), status=status)


@bp.get("/tenders/<int:tender_id>/lots/<int:lot_number>/moderation")
@requires("moderate_bids")
def moderation(tender, lot):
    services.ensure_commissioner(g.organisation, tender)
    return render("evaluation/moderation.html", **_context(
        tender=tender, progress=queries.lot_progress(tender, lot),
        problem=queries.moderation_problem(tender, current_user.id, g.organisation.kind)))


@bp.route("/tenders/<int:tender_id>/bids/<int:bid_id>/moderate", methods=["GET", "POST"])
@requires("moderate_bids")
def moderate(tender, bid):
    services.ensure_commissioner(g.organisation, tender)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        with form_errors(errors) as attempt:
            services.record_consensus(tender, bid, current_user, forms.scores_from_post(
                request.form, queries.questions_for_lot(tender, bid.lot_id)), kind=g.organisation.kind)
        if attempt.ok:
            flash_success(f"The consensus scores for {bid.provider.name} are recorded")
            return redirect_to(url_for(".moderation", tender_id=tender.id, lot_number=bid.lot.number))
        errors, status = errors or {"": attempt.message}, attempt.status
    progress = queries.lot_progress(tender, bid.lot)
    return render("evaluation/moderate.html", **_context(
        tender=tender, bid=bid, progress=progress, item=next(b for b in progress.bids if b.bid.id == bid.id)
        if any(b.bid.id == bid.id for b in progress.bids) else None,
        problem=queries.moderation_problem(tender, current_user.id, g.organisation.kind), errors=errors,
        form=request.form), status=status)


@bp.get("/tenders/<int:tender_id>/lots/<int:lot_number>/ranking")
@requires("moderate_bids")
def ranking(tender, lot):
    services.ensure_commissioner(g.organisation, tender)
    progress = queries.lot_progress(tender, lot)
    return render("evaluation/ranking.html", **_context(
        tender=tender, lot=lot, progress=progress, ranked=queries.ranking(tender, lot, progress)
        if progress.moderated else [], awards=progress.awards))


# -- the award -----------------------------------------------------------------------------------------

@bp.route("/tenders/<int:tender_id>/lots/<int:lot_number>/award", methods=["GET", "POST"])
@requires("award_tenders")
def award(tender, lot):
    services.ensure_commissioner(g.organisation, tender)
    progress = queries.lot_progress(tender, lot)
    ranked = queries.ranking(tender, lot, progress) if progress.moderated else []
    contract_end, typed, date_problem = forms.date_from_post(request.form, "contract_end")
    values = {"bids": forms.chosen_bids(request.form), "reason": request.form.get("reason", "")[:5000],
              "contract_end": typed}
    if request.method == "GET":
        end = awards.default_contract_end(tender)
        values.update(bids=[str(r.bid.bid_id) for r in ranked if r.rank <= lot.places][:lot.places],
                      contract_end=[str(end.day), str(end.month), str(end.year)])
    errors: dict[str, str] = {}
    plan, status = None, 200
    if request.method == "POST" and request.form.get("action") != "change":
        with form_errors(errors) as attempt:
            if date_problem:
                raise Invalid(date_problem, field="contract_end")
            if request.form.get("action") == "confirm":
                made = awards.award_lot(tender, lot, bid_ids=values["bids"], reason=values["reason"],
                                        contract_end=contract_end, actor=current_user)
            else:
                plan = awards.plan_award(tender, lot, bid_ids=values["bids"], reason=values["reason"],
                                         contract_end=contract_end)
        if attempt.ok and request.form.get("action") == "confirm":
            flash_success(f"Lot {lot.number} is awarded to {', '.join(a.provider.name for a in made)}: every bidder "
                          "is being emailed, and the standstill has begun")
            return redirect_to(url_for(".overview", tender_id=tender.id) + "#lots")
        if not attempt.ok:
            plan, errors, status = None, errors or {"": attempt.message}, attempt.status
    return render("evaluation/award.html", **_context(
        tender=tender, lot=lot, progress=progress, ranked=ranked, plan=plan, values=values, errors=errors),
        status=status)


@bp.get("/tenders/<int:tender_id>/outcome")
@requires("view_bid_outcomes")
def outcome(tender):
    return render("evaluation/outcome.html", **_context(
        tender=tender, outcomes=queries.outcomes_of(g.organisation.id, tender),
        bid_lots=queries.own_bid_lots(g.organisation.id, tender), awards=queries.awards_of(tender)))
