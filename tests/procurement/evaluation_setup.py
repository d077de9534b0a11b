"""The worked example the evaluation and award tests share, built through the services.

Glasgow's tender GCH-EVAL (quality 70, price 30) has two quality questions, Q1 (weight 60) and
Q2 (weight 40), and three bids for its one lot:

    bid          Q1  Q2  price        quality                        price score                 total
    Fern Care    3   4   £200,000     3/4×60%×70 + 4/4×40%×70 = 59.50  150000/200000×30 = 22.50   82.00
    Oak Care     4   2   £160,000     4/4×60%×70 + 2/4×40%×70 = 56.00  150000/160000×30 = 28.125  84.125
    Ash Care     2   3   £150,000     2/4×60%×70 + 3/4×40%×70 = 42.00  150000/150000×30 = 30.00   72.00

So Oak ranks 1 (84.125, shown 84.13), Fern 2, Ash 3.
"""
from __future__ import annotations

from datetime import datetime, timezone

from tests import factories

PRICES = {"fern": "200000.00", "oak": "160000.00", "ash": "150000.00"}
CONSENSUS = {"fern": (3, 4), "oak": (4, 2), "ash": (2, 3)}


def open_bids(app, tender_, openers=()) -> None:
    """Two people (``openers``, or two new procurement users) confirm the opening through the
    services, and the tender is opened (``factories.opened``)."""
    commissioner = factories.organisation_by_id(tender_.tenant_id)
    factories.opened(tender_, by=openers or (
        factories.user(memberships=[(commissioner, "procurement")], full_name="Opener One"),
        factories.user(memberships=[(commissioner, "procurement")], full_name="Opener Two")))


def market(app, *, regime: str = "scotland", lots=None, questions=None, places=None, declare: bool = True) -> dict:
    """Glasgow (a procurement lead, a moderator (both open the bids), two evaluators of other roles) and three
    providers that bid for GCH-EVAL, with answers; the evaluation started, the bids opened and
    the evaluators declared (unless ``declare`` is False)."""
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    people = {
        "lead": factories.user("lead@glasgow.example", memberships=[(glasgow, "procurement")], full_name="Iain Fraser"),
        "moderator": factories.user("moderator@glasgow.example", memberships=[(glasgow, "commissioner_admin")],
                                    full_name="Alasdair Grant"),
        "first": factories.user("first@glasgow.example", memberships=[(glasgow, "contract_manager")],
                                full_name="Morag Campbell"),
        "second": factories.user("second@glasgow.example", memberships=[(glasgow, "finance")],
                                 full_name="Fiona Reid"),
    }
    providers = {key: factories.organisation("provider", slug=f"{key}-care", name=f"{key.title()} Care")
                 for key in PRICES}
    for key, org in providers.items():
        factories.user(f"admin@{key}.example", memberships=[(org, "provider_admin")])
        factories.user(f"staff@{key}.example", memberships=[(org, "submitter")])
    questions = questions or [{"text": "How will you help people stay well at home?", "weight": 60, "lot": None},
                              {"text": "How will you recruit and keep staff?", "weight": 40, "lot": None}]
    tender = factories.evaluation_tender(glasgow, reference="GCH-EVAL", regime=regime, lots=lots, places=places,
                                         questions=questions)
    questions_ = questions_of(app, tender)
    bids = {}
    for key, org in providers.items():
        bid = factories.bid(org, tender, price=PRICES[key])
        bids[key] = factories.bid_answers(bid, {q: f"{org.name}'s answer to question {q.number}" for q in questions_})
    open_bids(app, tender, (people["lead"], people["moderator"]))
    factories.evaluation_started(tender)
    for key in ("first", "second"):
        factories.evaluator(tender, people[key], declare=declare)
    return {"glasgow": glasgow, **people, "providers": providers, "tender": tender, "questions": questions_,
            "bids": bids}


def questions_of(app, tender_):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.procurement.bid_models import QualityQuestion
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(tender_.tenant_id):
        found = list(db.session.scalars(select(QualityQuestion).where(QualityQuestion.tender_id == tender_.id)
                                        .order_by(QualityQuestion.number)))
        for q in found:
            db.session.expunge(q)
        db.session.rollback()
    return found


def as_member(app, person, org_id):
    """A context for calling services as ``person`` of the organisation (yields the User)."""
    from contextlib import contextmanager

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    @contextmanager
    def context():
        with app.app_context(), tenant_context(org_id, person.id):
            yield db.session.get(User, person.id)
            db.session.commit()

    return context()


def tender_of(tender_):
    from portal.procurement.queries import get_tender

    return get_tender(tender_.id)


def bid_of(bid_):
    from portal.procurement.evaluation_queries import get_bid

    return get_bid(bid_.id)


def score(app, m, who: str, key: str, values, reason: str = "Scored against the guidance."):
    """``who`` (an evaluator) submits scores ``values`` (one per question) for ``key``'s bid."""
    from portal.procurement.evaluation import submit_scores

    with as_member(app, m[who], m["glasgow"].id) as user:
        submit_scores(tender_of(m["tender"]), bid_of(m["bids"][key]), user,
                      {q.id: {"score": v, "reason": f"{reason} ({key}, Q{q.number})"}
                       for q, v in zip(m["questions"], values)})


def moderate(app, m, key: str, values, who: str = "moderator"):
    from portal.procurement.evaluation import record_consensus

    with as_member(app, m[who], m["glasgow"].id) as user:
        record_consensus(tender_of(m["tender"]), bid_of(m["bids"][key]), user,
                         {q.id: {"score": v, "reason": f"Agreed for {key}: question {q.number} scored {v}"}
                          for q, v in zip(m["questions"], values)}, kind="commissioner")


def evaluated(app, m) -> dict:
    """Both evaluators score every bid (close to the consensus) and the moderator records the
    worked example's consensus scores."""
    for key, (q1, q2) in CONSENSUS.items():
        score(app, m, "first", key, (q1, q2))
        score(app, m, "second", key, (q1, max(q2 - 1, 0)))
        moderate(app, m, key, (q1, q2))
    return m
