"""The evaluation's and award's bodies and forms: every field with values too large, negative,
NaN, of the wrong type, too long, dates out of range; answered with a message, never a 500."""
from __future__ import annotations

import json

from tests import factories
from tests.bad_input.test_bodies import VALUES
from tests.bad_input.test_forms import DATES, NUMBERS, TEXTS
from tests.conftest import Browserless, csrf_from
from tests.procurement.evaluation_setup import evaluated, market


def _send(app, method: str, url: str, headers: dict, body):
    return app.test_client().open(url, method=method, headers=headers, data=json.dumps(body),
                                  content_type="application/json")


def test_evaluation_and_award_bodies(app, probe):
    m = market(app)
    lead = {"Authorization": f"Bearer {factories.api_token(m['lead'])}"}
    first = {"Authorization": f"Bearer {factories.api_token(m['first'])}"}
    draft = factories.tender(m["glasgow"], reference="GCH-PROBE", published=False)
    criteria = {"quality_weight": 70, "price_weight": 30, "questions": [{"text": "Q?", "weight": 100}]}
    for name in ("quality_weight", "price_weight", "confirm_weights", "questions", "places"):
        for value in VALUES:
            probe.check(f"PUT criteria {name}={str(value)[:40]}", lambda: _send(
                app, "PUT", f"/api/v1/tenders/{draft.id}/criteria", lead, {**criteria, name: value}))
    for name in ("text", "guidance", "weight", "word_limit", "lot"):
        for value in VALUES:
            body = {**criteria, "questions": [{"text": "Q?", "weight": 100, name: value}]}
            probe.check(f"PUT criteria question {name}={str(value)[:40]}", lambda: _send(
                app, "PUT", f"/api/v1/tenders/{draft.id}/criteria", lead, body))
    tender = m["tender"].id
    for name in ("email", "user_id"):
        for value in VALUES:
            probe.check(f"POST evaluators {name}={str(value)[:40]}", lambda: _send(
                app, "POST", f"/api/v1/tenders/{tender}/evaluators", lead, {name: value}))
            probe.check(f"POST evaluators/remove {name}={str(value)[:40]}", lambda: _send(
                app, "POST", f"/api/v1/tenders/{tender}/evaluators/remove", lead, {"user_id": value}))
    for name in ("conflict", "details"):
        for value in VALUES:
            probe.check(f"POST declaration {name}={str(value)[:40]}", lambda: _send(
                app, "POST", f"/api/v1/tenders/{tender}/declaration", first,
                {"conflict": True, "details": "x", name: value}))
    bid = m["bids"]["fern"].id
    question = m["questions"][0].id
    for name in ("question", "score", "reason"):
        for value in VALUES:
            body = {"scores": [{"question": question, "score": 3, "reason": "Good", name: value}]}
            probe.check(f"POST scores {name}={str(value)[:40]}", lambda: _send(
                app, "POST", f"/api/v1/tenders/{tender}/bids/{bid}/scores", first, body))
            probe.check(f"POST consensus {name}={str(value)[:40]}", lambda: _send(
                app, "POST", f"/api/v1/tenders/{tender}/bids/{bid}/consensus", lead, body))
    for value in VALUES:
        probe.check(f"POST scores scores={str(value)[:40]}", lambda: _send(
            app, "POST", f"/api/v1/tenders/{tender}/bids/{bid}/scores", first, {"scores": value}))
    evaluated(app, m)
    award = {"bids": [m["bids"]["oak"].id], "reason": "", "contract_end": "2030-03-31"}
    for name in award:
        for value in VALUES + ([2**63], ["x"], [None]):
            probe.check(f"POST award {name}={str(value)[:40]}", lambda: _send(
                app, "POST", f"/api/v1/tenders/{tender}/lots/1/award", lead, {**award, name: value}))
    probe.assert_clean(minimum=500)


def test_evaluation_and_award_forms(app, probe):
    m = market(app)
    tender = m["tender"].id
    draft = factories.tender(m["glasgow"], reference="GCH-PROBE", published=False)

    def signed_in(person):
        web = Browserless(app.test_client())
        web.sign_in(person.email)
        return web, csrf_from(web.client.get("/account/").get_data(as_text=True))

    lead, lead_token = signed_in(m["lead"])
    base = {"quality_weight": "70", "price_weight": "30", "questions-1-text": "Q?", "questions-1-weight": "100",
            "questions-1-lot": "all", "places-1": "1", "action": "save"}
    for name in (*base, "questions-1-word_limit", "questions-1-guidance", "confirm_weights"):
        for value in NUMBERS + TEXTS:
            data = {**base, name: value, "csrf_token": lead_token}
            probe.check(f"POST criteria {name}={value[:40]!r}", lambda: lead.client.post(
                f"/o/glasgow-hscp/tenders/{draft.id}/criteria", data=data))
    for value in NUMBERS + TEXTS:
        probe.check(f"POST evaluators {value[:40]!r}", lambda: lead.client.post(
            f"/o/glasgow-hscp/tenders/{tender}/evaluators", data={"evaluator": value, "csrf_token": lead_token}))
    first, first_token = signed_in(m["first"])
    q1, q2 = m["questions"]
    url = f"/o/glasgow-hscp/tenders/{tender}/bids/{m['bids']['fern'].id}/score"
    good = {f"score-{q1.id}": "3", f"reason-{q1.id}": "Good", f"score-{q2.id}": "2", f"reason-{q2.id}": "Fair"}
    for name in good:
        for value in NUMBERS + TEXTS:
            data = {**good, name: value, "csrf_token": first_token}
            probe.check(f"POST score {name}={value[:40]!r}", lambda: first.client.post(url, data=data))
    probe.assert_clean(minimum=150)


def test_the_award_form(app, probe):
    m = evaluated(app, market(app))
    tender = m["tender"].id
    lead = Browserless(app.test_client())
    lead.sign_in(m["lead"].email)
    lead_token = csrf_from(lead.client.get("/account/").get_data(as_text=True))
    award = f"/o/glasgow-hscp/tenders/{tender}/lots/1/award"
    for parts in DATES:
        data = {"bids": str(m["bids"]["oak"].id), "action": "check", "csrf_token": lead_token,
                **dict(zip(("contract_end-day", "contract_end-month", "contract_end-year"), parts))}
        probe.check(f"POST award date={parts}", lambda: lead.client.post(award, data=data))
    for value in NUMBERS + TEXTS:
        data = {"bids": value, "reason": value, "action": "check", "csrf_token": lead_token,
                "contract_end-day": "31", "contract_end-month": "3", "contract_end-year": "2030"}
        probe.check(f"POST award bids={value[:40]!r}", lambda: lead.client.post(award, data=data))
    probe.assert_clean(minimum=25)
