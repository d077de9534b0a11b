"""Reading the evaluation: criteria, the panel, who has scored what, moderation, the ranking,
the awards and a bidder's outcome.

The evaluation's rules about who sees what are kept here, in one place:

- bids are read only once the tender is opened (row-level security and the ORM already refuse
  them before), and by an evaluator only after their declaration of no conflict;
- an evaluator reads another evaluator's scores of a bid only after submitting their own for it;
- nobody reads a price here before the lot's quality is moderated (``ranking`` refuses).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from portal.errors import Conflict
from portal.extensions import db
from portal.procurement.bid_models import BID_SUBMITTED, Bid, QualityQuestion
from portal.procurement.evaluation_models import (ASSIGNED, CONFLICTED, DECLARED, FLAG_SPREAD, Award, BidOutcome,
                                                  ConsensusScore, Evaluator, EvaluatorScore)
from portal.procurement.models import CANCELLED, Lot, Tender
from portal.procurement.ranking import BidFigures, QuestionScore, Ranked, rank_bids
from portal.tenants.models import Membership
from portal.tenants.permissions import role_can

ACTIVE = (ASSIGNED, DECLARED)


# -- objects named in addresses -------------------------------------------------------------------

def get_lot(tender: Tender, number: int) -> Lot | None:
    return next((lot for lot in tender.lots if lot.number == number), None)


def get_bid(bid_id: int, tender: Tender | None = None) -> Bid | None:
    """A submitted or withdrawn bid the organisation reads (its own, or an opened tender's)."""
    bid = db.session.scalar(select(Bid).where(Bid.id == bid_id))
    if bid is None or (tender is not None and bid.tender_id != tender.id):
        return None
    return bid


# -- criteria -------------------------------------------------------------------------------------

def quality_questions(tender: Tender) -> list[QualityQuestion]:
    return list(db.session.scalars(select(QualityQuestion).where(
        QualityQuestion.tenant_id == tender.tenant_id, QualityQuestion.tender_id == tender.id)
        .order_by(QualityQuestion.number)))


def questions_for_lot(tender: Tender, lot_id: int, questions: list[QualityQuestion] | None = None
                      ) -> list[QualityQuestion]:
    """The questions a lot's bids answer: the lot's own and those for every lot."""
    return [q for q in (questions if questions is not None else quality_questions(tender))
            if q.lot_id in (None, lot_id)]


def weight_sums(tender: Tender, questions: list[QualityQuestion] | None = None) -> dict[int, int]:
    """Lot number -> the sum of the weights of the questions that apply to it (100 when complete)."""
    questions = questions if questions is not None else quality_questions(tender)
    return {lot.number: sum(q.weight for q in questions_for_lot(tender, lot.id, questions)) for lot in tender.lots}


def criteria_complete(tender: Tender) -> bool:
    sums = weight_sums(tender)
    return bool(sums) and all(total == 100 for total in sums.values())


# -- the panel ------------------------------------------------------------------------------------

def evaluators_of(tender: Tender) -> list[Evaluator]:
    return list(db.session.scalars(select(Evaluator).where(Evaluator.tenant_id == tender.tenant_id,
                                                           Evaluator.tender_id == tender.id)
                                   .order_by(Evaluator.created_at, Evaluator.id)))


def evaluator_of(tender: Tender, user_id: int | None) -> Evaluator | None:
    if user_id is None:
        return None
    return db.session.scalar(select(Evaluator).where(Evaluator.tenant_id == tender.tenant_id,
                                                     Evaluator.tender_id == tender.id, Evaluator.user_id == user_id))


def panel(tender: Tender) -> list[Evaluator]:
    """The evaluators still on the panel: assigned (declaration to come) or declared no conflict."""
    return [e for e in evaluators_of(tender) if e.status in ACTIVE]


def members(organisation_id: int) -> list[Membership]:
    """The organisation's members (the current tenant's), by name."""
    found = db.session.scalars(select(Membership).where(Membership.tenant_id == organisation_id))
    return sorted(found, key=lambda m: ((m.user.full_name or m.user.email).lower(), m.user.email))


def member(organisation_id: int, *, user_id=None, email: str | None = None) -> Membership | None:
    for candidate in members(organisation_id):
        if user_id is not None and str(candidate.user_id) == str(user_id).strip():
            return candidate
        if email and candidate.user.email.lower() == email.strip().lower():
            return candidate
    return None


def candidates(tender: Tender) -> list[Membership]:
    """Members who could join the panel: not on it, and never having declared a conflict."""
    taken = {e.user_id for e in evaluators_of(tender) if e.status != "removed"}
    return [m for m in members(tender.tenant_id) if m.user_id not in taken]


def moderators(tender: Tender, kind: str) -> list[Membership]:
    """Members whose role lets them moderate, who are neither on the panel nor conflicted."""
    excluded = {e.user_id for e in evaluators_of(tender) if e.status in (*ACTIVE, CONFLICTED)}
    return [m for m in members(tender.tenant_id)
            if role_can(kind, m.role, "moderate_bids") and m.user_id not in excluded]


def moderation_problem(tender: Tender, user_id: int, kind: str) -> str | None:
    """Why this person may not moderate the tender (None when they may). A moderator is not one
    of its evaluators, unless every member who could moderate is one; nobody who declared a
    conflict of interest moderates."""
    evaluator = evaluator_of(tender, user_id)
    if evaluator is None or evaluator.status == "removed":
        return None
    if evaluator.status == CONFLICTED:
        return "You declared a conflict of interest in this tender: someone else moderates it"
    others = moderators(tender, kind)
    if others:
        names = ", ".join(m.user.display_name for m in others[:3])
        return f"You are an evaluator of this tender: someone who is not moderates it ({names})"
    return None


# -- bids and scores ------------------------------------------------------------------------------

def bids_of_lot(tender: Tender, lot_id: int) -> list[Bid]:
    """The lot's submitted bids, in the order they were first made (never by price)."""
    return list(db.session.scalars(select(Bid).where(Bid.commissioner_id == tender.tenant_id,
                                                     Bid.tender_id == tender.id, Bid.lot_id == lot_id,
                                                     Bid.status == BID_SUBMITTED).order_by(Bid.id)))


def bidders(tender: Tender) -> list[str]:
    """The names of the organisations that bid (leads, consortium members and sub-contractors)."""
    names = set()
    for bid in db.session.scalars(select(Bid).where(Bid.commissioner_id == tender.tenant_id,
                                                    Bid.tender_id == tender.id, Bid.status == BID_SUBMITTED)):
        names.add(bid.provider.name)
        names.update(member.member.name for member in bid.members)
    return sorted(names, key=str.lower)


def scores_of(tender: Tender, bid_ids=None) -> list[EvaluatorScore]:
    query = select(EvaluatorScore).where(EvaluatorScore.tenant_id == tender.tenant_id,
                                         EvaluatorScore.tender_id == tender.id)
    if bid_ids is not None:
        query = query.where(EvaluatorScore.bid_id.in_(list(bid_ids)))
    return list(db.session.scalars(query.order_by(EvaluatorScore.id)))


def consensus_of(tender: Tender, lot_id: int | None = None) -> list[ConsensusScore]:
    query = select(ConsensusScore).where(ConsensusScore.tenant_id == tender.tenant_id,
                                         ConsensusScore.tender_id == tender.id)
    if lot_id is not None:
        query = query.where(ConsensusScore.lot_id == lot_id)
    return list(db.session.scalars(query))


def has_submitted(tender: Tender, bid_id: int, user_id: int) -> bool:
    return db.session.scalar(select(EvaluatorScore.id).where(
        EvaluatorScore.tenant_id == tender.tenant_id, EvaluatorScore.bid_id == bid_id,
        EvaluatorScore.evaluator_id == user_id).limit(1)) is not None


@dataclass
class BidScores:
    """What one person may read of the evaluators' scores of one bid."""

    bid: Bid
    questions: list[QualityQuestion]
    own: dict[int, EvaluatorScore]                      # question id -> the reader's own score
    others: dict[int, list[EvaluatorScore]]             # question id -> other evaluators' scores (once allowed)
    submitted: bool
    flags: set[int] = field(default_factory=set)        # question ids whose scores differ by 2 or more


def scores_for_reader(tender: Tender, bid: Bid, user_id: int, *, moderator: bool = False) -> BidScores:
    """An evaluator's own scores of a bid, and the others' only once theirs are in; a moderator
    reads every panel member's scores."""
    questions = questions_for_lot(tender, bid.lot_id)
    active = {e.user_id for e in panel(tender)}
    rows = [s for s in scores_of(tender, [bid.id]) if s.evaluator_id in active or s.evaluator_id == user_id]
    own = {s.question_id: s for s in rows if s.evaluator_id == user_id}
    submitted = bool(own)
    others: dict[int, list[EvaluatorScore]] = defaultdict(list)
    if submitted or moderator:
        for score in rows:
            if score.evaluator_id != user_id or moderator:
                others[score.question_id].append(score)
    flags = flagged(rows) if (submitted or moderator) else set()
    return BidScores(bid=bid, questions=questions, own=own, others=dict(others), submitted=submitted, flags=flags)


def flagged(rows: list[EvaluatorScore]) -> set[int]:
    """The questions whose evaluators' scores differ by FLAG_SPREAD points or more."""
    by_question: dict[int, list[int]] = defaultdict(list)
    for score in rows:
        by_question[score.question_id].append(score.score)
    return {question for question, values in by_question.items()
            if len(values) > 1 and max(values) - min(values) >= FLAG_SPREAD}


# -- progress per lot ------------------------------------------------------------------------------

@dataclass
class BidProgress:
    bid: Bid
    scored_by: set[int]                   # user ids of the panel members who submitted
    waiting_for: list[Evaluator]          # panel members who have not
    scores: list[EvaluatorScore]          # the panel's scores, once every member has submitted
    consensus: dict[int, ConsensusScore]  # question id -> consensus
    flags: set[int]

    @property
    def ready(self) -> bool:
        """Every panel member (at least two) has scored it: it can be moderated."""
        return not self.waiting_for and len(self.scored_by) >= 2


@dataclass
class LotProgress:
    lot: Lot
    questions: list[QualityQuestion]
    panel: list[Evaluator]
    bids: list[BidProgress]
    awards: list[Award]

    @property
    def needed(self) -> int:
        return len(self.bids) * len(self.questions)

    @property
    def done(self) -> int:
        return sum(len([q for q in self.questions if q.id in b.consensus]) for b in self.bids)

    @property
    def moderated(self) -> bool:
        """Every bid's every question has a consensus score (prices may then be read)."""
        return bool(self.bids) and bool(self.questions) and self.done == self.needed

    @property
    def flag_count(self) -> int:
        return sum(len(b.flags) for b in self.bids)


def lot_progress(tender: Tender, lot: Lot) -> LotProgress:
    questions = questions_for_lot(tender, lot.id)
    members_ = panel(tender)
    active = {e.user_id for e in members_}
    bids = bids_of_lot(tender, lot.id)
    scores = [s for s in scores_of(tender, [b.id for b in bids]) if s.evaluator_id in active]
    consensus = consensus_of(tender, lot.id)
    progress = []
    for bid in bids:
        mine = [s for s in scores if s.bid_id == bid.id]
        scored_by = {s.evaluator_id for s in mine}
        waiting = [e for e in members_ if e.user_id not in scored_by]
        complete = not waiting
        progress.append(BidProgress(bid=bid, scored_by=scored_by, waiting_for=waiting, scores=mine if complete else [],
                                    consensus={c.question_id: c for c in consensus if c.bid_id == bid.id},
                                    flags=flagged(mine) if complete else set()))
    return LotProgress(lot=lot, questions=questions, panel=members_, bids=progress, awards=awards_of_lot(tender, lot))


# -- the ranking (prices) --------------------------------------------------------------------------

def ranking(tender: Tender, lot: Lot, progress: LotProgress | None = None) -> list[Ranked]:
    """The lot's bids ranked on their consensus scores and prices, with the workings. Refused
    until quality is moderated for the lot: nobody reads a price before."""
    progress = progress or lot_progress(tender, lot)
    if not progress.moderated:
        raise Conflict(f"Quality is not moderated yet for lot {lot.number}: {progress.done} of {progress.needed} "
                       "consensus scores are recorded. Prices are shown once every bid's every question has one.")
    figures = []
    for item in progress.bids:
        bid = item.bid
        figures.append(BidFigures(
            bid_id=bid.id, provider_id=bid.tenant_id, provider_name=bid.provider.name, price=bid.price,
            reconfirm_since=bid.reconfirm_since, provider_slug=bid.provider.slug,
            questions=tuple(QuestionScore(question_id=q.id, number=q.number, text=q.text, weight=q.weight,
                                          score=item.consensus[q.id].score, reason=item.consensus[q.id].reason)
                            for q in progress.questions)))
    return rank_bids(figures, tender.quality_weight, tender.price_weight)


# -- the evaluator's own work ----------------------------------------------------------------------

@dataclass
class Assignment:
    tender: Tender
    evaluator: Evaluator
    to_score: list[Bid]
    scored: list[Bid]


def assignments(user_id: int) -> list[Assignment]:
    """The tenders the person evaluates (in the current organisation), with the bids left to score."""
    rows = list(db.session.scalars(select(Evaluator).where(Evaluator.user_id == user_id,
                                                           Evaluator.status.in_(ACTIVE))
                                   .order_by(Evaluator.created_at)))
    found = []
    for evaluator in rows:
        tender = db.session.scalar(select(Tender).where(Tender.id == evaluator.tender_id,
                                                        Tender.tenant_id == evaluator.tenant_id))
        to_score, scored = [], []
        if evaluator.status == DECLARED and tender.opened_at is not None:
            done = {s.bid_id for s in scores_of(tender) if s.evaluator_id == user_id}
            awarded = {a.lot_id for a in awards_of(tender)}
            for bid in db.session.scalars(select(Bid).where(Bid.commissioner_id == tender.tenant_id,
                                                            Bid.tender_id == tender.id, Bid.status == BID_SUBMITTED)
                                          .order_by(Bid.lot_id, Bid.id)):
                if bid.id in done:
                    scored.append(bid)
                elif bid.lot_id not in awarded:
                    to_score.append(bid)
        found.append(Assignment(tender=tender, evaluator=evaluator, to_score=to_score, scored=scored))
    return found


# -- awards and outcomes ---------------------------------------------------------------------------

def awards_of(tender: Tender) -> list[Award]:
    return list(db.session.scalars(select(Award).where(Award.tenant_id == tender.tenant_id,
                                                       Award.tender_id == tender.id)
                                   .order_by(Award.notice_at, Award.lot_id, Award.rank, Award.id)))


def awards_of_tenders(tenders: list[Tender]) -> dict[int, list[Award]]:
    """``awards_of`` many tenders in one statement, by tender id (the bulk download)."""
    found: dict[int, list[Award]] = {tender.id: [] for tender in tenders}
    pairs = {(tender.tenant_id, tender.id) for tender in tenders}
    if not pairs:
        return found
    rows = db.session.scalars(select(Award).where(Award.tender_id.in_([t for _, t in pairs]),
                                                  Award.tenant_id.in_({o for o, _ in pairs}))
                              .order_by(Award.notice_at, Award.lot_id, Award.rank, Award.id))
    for award in rows:
        if (award.tenant_id, award.tender_id) in pairs:
            found[award.tender_id].append(award)
    return found


def awards_of_lot(tender: Tender, lot: Lot) -> list[Award]:
    return [a for a in awards_of(tender) if a.lot_id == lot.id]


def outcomes_of(provider_id: int, tender: Tender) -> list[BidOutcome]:
    """The provider's own outcome letters for the tender, by lot."""
    found = db.session.scalars(select(BidOutcome).where(BidOutcome.tenant_id == provider_id,
                                                        BidOutcome.tender_id == tender.id))
    numbers = {lot.id: lot.number for lot in tender.lots}
    return sorted(found, key=lambda o: numbers.get(o.lot_id, 0))


def outcomes_sent(tender: Tender) -> list[BidOutcome]:
    """Every outcome letter of the commissioner's tender (for its procurement team)."""
    return list(db.session.scalars(select(BidOutcome).where(BidOutcome.commissioner_id == tender.tenant_id,
                                                            BidOutcome.tender_id == tender.id)
                                   .order_by(BidOutcome.lot_id, BidOutcome.rank)))


def own_bid_lots(provider_id: int, tender: Tender) -> set[int]:
    """The lots the provider bid for (its own submitted bids)."""
    return set(db.session.scalars(select(Bid.lot_id).where(Bid.tenant_id == provider_id, Bid.tender_id == tender.id,
                                                           Bid.status == BID_SUBMITTED)))


def due_awards(commissioner_id: int, now: datetime) -> list[Award]:
    """The commissioner's awards whose standstill has ended (of tenders not cancelled since),
    locked for the sweep."""
    live = select(Tender.id).where(Tender.tenant_id == commissioner_id, Tender.status != CANCELLED)
    return list(db.session.scalars(
        select(Award).where(Award.tenant_id == commissioner_id, Award.status == "standstill",
                            Award.standstill_end <= now, Award.tender_id.in_(live))
        .order_by(Award.id).with_for_update(of=Award, skip_locked=True)))


# -- what the API answers ---------------------------------------------------------------------------

def _org(org) -> dict:
    return {"slug": org.slug, "name": org.name}


def criteria_view(tender: Tender) -> dict:
    questions = quality_questions(tender)
    numbers = {lot.id: lot.number for lot in tender.lots}
    sums = weight_sums(tender, questions)
    return {"quality_weight": tender.quality_weight, "price_weight": tender.price_weight,
            "complete": bool(sums) and all(v == 100 for v in sums.values()),
            "questions": [{"id": q.id, "number": q.number, "text": q.text, "guidance": q.guidance, "weight": q.weight,
                           "word_limit": q.word_limit, "lot": numbers.get(q.lot_id)} for q in questions],
            "lots": [{"number": lot.number, "title": lot.title, "places": lot.places, "weight_sum": sums[lot.number]}
                     for lot in tender.lots]}


def bid_scores_view(sheet: BidScores) -> dict:
    bid = sheet.bid
    return {"bid": bid.id, "lot": bid.lot.number, "provider": _org(bid.provider),
            "reconfirm_since": bid.reconfirm_since, "submitted": sheet.submitted,
            "questions": [{"id": q.id, "number": q.number, "text": q.text, "weight": q.weight,
                           "answer": str((bid.answers or {}).get(str(q.id), "")), "own": sheet.own.get(q.id),
                           "others": sheet.others.get(q.id, []), "flagged": q.id in sheet.flags}
                          for q in sheet.questions]}


def moderation_view(progress: LotProgress) -> dict:
    return {"lot": progress.lot.number, "moderated": progress.moderated, "done": progress.done,
            "needed": progress.needed,
            "bids": [{"bid": item.bid.id, "provider": _org(item.bid.provider),
                      "reconfirm_since": item.bid.reconfirm_since, "ready": item.ready,
                      "waiting_for": [e.user.display_name for e in item.waiting_for],
                      "questions": [{"number": q.number, "flagged": q.id in item.flags,
                                     "scores": [s for s in item.scores if s.question_id == q.id],
                                     "consensus": item.consensus.get(q.id)} for q in progress.questions]}
                     for item in progress.bids]}


def ranking_view(lot: Lot, tender: Tender, ranked: list[Ranked]) -> dict:
    from portal.procurement.ranking import shown

    return {"lot": lot.number, "quality_weight": tender.quality_weight, "price_weight": tender.price_weight,
            "places": lot.places,
            "bids": [{"rank": r.rank, "bid": r.bid.bid_id,
                      "provider": {"slug": r.bid.provider_slug, "name": r.bid.provider_name}, "price": r.bid.price,
                      "quality": shown(r.quality), "price_score": shown(r.price_score), "total": shown(r.total),
                      "quality_working": r.quality_working, "price_working": r.price_working,
                      "total_working": r.total_working, "reconfirm_since": r.bid.reconfirm_since,
                      "questions": [{"number": q.number, "weight": q.weight, "score": q.score, "reason": q.reason,
                                     "working": working} for q, _points, working in r.lines]}
                     for r in ranked]}
