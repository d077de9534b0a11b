"""The demo's awarded tender: Glasgow's care-at-home tender for the south west, published about five
months before the day the demo is seeded, whose bids were evaluated (two evaluators, a
moderator), awarded, and whose standstill ended in a contract with Riverside Care, ready for its
return schedule. Every step goes through the services with the clock moved back (``now=``);
everything happened in the past relative to the day seeded.

The three bids are written as rows (as a provider's submission leaves them: price, answers,
receipt) and the opening as two confirmations: the bids' own services belong to the bids work."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from portal.accounts.services import get_user_by_email
from portal.extensions import db
from portal.models_base import utcnow
from portal.procurement import award as awards
from portal.procurement import bid_opening, evaluation, evaluation_queries, services
from portal.procurement.bid_models import Bid, BidReceipt
from portal.procurement.models import Tender
from portal.tenants.context import tenant_context
from portal.tenants.queries import get_organisation_by_slug

LONDON = ZoneInfo("Europe/London")
REFERENCE = "GCH-2026-SW"
TITLE = "Care at home, south west"
DESCRIPTION = ("Care and support at home for adults in the south west of the city, commissioned for outcomes. "
               "One lot; the contract runs for three years from the contract start.")
QUESTIONS = [
    {"text": "How will you help people stay well and independent at home?", "weight": 60, "lot": None,
     "guidance": "Describe your approach to reablement and prevention, with examples.", "word_limit": 1000},
    {"text": "How will you recruit, train and keep care staff in the south west?", "weight": 40, "lot": None,
     "guidance": "Include your plans for the Scottish Living Wage and staff turnover.", "word_limit": 800},
]
# provider, price, answers, (evaluator 1's scores, evaluator 2's scores, consensus)
BIDS = [
    ("riverside-care", "1980000.00",
     ("Reablement first: every new package starts with six weeks of goal-based support.",
      "We pay the Scottish Living Wage plus 5 % and run a south west training hub."),
     ((4, 3), (3, 3), (4, 3))),
    ("oakfield-care", "1850000.00",
     ("Care plans are reviewed every three months with the person and their family.",
      "We recruit through local colleges; turnover was 28 % last year."),
     ((3, 2), (3, 1), (3, 2))),
    ("lochside-care", "2150000.00",
     ("Technology-enabled care and a community connector for every person supported.",
      "Guaranteed hours for every carer and a mentoring scheme."),
     ((3, 3), (1, 3), (2, 3))),
]
REASONS = {4: "strong evidence and added value", 3: "meets the requirement fully, with evidence",
           2: "meets the requirement with some gaps", 1: "major gaps in the approach",
           0: "does not meet the requirement"}


def seed_demo_awards() -> int:
    """Make the awarded tender if it is missing; returns 1 when made."""
    glasgow = get_organisation_by_slug("glasgow-hscp")
    people = {key: get_user_by_email(email) for key, email in (
        ("lead", "procurement@glasgow-hscp.example"), ("moderator", "admin@glasgow-hscp.example"),
        ("first", "commissioner@glasgow-hscp.example"), ("second", "finance@glasgow-hscp.example"))}
    providers = {slug: get_organisation_by_slug(slug) for slug, *_rest in BIDS}
    if glasgow is None or None in people.values() or None in providers.values():
        return 0
    with tenant_context(glasgow.id):
        if db.session.scalar(select(Tender.id).where(Tender.tenant_id == glasgow.id, Tender.reference == REFERENCE)):
            return 0
    today = utcnow().astimezone(LONDON).date()

    def day(days_ago: int, hour: int = 10) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=LONDON)

    with tenant_context(glasgow.id, people["lead"].id):
        tender = services.create_tender(glasgow, reference=REFERENCE, title=TITLE, description=DESCRIPTION,
                                        service_type="care_at_home", regime="scotland", published_at=day(150, 9),
                                        submission_deadline=day(100, 12),
                                        lots=[{"title": "South west", "description": "About 240 people",
                                               "estimated_value": "2000000.00"}], actor=people["lead"])
        evaluation.set_criteria(tender, quality_weight=70, price_weight=30, questions=QUESTIONS, places={1: 1},
                                actor=people["lead"])
        services.publish(tender, actor=people["lead"], now=day(150, 9))
        tender_id, lot_id = tender.id, tender.lots[0].id
        question_ids = [q.id for q in evaluation_queries.quality_questions(tender)]
    bid_ids = {}
    for slug, price, answers, _scores in BIDS:
        with tenant_context(providers[slug].id):
            bid_ids[slug] = _bid(providers[slug].id, glasgow.id, tender_id, lot_id, price,
                                 dict(zip(map(str, question_ids), answers)), day(102, 15))
    with tenant_context(glasgow.id, people["lead"].id):
        tender = db.session.get(Tender, tender_id)
        for key in ("lead", "moderator"):  # two people open the bids, then the evaluation starts
            bid_opening.confirm_opening(tender, actor=people[key], now=day(99, 9))
        services.start_evaluation(tender, actor=people["lead"], now=day(99, 10))
        for key in ("first", "second"):
            evaluation.assign_evaluator(tender, user_id=people[key].id, actor=people["lead"], now=day(99, 11))
            evaluation.declare(tender, people[key], conflict=False, now=day(98))
        for slug, _price, _answers, (first, second, agreed) in BIDS:
            bid = evaluation_queries.get_bid(bid_ids[slug], tender)
            for key, values in (("first", first), ("second", second)):
                evaluation.submit_scores(tender, bid, people[key], _sheet(question_ids, values, "The answer "),
                                         now=day(95))
            evaluation.record_consensus(tender, bid, people["moderator"],
                                        _sheet(question_ids, agreed, "Agreed in moderation: "),
                                        kind=glasgow.kind, now=day(90))
        ranked = evaluation_queries.ranking(tender, tender.lots[0])
        end = tender.contract_start + relativedelta(years=3) - timedelta(days=1)
        made = awards.award_lot(tender, tender.lots[0], bid_ids=[ranked[0].bid.bid_id], contract_end=end,
                                actor=people["lead"], now=day(80))
        awards.end_own_standstills(glasgow.id, made[0].standstill_end + timedelta(hours=9))
    return 1


def _sheet(question_ids: list[int], values, prefix: str = "") -> dict:
    """Scores with their reasons, by question id."""
    return {qid: {"score": score, "reason": f"{prefix}{REASONS[score]}."} for qid, score in zip(question_ids, values)}


def _bid(provider_id: int, commissioner_id: int, tender_id: int, lot_id: int, price: str, answers: dict,
         submitted_at: datetime) -> int:
    """A submitted bid as the provider's submission leaves it, with its receipt."""
    contents = {"tender": tender_id, "lot": lot_id, "price": price, "answers": answers}
    digest = hashlib.sha256(json.dumps(contents, sort_keys=True).encode()).hexdigest()
    sealed = {"commissioner_id": commissioner_id, "tender_id": tender_id}
    bid = Bid(tenant_id=provider_id, lot_id=lot_id, status="submitted", price=price, answers=answers, version=1,
              submitted_at=submitted_at, receipt_sha256=digest, created_at=submitted_at, **sealed)
    db.session.add(bid)
    db.session.flush()
    db.session.add(BidReceipt(tenant_id=provider_id, bid_id=bid.id, number=1, status="submitted", sha256=digest,
                              contents=contents, created_at=submitted_at, **sealed))
    db.session.flush()
    return bid.id
