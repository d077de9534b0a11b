"""Awarding a lot: check answers, then the award (the top of the ranking, or another bid with a
reason; the top N for a lot taking N providers), every bidder told (unsuccessful bidders see their
own scores and the winner's with the reasons, never another bidder's), the tender awarded once
every lot is, the standstill per regime at its edge, and the award becoming contracts."""
from __future__ import annotations

import os
import subprocess
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from portal.errors import Conflict
from tests import factories
from tests.helpers import mailbox, queues, run_jobs
from tests.procurement.evaluation_setup import as_member, evaluated, market, tender_of

LONDON = ZoneInfo("Europe/London")


def _award_form(m, *keys, reason: str = "", action: str = "check") -> dict:
    data = {"bids": [str(m["bids"][key].id) for key in keys], "reason": reason, "contract_end-day": "31",
            "contract_end-month": "3", "contract_end-year": "2030", "action": action}
    return data


def _rows(app, model, org_id, **where):
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org_id):
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        found = list(db.session.scalars(query.order_by(model.id)))
        for row in found:
            db.session.expunge(row)
        db.session.rollback()
    return found


def test_the_officer_checks_and_awards_and_every_bidder_is_told(app, web, client):
    from portal.procurement.evaluation_models import Award, BidOutcome
    from portal.procurement.models import Tender

    m = evaluated(app, market(app))
    tender = m["tender"]
    web.sign_in(m["lead"].email)
    url = f"/o/glasgow-hscp/tenders/{tender.id}/lots/1/award"
    form = client.get(url).get_data(as_text=True)
    assert f'value="{m["bids"]["oak"].id}" checked' in form  # the top of the ranking is chosen for you
    no_date = web.post(url, {**_award_form(m, "oak"), "contract_end-day": "31", "contract_end-month": "13"})
    assert no_date.status_code == 422 and "Enter the date the contract ends as a real date" in no_date.get_data(
        as_text=True)
    nothing = web.post(url, {"action": "check", "contract_end-day": "", "contract_end-month": "",
                             "contract_end-year": ""}, page=url)
    assert nothing.status_code == 422 and "Choose the bid to award lot 1 to" in nothing.get_data(as_text=True)
    check = web.post(url, _award_form(m, "oak"))
    page = check.get_data(as_text=True)
    assert check.status_code == 200 and "Check the award before you send it" in page
    assert "Oak Care (rank 1, £160,000.00, total 84.13)" in page and "31 March 2030" in page
    assert _rows(app, Award, m["glasgow"].id) == []  # checking writes nothing
    done = web.post(url, _award_form(m, "oak", action="confirm"))
    assert done.status_code == 303, done.get_data(as_text=True)[:3000]

    awards = _rows(app, Award, m["glasgow"].id)
    assert [(a.provider_id, a.value, a.rank, a.status) for a in awards] == [
        (m["providers"]["oak"].id, m["bids"]["oak"].price, 1, "standstill")]
    from portal.procurement.regimes import standstill_end

    assert awards[0].standstill_end == standstill_end("scotland", awards[0].notice_at)
    assert _rows(app, Tender, m["glasgow"].id, id=tender.id)[0].status == "awarded"
    assert len(_rows(app, BidOutcome, m["glasgow"].id)) == 3

    run_jobs(app)
    mail = {message.to_address: message for message in mailbox(app)
            if not message.to_address.endswith("@glasgow.example")}  # not the evaluators' invitations
    assert sorted(mail) == ["admin@ash.example", "admin@fern.example", "admin@oak.example", "staff@ash.example",
                            "staff@fern.example", "staff@oak.example"]
    oak, fern, ash = mail["admin@oak.example"], mail["admin@fern.example"], mail["admin@ash.example"]
    assert oak.subject == "Successful: your bid for GCH-EVAL" and "Oak Care's bid was successful" in oak.body
    assert fern.subject == "Unsuccessful: your bid for GCH-EVAL"
    assert "Agreed for fern: question 1 scored 3" in fern.body and "3 / 4 × 60 % × 70 = 31.50" in fern.body
    assert "The successful bid of Oak Care" in fern.body and "Agreed for oak: question 2 scored 2" in fern.body
    assert "84.13" in fern.body and "82.00" in fern.body
    for word in ("Ash Care", "ash", "72.00"):
        assert word not in fern.body, word
    for word in ("Fern Care", "fern", "82.00"):
        assert word not in ash.body, word
    for word in ("Fern Care", "Ash Care", "Agreed for fern", "Agreed for ash"):
        assert word not in oak.body, word
    assert f"/o/fern-care/tenders/{tender.id}/outcome" in fern.body

    web.sign_in("staff@fern.example")
    outcome = client.get(f"/o/fern-care/tenders/{tender.id}/outcome").get_data(as_text=True)
    assert "Unsuccessful" in outcome and "Agreed for fern: question 1 scored 3" in outcome
    assert "The successful bid of Oak Care" in outcome and "Agreed for oak: question 1 scored 4" in outcome
    assert "Ash Care" not in outcome and "Agreed for ash" not in outcome
    outsider = factories.organisation("provider", slug="elm-care", name="Elm Care")
    factories.user("staff@elm.example", memberships=[(outsider, "submitter")])
    web.sign_in("staff@elm.example")
    page = client.get(f"/o/elm-care/tenders/{tender.id}/outcome").get_data(as_text=True)
    assert "has no outcome on this tender" in page and "Oak Care" in page  # the award itself is public
    assert "Agreed for" not in page and "Fern Care" not in page


def test_another_bid_needs_a_reason_and_a_lot_is_awarded_once(app, client, api_token):
    from portal.procurement.evaluation_models import Award

    m = evaluated(app, market(app))
    headers = {"Authorization": f"Bearer {api_token(m['lead'].email)}"}
    url = f"/api/v1/tenders/{m['tender'].id}/lots/1/award"
    body = {"bids": [m["bids"]["fern"].id], "contract_end": "2030-03-31"}
    refused = client.post(url, headers=headers, json=body)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {
        "reason": ["Give the reason for not awarding the lot to the top-ranked bid"]}
    too_many = client.post(url, headers=headers, json={**body, "bids": [m["bids"]["fern"].id, m["bids"]["oak"].id]})
    assert too_many.status_code == 422 and "takes 1 provider" in too_many.get_json()["message"]
    made = client.post(url, headers=headers, json={**body, "reason": "The top bid's price is abnormally low."})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()[0]["reason"] == "The top bid's price is abnormally low."
    assert client.post(url, headers=headers, json=body).status_code == 409
    assert [a.rank for a in _rows(app, Award, m["glasgow"].id)] == [2]
    viewer = factories.user("viewer@glasgow.example", memberships=[(m["glasgow"], "finance")])
    assert client.post(url, headers={"Authorization": f"Bearer {api_token(viewer.email)}"},
                       json=body).status_code == 403


def test_a_lot_not_moderated_cannot_be_awarded(app, client, api_token):
    m = market(app)
    response = client.post(f"/api/v1/tenders/{m['tender'].id}/lots/1/award",
                           headers={"Authorization": f"Bearer {api_token(m['lead'].email)}"},
                           json={"bids": [m["bids"]["oak"].id], "contract_end": "2030-03-31"})
    assert response.status_code == 409 and "not moderated yet" in response.get_json()["message"]


def test_a_lot_taking_two_providers_goes_to_the_top_two_and_becomes_two_contracts(app, client, api_token):
    from portal.contracts.models import Contract
    from portal.procurement.award import end_own_standstills
    from portal.procurement.evaluation_models import Award, BidOutcome

    factories.national_framework("NHWO")
    m = evaluated(app, market(app, places={1: 2}))
    headers = {"Authorization": f"Bearer {api_token(m['lead'].email)}"}
    made = client.post(f"/api/v1/tenders/{m['tender'].id}/lots/1/award", headers=headers, json={
        "bids": [m["bids"]["oak"].id, m["bids"]["fern"].id], "contract_end": "2030-03-31"})
    assert made.status_code == 201, made.get_json()
    assert [(a["provider"]["slug"], a["rank"]) for a in made.get_json()] == [("oak-care", 1), ("fern-care", 2)]
    ash = _rows(app, BidOutcome, m["providers"]["ash"].id)[0]
    assert [w["name"] for w in ash.details["winners"]] == ["Oak Care", "Fern Care"] and not ash.successful
    end = _rows(app, Award, m["glasgow"].id)[0].standstill_end
    with as_member(app, m["lead"], m["glasgow"].id):
        assert end_own_standstills(m["glasgow"].id, end) == 2
    contracts = _rows(app, Contract, m["glasgow"].id)
    assert sorted((c.reference, c.tenant_id) for c in contracts) == [
        ("GCH-EVAL-L1-1", m["providers"]["oak"].id), ("GCH-EVAL-L1-2", m["providers"]["fern"].id)]


@pytest.mark.parametrize("regime, notice, ends, framework", [
    # Scotland, every notice electronic: midnight at the end of the 10th day after the notice.
    ("scotland", datetime(2027, 3, 3, 10, 0, tzinfo=LONDON), datetime(2027, 3, 14, 0, 0, tzinfo=LONDON), "NHWO"),
    # England: 8 working days from the day of the notice (Good Friday and Easter Monday are not).
    ("england", datetime(2027, 3, 24, 10, 0, tzinfo=LONDON), datetime(2027, 4, 7, 0, 0, tzinfo=LONDON), "ASCOF-2023"),
])
def test_the_standstill_ends_at_its_edge_and_the_award_becomes_a_contract(app, regime, notice, ends, framework):
    from portal.contracts.models import Contract, ReturnSchedule
    from portal.procurement.award import award_lot, end_own_standstills
    from portal.procurement.evaluation_models import Award
    from portal.procurement.evaluation_queries import get_lot

    factories.national_framework(framework)
    m = evaluated(app, market(app, regime=regime))
    with as_member(app, m["lead"], m["glasgow"].id) as user:
        tender = tender_of(m["tender"])
        award_lot(tender, get_lot(tender, 1), bid_ids=[m["bids"]["oak"].id], contract_end=date(2030, 3, 31),
                  actor=user, now=notice)
    award = _rows(app, Award, m["glasgow"].id)[0]
    assert award.standstill_end == ends and award.contract_start == max(ends.date(), m["tender"].contract_start)
    with as_member(app, m["lead"], m["glasgow"].id):
        assert end_own_standstills(m["glasgow"].id, ends - timedelta(microseconds=1)) == 0
    with as_member(app, m["lead"], m["glasgow"].id):
        with pytest.raises(Conflict, match="has not ended"):
            from portal.procurement.award import conclude
            from portal.procurement.evaluation_models import Award as AwardModel
            from portal.extensions import db

            conclude(db.session.get(AwardModel, award.id), ends - timedelta(seconds=1))
    with as_member(app, m["lead"], m["glasgow"].id):
        assert end_own_standstills(m["glasgow"].id, ends) == 1
    with as_member(app, m["lead"], m["glasgow"].id):
        assert end_own_standstills(m["glasgow"].id, ends + timedelta(days=1)) == 0  # once
    award = _rows(app, Award, m["glasgow"].id)[0]
    contract = _rows(app, Contract, m["glasgow"].id)[0]
    assert (award.status, award.contract_id) == ("contracted", contract.id)
    assert (contract.reference, contract.tenant_id, contract.annual_value) == (
        "GCH-EVAL-L1", m["providers"]["oak"].id, m["bids"]["oak"].price)
    assert (contract.start_date, contract.end_date, contract.funding_model) == (
        award.contract_start, date(2030, 3, 31), "outcomes_based")
    assert _rows(app, ReturnSchedule, m["glasgow"].id) == []  # ready for its schedule and returns


def test_the_periodic_job_makes_the_contracts_in_a_real_worker(app, client, api_token):
    from portal.jobs import DEFAULT
    from portal.procurement.award import end_standstills

    factories.national_framework("NHWO")
    m = evaluated(app, market(app))
    headers = {"Authorization": f"Bearer {api_token(m['lead'].email)}"}
    assert client.post(f"/api/v1/tenders/{m['tender'].id}/lots/1/award", headers=headers, json={
        "bids": [m["bids"]["oak"].id], "contract_end": "2030-03-31"}).status_code == 201
    for queue in queues():
        queue.empty()
    housekeeping = Queue(DEFAULT, connection=Redis.from_url(os.environ["REDIS_URL"]))
    housekeeping.enqueue(end_standstills, now=datetime.now(LONDON) + timedelta(days=20))
    from portal.jobs import worker_command

    result = subprocess.run(worker_command(os.environ["REDIS_URL"], burst=True), env=dict(os.environ),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    assert all(q.failed_job_registry.count == 0 for q in queues())
    reader = factories.user("staff@elm.example", memberships=[(factories.organisation("provider", slug="elm-care"),
                                                                "submitter")])
    public = client.get(f"/api/v1/tenders/{m['tender'].id}/awards",
                        headers={"Authorization": f"Bearer {api_token(reader.email)}"}).get_json()
    assert [(a["provider"]["name"], a["status"]) for a in public] == [("Oak Care", "contracted")]
    assert public[0]["contract_id"] is not None
    contracts = client.get("/api/v1/contracts", headers=headers).get_json()
    assert [(c["id"], c["reference"]) for c in contracts] == [(public[0]["contract_id"], "GCH-EVAL-L1")]


def _two_lots(app) -> dict:
    """GCH-TWO: lot 1 (North) with Fern's bid, lot 2 (South) with Oak's, both moderated."""
    from portal.procurement.models import Lot
    from tests.procurement.evaluation_setup import moderate, open_bids, questions_of, score

    factories.national_framework("NHWO")
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    people = {key: factories.user(f"{key}@glasgow.example", memberships=[(glasgow, role)], full_name=key.title())
              for key, role in (("lead", "procurement"), ("moderator", "commissioner_admin"),
                                ("first", "contract_manager"), ("second", "viewer"))}
    tender = factories.evaluation_tender(glasgow, reference="GCH-TWO", lots=[
        {"title": "North", "description": "", "estimated_value": "100000.00"},
        {"title": "South", "description": "", "estimated_value": "90000.00"}], questions=[
        {"text": "Staying well?", "weight": 100, "lot": None}])
    north, south = _rows(app, Lot, glasgow.id, tender_id=tender.id)
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    oak = factories.organisation("provider", slug="oak-care", name="Oak Care")
    bids = {"fern": factories.bid(fern, tender, lot=north, price="90000.00"),
            "oak": factories.bid(oak, tender, lot=south, price="80000.00")}
    open_bids(app, tender, (people["lead"], people["moderator"]))
    factories.evaluation_started(tender)
    for key in ("first", "second"):
        factories.evaluator(tender, people[key])
    m = {**people, "glasgow": glasgow, "tender": tender, "bids": bids, "questions": questions_of(app, tender),
         "lots": (north, south)}
    for key in bids:
        score(app, m, "first", key, (3,))
        score(app, m, "second", key, (3,))
        moderate(app, m, key, (3,))
    return m


def test_each_lot_is_awarded_on_its_own_and_the_tender_once_every_lot_is(app, client, api_token):
    from portal.procurement.evaluation_models import Award
    from portal.procurement.models import Tender

    m = _two_lots(app)
    headers = {"Authorization": f"Bearer {api_token(m['lead'].email)}"}
    first = client.post(f"/api/v1/tenders/{m['tender'].id}/lots/1/award", headers=headers,
                        json={"bids": [m["bids"]["fern"].id], "contract_end": "2030-03-31"})
    assert first.status_code == 201, first.get_json()
    assert _rows(app, Tender, m["glasgow"].id, id=m["tender"].id)[0].status == "evaluation"  # lot 2 is still open
    wrong_lot = client.post(f"/api/v1/tenders/{m['tender'].id}/lots/2/award", headers=headers,
                            json={"bids": [m["bids"]["fern"].id], "contract_end": "2030-03-31"})
    assert wrong_lot.status_code == 422 and "from the ranking" in wrong_lot.get_json()["message"]
    second = client.post(f"/api/v1/tenders/{m['tender'].id}/lots/2/award", headers=headers,
                         json={"bids": [m["bids"]["oak"].id], "contract_end": "2030-03-31"})
    assert second.status_code == 201, second.get_json()
    assert _rows(app, Tender, m["glasgow"].id, id=m["tender"].id)[0].status == "awarded"
    assert [a.lot_id for a in _rows(app, Award, m["glasgow"].id)] == [lot.id for lot in m["lots"]]


def test_a_tender_cancelled_in_its_standstill_makes_no_contract(app, client, api_token):
    from portal.contracts.models import Contract
    from portal.procurement.award import end_own_standstills
    from portal.procurement.evaluation_models import Award
    from portal.procurement.queries import get_tender
    from portal.procurement.services import cancel

    m = _two_lots(app)
    headers = {"Authorization": f"Bearer {api_token(m['lead'].email)}"}
    assert client.post(f"/api/v1/tenders/{m['tender'].id}/lots/1/award", headers=headers,
                       json={"bids": [m["bids"]["fern"].id], "contract_end": "2030-03-31"}).status_code == 201
    end = _rows(app, Award, m["glasgow"].id)[0].standstill_end
    with as_member(app, m["lead"], m["glasgow"].id) as user:
        cancel(get_tender(m["tender"].id), "The service is redesigned.", actor=user)
    with as_member(app, m["lead"], m["glasgow"].id):
        assert end_own_standstills(m["glasgow"].id, end + timedelta(days=1)) == 0
    assert _rows(app, Contract, m["glasgow"].id) == []
