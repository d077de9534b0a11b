"""Evaluation and award: criteria, the panel, declarations, scores, moderation, the ranking, the
award of each lot, the public awards and a bidder's own outcome."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.errors import NotFound
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.procurement import award as awards
from portal.procurement import evaluation as services
from portal.procurement import evaluation_forms as forms
from portal.procurement import evaluation_queries as queries
from portal.procurement.evaluation_schemas import (AssignSchema, AwardInSchema, AwardSchema, BidScoresSchema,
                                                   CriteriaInSchema, CriteriaSchema, DeclarationSchema, EvaluatorSchema,
                                                   ModerationSchema, BidOutcomeSchema, RankingSchema, RemoveSchema,
                                                   ScoresInSchema)

bp = ApiBlueprint("api_evaluation", __name__, description="Evaluation and award")


@bp.org_route("/tenders/<int:tender_id>/criteria")
@requires("view_tenders")
@bp.response(200, CriteriaSchema)
@bp.doc(security=BEARER)
def criteria(tender):
    """The tender's award criteria: quality and price weights, quality questions, places per lot"""
    return queries.criteria_view(tender)


@bp.org_route("/tenders/<int:tender_id>/criteria", methods=["PUT"])
@requires("manage_tenders")
@bp.arguments(CriteriaInSchema)
@bp.response(200, CriteriaSchema)
@bp.doc(security=BEARER)
def set_criteria(data, tender):
    """Set a draft's whole criteria (the questions replace those it had); a published tender's are fixed"""
    services.ensure_commissioner(g.organisation, tender)
    services.set_criteria(tender, actor=current_user, **data)
    return queries.criteria_view(tender)


@bp.org_route("/tenders/<int:tender_id>/evaluators")
@requires("evaluate_bids")
@bp.response(200, EvaluatorSchema(many=True))
@bp.doc(security=BEARER)
def evaluators(tender):
    """The tender's panel, with each evaluator's declaration"""
    services.ensure_commissioner(g.organisation, tender)
    return queries.evaluators_of(tender)


@bp.org_route("/tenders/<int:tender_id>/evaluators", methods=["POST"])
@requires("manage_tenders")
@bp.arguments(AssignSchema)
@bp.response(201, EvaluatorSchema)
@bp.doc(security=BEARER)
def assign(data, tender):
    """Put a member on the panel, by `email` or `user_id` (they are emailed to declare their interests)"""
    services.ensure_commissioner(g.organisation, tender)
    return services.assign_evaluator(tender, user_id=data["user_id"], email=data["email"], actor=current_user)


@bp.org_route("/tenders/<int:tender_id>/evaluators/remove", methods=["POST"])
@requires("manage_tenders")
@bp.arguments(RemoveSchema)
@bp.response(200, EvaluatorSchema)
@bp.doc(security=BEARER)
def remove(data, tender):
    """Take an evaluator off the panel (scores they submitted no longer count)"""
    services.ensure_commissioner(g.organisation, tender)
    return services.remove_evaluator(tender, user_id=data["user_id"], actor=current_user)


@bp.org_route("/tenders/<int:tender_id>/declaration", methods=["POST"])
@requires("evaluate_bids")
@bp.arguments(DeclarationSchema)
@bp.response(201, EvaluatorSchema)
@bp.doc(security=BEARER)
def declare(data, tender):
    """Your declaration of interests, once the bids are opened: no conflict, or a conflict (you leave the panel)"""
    services.ensure_commissioner(g.organisation, tender)
    return services.declare(tender, current_user, conflict=data["conflict"], details=data["details"])


@bp.org_route("/tenders/<int:tender_id>/bids/<int:bid_id>/scores")
@requires("evaluate_bids")
@bp.response(200, BidScoresSchema)
@bp.doc(security=BEARER)
def bid_scores(tender, bid):
    """A bid's questions and answers with your scores; other evaluators' only once you have submitted yours"""
    services.ensure_commissioner(g.organisation, tender)
    evaluator = queries.evaluator_of(tender, current_user.id)
    if evaluator is None or evaluator.status != "declared":
        raise NotFound("No such bid to score: you read bids once you are an evaluator who declared no conflict")
    return queries.bid_scores_view(queries.scores_for_reader(tender, bid, current_user.id))


@bp.org_route("/tenders/<int:tender_id>/bids/<int:bid_id>/scores", methods=["POST"])
@requires("evaluate_bids")
@bp.arguments(ScoresInSchema)
@bp.response(201, BidScoresSchema)
@bp.doc(security=BEARER)
def submit_scores(data, tender, bid):
    """Submit your score (0-4) and reason for every quality question of the bid, at once: final"""
    services.ensure_commissioner(g.organisation, tender)
    services.submit_scores(tender, bid, current_user, forms.scores_from_api(data["scores"]))
    return queries.bid_scores_view(queries.scores_for_reader(tender, bid, current_user.id))


@bp.org_route("/tenders/<int:tender_id>/lots/<int:lot_number>/moderation")
@requires("moderate_bids")
@bp.response(200, ModerationSchema)
@bp.doc(security=BEARER)
def moderation(tender, lot):
    """The lot's bids with every evaluator's scores (once all are in), flags and consensus scores"""
    services.ensure_commissioner(g.organisation, tender)
    return queries.moderation_view(queries.lot_progress(tender, lot))


@bp.org_route("/tenders/<int:tender_id>/bids/<int:bid_id>/consensus", methods=["POST"])
@requires("moderate_bids")
@bp.arguments(ScoresInSchema)
@bp.response(201, ModerationSchema)
@bp.doc(security=BEARER)
def consensus(data, tender, bid):
    """Record the consensus score (0-4) and reason of every quality question of the bid"""
    services.ensure_commissioner(g.organisation, tender)
    services.record_consensus(tender, bid, current_user, forms.scores_from_api(data["scores"]),
                              kind=g.organisation.kind)
    return queries.moderation_view(queries.lot_progress(tender, bid.lot))


@bp.org_route("/tenders/<int:tender_id>/lots/<int:lot_number>/ranking")
@requires("moderate_bids")
@bp.response(200, RankingSchema)
@bp.doc(security=BEARER)
def ranking(tender, lot):
    """The lot's ranking with prices and every figure's working (409 until quality is moderated)"""
    services.ensure_commissioner(g.organisation, tender)
    return queries.ranking_view(lot, tender, queries.ranking(tender, lot))


@bp.org_route("/tenders/<int:tender_id>/lots/<int:lot_number>/award", methods=["POST"])
@requires("award_tenders")
@bp.arguments(AwardInSchema)
@bp.response(201, AwardSchema(many=True))
@bp.doc(security=BEARER)
def award(data, tender, lot):
    """Award the lot to `bids` (the top of the ranking, or others with a `reason`); every bidder is emailed"""
    services.ensure_commissioner(g.organisation, tender)
    return awards.award_lot(tender, lot, bid_ids=data["bids"], reason=data["reason"],
                            contract_end=data["contract_end"], actor=current_user)


@bp.org_route("/tenders/<int:tender_id>/awards")
@requires("view_tenders")
@bp.response(200, AwardSchema(many=True))
@bp.doc(security=BEARER)
def tender_awards(tender):
    """The tender's awards (public): winner, value, standstill and the contract each became"""
    return queries.awards_of(tender)


@bp.org_route("/tenders/<int:tender_id>/outcome")
@requires("view_bid_outcomes")
@bp.response(200, BidOutcomeSchema(many=True))
@bp.doc(security=BEARER)
def outcome(tender):
    """Your bids' outcomes: successful or not, your scores and the winner's, with the reasons"""
    return queries.outcomes_of(g.organisation.id, tender)
