"""Evaluating bids: the criteria, the panel and its declarations, independent scoring and
moderation. Services flush and never commit; every step is audited in the commissioner's log.

- Criteria (a draft's): quality and price weights in whole per cent adding up to 100 (outside
  10:90 to 80:20 price:quality the officer confirms a warning; price alone is refused, as every
  tender here is for care services), the quality questions (the weights of those that apply to a
  lot add up to 100) and how many providers each lot takes. A published tender's criteria are
  fixed: changing them would be an amendment, which the portal does not offer for criteria.
- The panel: the procurement team assigns members (any commissioner role); each declares, before
  seeing any bid, whether they have a conflict of interest with the bidders named to them. A
  declared conflict takes them off the panel.
- Scoring: each evaluator scores every quality question of every bid 0-4 with a reason, on their
  own, and submits a bid's scores at once; they are final.
- Moderation: once every panel member (at least two) has scored a bid, a moderator records the
  consensus score of each question, with a reason. The moderator is a member whose role lets
  them moderate and who is not on the panel, unless everyone who could is on it (then a panel
  member may, and the audit log shows who). Nobody who declared a conflict moderates.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from portal.accounts.models import User
from portal.audit.services import record
from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.services import send_email
from portal.procurement import evaluation_queries as queries
from portal.procurement import policy
from portal.procurement.bid_models import BID_SUBMITTED, Bid, QualityQuestion
from portal.procurement.evaluation_models import (ASSIGNED, CONFLICTED, DECLARED, REASON_LIMIT, REMOVED,
                                                  ConsensusScore, Evaluator, EvaluatorScore)
from portal.procurement.models import AWARDED, CANCELLED, DRAFT, EVALUATION, Tender
from portal.tenants.context import current_tenant_id
from portal.tenants.models import Organisation
from portal.urls import external_url

#: The usual range of the price weight, per cent (10:90 to 80:20 price:quality).
PRICE_WEIGHT_USUAL = (10, 80)
QUESTION_LIMIT = 5000
MAX_QUESTIONS = 30
MAX_WORD_LIMIT = 10000
MAX_PLACES = 50
ALL_LOTS = "all"


def _own(tender: Tender) -> None:
    if tender.tenant_id != current_tenant_id():
        raise NotFound("No such tender")


def _whole(value, field: str, what: str, errors: dict, low: int, high: int) -> int | None:
    raw = str(value if value is not None else "").strip().rstrip("%").strip()
    if not raw:
        errors[field] = f"Enter {what}"
        return None
    try:
        number = int(raw) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        errors[field] = f"Enter {what} as a whole number from {low} to {high}"
        return None
    return number


def _text(value, field: str, what: str, errors: dict, limit: int, *, required: bool = True) -> str:
    text = str(value if value is not None else "").replace("\r\n", "\n").strip()
    if required and not text:
        errors[field] = f"Enter {what}"
    elif len(text) > limit:
        errors[field] = f"{what[0].upper()}{what[1:]} must be {limit:,} characters or fewer: shorten it by " \
                        f"{len(text) - limit:,}"
    return text


def _raise(errors: dict) -> None:
    if errors:
        raise Invalid(next(iter(errors.values())), errors=errors)


# -- criteria -----------------------------------------------------------------------------------------

def weights_warning(price_weight: int) -> str | None:
    low, high = PRICE_WEIGHT_USUAL
    if low <= price_weight <= high:
        return None
    return (f"Price {price_weight} % and quality {100 - price_weight} % is outside the usual range for care "
            f"services, from {low}:{100 - low} to {high}:{100 - high} (price:quality). Check the weights, or "
            "confirm that you mean them")


def set_criteria(tender: Tender, *, quality_weight, price_weight, questions: list[dict], places: dict | None = None,
                 confirm_weights: bool = False, actor: User | None) -> Tender:
    """Set a draft's weights, quality questions (replacing those it had) and lot places, all or
    nothing. Each question is ``{"text", "guidance", "weight", "word_limit", "lot"}`` (``lot``: a
    lot number, or None or "all" for every lot); ``places``: lot number -> providers to award."""
    _own(tender)
    if tender.status != DRAFT:
        raise Conflict("The criteria of a published tender are fixed: changing them would be an amendment, which "
                       "the portal does not offer for criteria. Cancel and publish a new tender if they must change.")
    errors: dict[str, str] = {}
    quality = _whole(quality_weight, "quality_weight", "the quality weight", errors, 0, 100)
    price = _whole(price_weight, "price_weight", "the price weight", errors, 0, 100)
    if quality is not None and price is not None:
        if quality + price != 100:
            errors["price_weight"] = ("The quality and price weights must add up to 100: they add up to "
                                      f"{quality + price}")
        elif quality == 0:
            errors["quality_weight"] = ("Care services cannot be bought on price alone: give quality a weight of more "
                                        "than 0")
        elif weights_warning(price) and not confirm_weights:
            errors["confirm_weights"] = weights_warning(price)
    lots = {lot.number: lot for lot in tender.lots}
    rows = _questions(questions, lots, errors)
    if not any(key.startswith("questions") for key in errors):
        problems = []
        for number, lot in lots.items():
            total = sum(row["weight"] for row in rows if row["lot"] in (None, number))
            if total != 100:
                problems.append(f"lot {number} ({lot.title}) adds up to {total}")
        if not rows:
            errors["questions"] = "Add at least one quality question"
        elif problems:
            errors["questions"] = ("The weights of the questions for each lot must add up to 100: "
                                   + "; ".join(problems))
    chosen_places = {}
    for number, lot in lots.items():
        given = (places or {}).get(number, (places or {}).get(str(number), lot.places))
        chosen_places[number] = _whole(given, f"places-{number}", f"how many providers lot {number} is awarded to",
                                       errors, 1, MAX_PLACES)
    _raise(errors)
    tender.quality_weight, tender.price_weight = quality, price
    db.session.execute(delete(QualityQuestion).where(QualityQuestion.tenant_id == tender.tenant_id,
                                                     QualityQuestion.tender_id == tender.id))
    for number, row in enumerate(rows, start=1):
        db.session.add(QualityQuestion(tenant_id=tender.tenant_id, tender_id=tender.id, number=number,
                                       lot_id=lots[row["lot"]].id if row["lot"] else None, text=row["text"],
                                       guidance=row["guidance"], weight=row["weight"], word_limit=row["word_limit"],
                                       listed=False))
    for number, lot in lots.items():
        lot.places = chosen_places[number]
    db.session.flush()
    record("tender_criteria_set", tender, actor=actor, quality_weight=quality, price_weight=price,
           questions=len(rows), confirmed_unusual_weights=bool(weights_warning(price)))
    return tender


def _questions(questions, lots: dict, errors: dict) -> list[dict]:
    rows = []
    if not isinstance(questions, (list, tuple)):
        errors["questions"] = "Give the quality questions as a list"
        return rows
    if len(questions) > MAX_QUESTIONS:
        errors["questions"] = f"A tender can have at most {MAX_QUESTIONS} quality questions"
        return rows
    for index, question in enumerate(questions, start=1):
        if not isinstance(question, dict):
            errors[f"questions-{index}-text"] = f"Question {index} is not a question: give its text and weight"
            continue
        key = f"questions-{index}"
        text = _text(question.get("text"), f"{key}-text", f"the text of question {index}", errors, QUESTION_LIMIT)
        guidance = _text(question.get("guidance"), f"{key}-guidance", f"the guidance of question {index}", errors,
                         QUESTION_LIMIT, required=False)
        weight = _whole(question.get("weight"), f"{key}-weight", f"the weight of question {index}", errors, 1, 100)
        word_limit = None
        if str(question.get("word_limit") if question.get("word_limit") is not None else "").strip():
            word_limit = _whole(question.get("word_limit"), f"{key}-word_limit",
                                f"the word limit of question {index} (or leave it empty)", errors, 1, MAX_WORD_LIMIT)
        lot = question.get("lot")
        number = None
        if lot not in (None, "", ALL_LOTS, 0, "0"):
            try:
                number = int(str(lot).strip()) if not isinstance(lot, bool) else None
            except ValueError:
                number = None
            if number not in lots:
                errors[f"{key}-lot"] = (f"Choose the lot question {index} is for ({', '.join(map(str, lots))}) or "
                                        "every lot")
        rows.append({"text": text, "guidance": guidance, "weight": weight or 0, "word_limit": word_limit,
                     "lot": number})
    return rows


# -- the panel ----------------------------------------------------------------------------------------

def _panel_open(tender: Tender) -> None:
    if tender.status in (CANCELLED, AWARDED):
        raise Conflict(f"This tender is {tender.status}: its panel can no longer change")


def assign_evaluator(tender: Tender, *, user_id=None, email: str | None = None, actor: User | None,
                     now: datetime | None = None) -> Evaluator:
    """Put a member of the commissioner on the tender's panel (they are emailed, and declare
    their interests before seeing any bid)."""
    _own(tender)
    _panel_open(tender)
    found = queries.member(tender.tenant_id, user_id=user_id, email=email) if (user_id or email) else None
    if found is None:
        raise Invalid("Choose a member of your organisation to evaluate the bids", field="evaluator")
    evaluator = queries.evaluator_of(tender, found.user_id)
    name = found.user.display_name
    if evaluator is not None and evaluator.status in (ASSIGNED, DECLARED):
        raise Conflict(f"{name} is already an evaluator of this tender", field="evaluator")
    if evaluator is not None and evaluator.status == CONFLICTED:
        raise Conflict(f"{name} declared a conflict of interest in this tender: they cannot evaluate it",
                       field="evaluator")
    if evaluator is None:
        evaluator = Evaluator(tenant_id=tender.tenant_id, tender_id=tender.id, user_id=found.user_id,
                              created_at=now or utcnow())
        db.session.add(evaluator)
    evaluator.status, evaluator.declared_at, evaluator.declared_bidders = ASSIGNED, None, []
    evaluator.removed_at, evaluator.assigned_by_id = None, actor.id if actor else None
    db.session.flush()
    record("tender_evaluator_assigned", tender, actor=actor, evaluator=found.user.email)
    organisation = db.session.get(Organisation, tender.tenant_id)
    send_email(found.user.email, f"You are an evaluator of {tender.reference}", "evaluator_assigned",
               user=found.user, tender=tender,
               link=external_url("evaluation.declaration", slug=organisation.slug, tender_id=tender.id))
    return evaluator


def remove_evaluator(tender: Tender, *, user_id, actor: User | None, now: datetime | None = None) -> Evaluator:
    """Take a member off the panel; scores they submitted stay on record but no longer count."""
    _own(tender)
    _panel_open(tender)
    found = queries.member(tender.tenant_id, user_id=user_id) if user_id else None
    evaluator = queries.evaluator_of(tender, found.user_id) if found else None
    if evaluator is None or evaluator.status not in (ASSIGNED, DECLARED):
        raise Invalid("Choose an evaluator of this tender to remove", field="evaluator")
    evaluator.status, evaluator.removed_at = REMOVED, now or utcnow()
    db.session.flush()
    record("tender_evaluator_removed", tender, actor=actor, evaluator=found.user.email)
    return evaluator


def declare(tender: Tender, user: User, *, conflict, details: str = "", now: datetime | None = None) -> Evaluator:
    """The evaluator's declaration of interests, naming the bidders: no conflict (they may now
    read and score the bids) or a conflict (they leave the panel). Once, audited."""
    _own(tender)
    evaluator = queries.evaluator_of(tender, user.id)
    if evaluator is None or evaluator.status == REMOVED:
        raise NotFound("You are not an evaluator of this tender")
    if evaluator.status in (DECLARED, CONFLICTED):
        raise Conflict("You have already made your declaration for this tender")
    _panel_open(tender)
    if tender.opened_at is None:
        raise Conflict("The bids are not opened yet: you declare once two people have confirmed the opening, when "
                       "the bidders are known")
    if conflict in (True, "yes", "true"):
        has_conflict = True
    elif conflict in (False, "no", "false"):
        has_conflict = False
    else:
        raise Invalid("Say whether you have a conflict of interest with any of the bidders", field="conflict")
    errors: dict[str, str] = {}
    details = _text(details, "details", "the conflict of interest: who it is with and why", errors, 2000,
                    required=has_conflict)
    _raise(errors)
    named = queries.bidders(tender)
    evaluator.status = CONFLICTED if has_conflict else DECLARED
    evaluator.declared_at, evaluator.declared_bidders = now or utcnow(), named
    evaluator.conflict = details if has_conflict else ""
    db.session.flush()
    record("tender_evaluator_declared", tender, actor=user, conflict=has_conflict, details=evaluator.conflict,
           bidders=evaluator.declared_bidders)
    return evaluator


# -- scoring and moderation ---------------------------------------------------------------------------

def _evaluating(tender: Tender, bid: Bid) -> None:
    if policy.status_at(tender) != EVALUATION:
        raise Conflict("Bids are scored while the tender is being evaluated: start the evaluation first"
                       if tender.status != AWARDED else "This tender is awarded: scoring is closed")
    if tender.opened_at is None:
        raise Conflict("The bids are not opened yet: two people confirm the opening first")
    if bid.tender_id != tender.id or bid.status != BID_SUBMITTED:
        raise NotFound("No such bid")
    if any(award.lot_id == bid.lot_id for award in queries.awards_of(tender)):
        raise Conflict("This lot is awarded: its scores are final")


def _scores(tender: Tender, bid: Bid, given) -> dict[int, tuple[int, str]]:
    """Every question of the bid's lot with a score from 0 to 4 and a reason, or Invalid."""
    given = given or {}
    if not isinstance(given, dict):
        raise Invalid("Give a score and a reason for each question", field="scores")
    questions = queries.questions_for_lot(tender, bid.lot_id)
    if not questions:
        raise Conflict("This lot has no quality questions to score: its criteria were never completed")
    known = {str(q.id) for q in questions}
    strange = [key for key in given if str(key) not in known]
    if strange:
        raise Invalid(f"{strange[0]} is not a quality question of this lot", field="scores")
    errors: dict[str, str] = {}
    found = {}
    for question in questions:
        entry = given.get(question.id, given.get(str(question.id))) or {}
        if not isinstance(entry, dict):
            entry = {}
        raw = entry.get("score")
        score = None
        if raw is not None and not isinstance(raw, bool) and str(raw).strip() in {"0", "1", "2", "3", "4"}:
            score = int(str(raw).strip())
        if score is None:
            errors[f"score-{question.id}"] = f"Choose a score from 0 to 4 for question {question.number}"
        reason = _text(entry.get("reason"), f"reason-{question.id}", f"the reason for the score of question "
                                                                      f"{question.number}", errors, REASON_LIMIT)
        found[question.id] = (score, reason)
    _raise(errors)
    return found


def submit_scores(tender: Tender, bid: Bid, user: User, scores, *, now: datetime | None = None
                  ) -> list[EvaluatorScore]:
    """An evaluator's scores of every quality question of a bid, each with a reason, all at once.
    ``scores``: question id -> {"score": 0-4, "reason"}. Final once submitted."""
    _own(tender)
    evaluator = queries.evaluator_of(tender, user.id)
    if evaluator is None or evaluator.status not in (ASSIGNED, DECLARED):
        raise NotFound("You are not an evaluator of this tender")
    if evaluator.status != DECLARED:
        raise Conflict("Declare your interests first: you see the bids once you have declared no conflict")
    _evaluating(tender, bid)
    if queries.has_submitted(tender, bid.id, user.id):
        raise Conflict("You have already submitted your scores for this bid: they are final, and the moderator "
                       "settles any difference between evaluators")
    given = _scores(tender, bid, scores)
    now = now or utcnow()
    made = [EvaluatorScore(tenant_id=tender.tenant_id, tender_id=tender.id, lot_id=bid.lot_id, bid_id=bid.id,
                           provider_id=bid.tenant_id, question_id=question_id, evaluator_id=user.id, score=score,
                           reason=reason, submitted_at=now)
            for question_id, (score, reason) in given.items()]
    db.session.add_all(made)
    db.session.flush()
    record("bid_scored", tender, actor=user, bid=bid.id, lot=bid.lot.number, questions=len(made))
    return made


def record_consensus(tender: Tender, bid: Bid, user: User, scores, *, kind: str,
                     now: datetime | None = None) -> list[ConsensusScore]:
    """The moderator's consensus score of every quality question of a bid, each with a reason,
    once every panel member (at least two) has submitted theirs. Recorded again until the lot is
    awarded (each time audited)."""
    _own(tender)
    problem = queries.moderation_problem(tender, user.id, kind)
    if problem:
        raise Conflict(problem)
    _evaluating(tender, bid)
    progress = queries.lot_progress(tender, bid.lot)
    item = next((b for b in progress.bids if b.bid.id == bid.id), None)
    if item is None:
        raise NotFound("No such bid")
    if item.waiting_for:
        names = ", ".join(e.user.display_name for e in item.waiting_for)
        raise Conflict(f"This bid is moderated once every evaluator has scored it: waiting for {names}")
    if len(item.scored_by) < 2:
        raise Conflict("A bid is moderated once at least two evaluators have scored it: assign another evaluator")
    given = _scores(tender, bid, scores)
    now = now or utcnow()
    made = []
    for question_id, (score, reason) in given.items():
        row = item.consensus.get(question_id)
        if row is None:
            row = ConsensusScore(tenant_id=tender.tenant_id, tender_id=tender.id, lot_id=bid.lot_id, bid_id=bid.id,
                                 provider_id=bid.tenant_id, question_id=question_id)
            db.session.add(row)
        row.score, row.reason, row.moderator_id, row.moderated_at = score, reason, user.id, now
        made.append(row)
    db.session.flush()
    on_panel = queries.evaluator_of(tender, user.id)
    record("bid_moderated", tender, actor=user, bid=bid.id, lot=bid.lot.number,
           scores={str(k): v[0] for k, v in given.items()},
           moderator_on_panel=bool(on_panel and on_panel.status in (ASSIGNED, DECLARED)))
    return made


def ensure_commissioner(org: Organisation, tender: Tender) -> None:
    """Pages and the API of another organisation's tender do not exist."""
    if org.id != tender.tenant_id:
        raise NotFound("No such tender")
