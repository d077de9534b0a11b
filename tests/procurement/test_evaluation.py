"""The evaluation panel and its rules: a declaration of interests before any bid is seen (a
conflict takes the evaluator off the panel), independent scoring (nobody reads another's scores
before submitting their own), no price before the lot is moderated, flags where evaluators differ
by 2 or more, and a moderator who is not on the panel."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.errors import Conflict
from tests import factories
from tests.helpers import mailbox, run_jobs
from tests.procurement.evaluation_setup import (as_member, bid_of, evaluated, market, moderate, score,
                                                tender_of)


def _headers(api_token, person) -> dict:
    return {"Authorization": f"Bearer {api_token(person.email)}"}


def test_the_panel_is_set_up_by_the_procurement_team(app, web, client):
    m = market(app, declare=False)
    tender = m["tender"]
    web.sign_in(m["lead"].email)
    url = f"/o/glasgow-hscp/tenders/{tender.id}/evaluate"
    page = client.get(url).get_data(as_text=True)
    assert "Morag Campbell" in page and "Declaration needed" in page
    unknown = web.post(f"/o/glasgow-hscp/tenders/{tender.id}/evaluators", {"evaluator": "999999"}, page=url)
    assert unknown.status_code == 422 and "Choose a member of your organisation" in unknown.get_data(as_text=True)
    empty = web.post(f"/o/glasgow-hscp/tenders/{tender.id}/evaluators", {"evaluator": ""}, page=url)
    assert "Choose a member of your organisation" in empty.get_data(as_text=True)
    again = web.post(f"/o/glasgow-hscp/tenders/{tender.id}/evaluators", {"evaluator": str(m["first"].id)}, page=url)
    assert again.status_code == 409 and "already an evaluator" in again.get_data(as_text=True)
    added = web.post(f"/o/glasgow-hscp/tenders/{tender.id}/evaluators", {"evaluator": str(m["moderator"].id)},
                     page=url)
    assert added.status_code == 303
    run_jobs(app)
    invited = mailbox(app, "moderator@glasgow.example")
    assert invited and "declare whether you have a conflict of interest" in invited[-1].body
    assert f"/o/glasgow-hscp/tenders/{tender.id}/declaration" in invited[-1].body
    removed = web.post(f"/o/glasgow-hscp/tenders/{tender.id}/evaluators/remove",
                       {"evaluator": str(m["moderator"].id)}, page=url)
    assert removed.status_code == 303
    assert "Removed" in client.get(url).get_data(as_text=True)
    web.sign_in(m["second"].email)  # finance staff evaluate but do not manage the panel
    assert web.post(f"/o/glasgow-hscp/tenders/{tender.id}/evaluators", {"evaluator": str(m["lead"].id)},
                    page=url).status_code == 403


def test_no_bid_is_seen_before_the_declaration_and_a_conflict_leaves_the_panel(app, web, client, api_token):
    m = market(app, declare=False)
    tender, fern = m["tender"], m["bids"]["fern"]
    web.sign_in(m["first"].email)
    score_url = f"/o/glasgow-hscp/tenders/{tender.id}/bids/{fern.id}/score"
    gate = client.get(score_url).get_data(as_text=True)
    assert "Declare your interests first" in gate and "Fern Care’s answer" not in gate
    api = client.get(f"/api/v1/tenders/{tender.id}/bids/{fern.id}/scores", headers=_headers(api_token, m["first"]))
    assert api.status_code == 404
    with pytest.raises(Conflict, match="Declare your interests first"), as_member(app, m["first"], m["glasgow"].id) \
            as user:
        from portal.procurement.evaluation import submit_scores

        submit_scores(tender_of(tender), bid_of(fern), user, {})

    declaration = f"/o/glasgow-hscp/tenders/{tender.id}/declaration"
    page = client.get(declaration).get_data(as_text=True)
    assert all(name in page for name in ("Fern Care", "Oak Care", "Ash Care"))
    unanswered = web.post(declaration, {})
    assert unanswered.status_code == 422
    assert "Say whether you have a conflict of interest" in unanswered.get_data(as_text=True)
    no_details = web.post(declaration, {"conflict": "yes"})
    assert "Enter the conflict of interest: who it is with and why" in no_details.get_data(as_text=True)
    assert web.post(declaration, {"conflict": "no"}).status_code == 303
    assert "Fern Care’s answer" in client.get(score_url).get_data(as_text=True)

    web.sign_in(m["second"].email)
    conflicted = web.post(declaration, {"conflict": "yes", "details": "My sister manages Oak Care."})
    assert conflicted.status_code == 303
    assert "You declared a conflict of interest" in client.get(score_url).get_data(as_text=True)
    web.sign_in(m["lead"].email)
    again = web.post(f"/o/glasgow-hscp/tenders/{tender.id}/evaluators", {"evaluator": str(m["second"].id)},
                     page=f"/o/glasgow-hscp/tenders/{tender.id}/evaluate")
    assert again.status_code == 409 and "declared a conflict of interest" in again.get_data(as_text=True)
    with app.app_context():
        from portal.audit.models import AuditEvent
        from portal.extensions import db
        from portal.tenants.context import tenant_context

        with tenant_context(m["glasgow"].id):
            declared = [e.details for e in db.session.scalars(select(AuditEvent).where(
                AuditEvent.action == "tender_evaluator_declared").order_by(AuditEvent.id))]
            db.session.rollback()
    assert [d["conflict"] for d in declared] == [False, True]
    assert declared[1]["details"] == "My sister manages Oak Care."
    assert declared[0]["bidders"] == ["Ash Care", "Fern Care", "Oak Care"]


def test_declaring_waits_for_the_opening(app, web, client):
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp")
    person = factories.user("e@glasgow.example", memberships=[(glasgow, "viewer")])
    tender = factories.evaluation_tender(glasgow, reference="GCH-SHUT")
    factories.bid(factories.organisation("provider", slug="fern-care"), tender)
    factories.evaluator(tender, person, declare=False)
    web.sign_in(person.email)
    url = f"/o/glasgow-hscp/tenders/{tender.id}/declaration"
    assert "The bids are not opened yet" in client.get(url).get_data(as_text=True)
    refused = web.post(url, {"conflict": "no"}, page=url)
    assert refused.status_code == 409 and "fern-care" not in refused.get_data(as_text=True)


def test_evaluators_score_independently_and_scores_are_final(app, client, api_token):
    m = market(app)
    tender, oak = m["tender"], m["bids"]["oak"]
    url = f"/api/v1/tenders/{tender.id}/bids/{oak.id}/scores"
    q1, q2 = m["questions"]
    first, second = _headers(api_token, m["first"]), _headers(api_token, m["second"])
    empty = client.post(url, headers=first, json={"scores": []})
    assert empty.status_code == 422
    assert empty.get_json()["errors"] == {f"score-{q1.id}": ["Choose a score from 0 to 4 for question 1"],
                                          f"reason-{q1.id}": ["Enter the reason for the score of question 1"],
                                          f"score-{q2.id}": ["Choose a score from 0 to 4 for question 2"],
                                          f"reason-{q2.id}": ["Enter the reason for the score of question 2"]}
    out_of_scale = client.post(url, headers=first, json={"scores": [
        {"question": q1.id, "score": 5, "reason": "Great"}, {"question": q2.id, "score": "two", "reason": "Fine"}]})
    assert out_of_scale.status_code == 422
    made = client.post(url, headers=first, json={"scores": [
        {"question": q1.id, "score": 4, "reason": "First: strong on prevention"},
        {"question": q2.id, "score": 2, "reason": "First: thin on retention"}]})
    assert made.status_code == 201, made.get_json()
    assert all(q["others"] == [] for q in made.get_json()["questions"])  # the second has not scored yet
    before = client.get(url, headers=second).get_json()
    assert before["submitted"] is False
    assert all(q["own"] is None and q["others"] == [] for q in before["questions"])
    assert "First:" not in str(before)
    again = client.post(url, headers=first, json={"scores": [
        {"question": q1.id, "score": 1, "reason": "Changed my mind"}, {"question": q2.id, "score": 1, "reason": "x"}]})
    assert again.status_code == 409 and "final" in again.get_json()["message"]
    client.post(url, headers=second, json={"scores": [
        {"question": q1.id, "score": 4, "reason": "Second: good"},
        {"question": q2.id, "score": 4, "reason": "Second"}]})
    after = client.get(url, headers=second).get_json()
    assert [o["reason"] for o in after["questions"][0]["others"]] == ["First: strong on prevention"]
    assert [q["flagged"] for q in after["questions"]] == [False, True]  # 2 and 4 differ by 2


def test_no_price_before_the_lot_is_moderated(app, web, client, api_token):
    m = market(app)
    tender, fern = m["tender"], m["bids"]["fern"]
    web.sign_in(m["first"].email)
    page = client.get(f"/o/glasgow-hscp/tenders/{tender.id}/bids/{fern.id}/score").get_data(as_text=True)
    assert "200,000" not in page and "200000" not in page
    scored = client.get(f"/api/v1/tenders/{tender.id}/bids/{fern.id}/scores",
                        headers=_headers(api_token, m["first"])).get_data(as_text=True)
    assert "200000" not in scored and "price" not in scored
    lead = _headers(api_token, m["lead"])
    refused = client.get(f"/api/v1/tenders/{tender.id}/lots/1/ranking", headers=lead)
    assert refused.status_code == 409 and "not moderated yet" in refused.get_json()["message"]
    web.sign_in(m["lead"].email)
    base = f"/o/glasgow-hscp/tenders/{tender.id}"
    for url in (f"{base}/lots/1/ranking", f"{base}/lots/1/moderation", f"{base}/lots/1/award", f"{base}/bids",
                f"{base}/bids.csv", f"/o/glasgow-hscp/bids/{fern.id}"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "200,000" not in html and "160,000" not in html and "200000" not in html, url
    # The lead opened the bids, so the opened list, its CSV, the API and the receipts withhold prices too.
    listed = client.get(f"/api/v1/tenders/{tender.id}/bids", headers=lead)
    assert listed.status_code == 200 and {b["price"] for b in listed.get_json()} == {None}
    assert "Withheld until quality is moderated" in client.get(f"/o/glasgow-hscp/tenders/{tender.id}/bids.csv").get_data(
        as_text=True)
    receipt = client.get(f"/o/glasgow-hscp/bids/{fern.id}/receipt.json")
    assert receipt.status_code == 409 and "200000" not in receipt.get_data(as_text=True)
    evaluated(app, m)
    ranking = client.get(f"/o/glasgow-hscp/tenders/{tender.id}/lots/1/ranking").get_data(as_text=True)
    assert "£200,000.00" in ranking and "84.13" in ranking
    assert "200000.00" in {b["price"] for b in client.get(f"/api/v1/tenders/{tender.id}/bids", headers=lead).get_json()}
    assert client.get(f"/o/glasgow-hscp/bids/{fern.id}/receipt.json").status_code == 200


def test_moderation_waits_for_every_evaluator_and_flags_differences(app, web, client, api_token):
    m = market(app)
    tender, ash = m["tender"], m["bids"]["ash"]
    score(app, m, "first", "ash", (0, 3))
    with pytest.raises(Conflict, match="waiting for Fiona Reid"):
        moderate(app, m, "ash", (1, 3))
    body = client.get(f"/api/v1/tenders/{tender.id}/lots/1/moderation",
                      headers=_headers(api_token, m["moderator"])).get_json()
    ash_row = next(b for b in body["bids"] if b["bid"] == ash.id)
    assert ash_row["ready"] is False and ash_row["waiting_for"] == ["Fiona Reid"]
    assert all(q["scores"] == [] for q in ash_row["questions"])  # nobody reads a partial set
    score(app, m, "second", "ash", (2, 4))
    body = client.get(f"/api/v1/tenders/{tender.id}/lots/1/moderation",
                      headers=_headers(api_token, m["moderator"])).get_json()
    ash_row = next(b for b in body["bids"] if b["bid"] == ash.id)
    assert [q["flagged"] for q in ash_row["questions"]] == [True, False]  # 0 and 2; 3 and 4
    web.sign_in(m["moderator"].email)
    page = client.get(f"/o/glasgow-hscp/tenders/{tender.id}/bids/{ash.id}/moderate").get_data(as_text=True)
    assert "Flagged: scores differ by 2 or more" in page and "Morag Campbell" in page and "Fiona Reid" in page
    url = f"/o/glasgow-hscp/tenders/{tender.id}/bids/{ash.id}/moderate"
    q1, q2 = m["questions"]
    missing = web.post(url, {f"score-{q1.id}": "1"})
    assert missing.status_code == 422
    assert "Enter the reason for the score of question 1" in missing.get_data(as_text=True)
    done = web.post(url, {f"score-{q1.id}": "1", f"reason-{q1.id}": "Little on prevention",
                          f"score-{q2.id}": "3", f"reason-{q2.id}": "A clear retention plan"})
    assert done.status_code == 303
    body = client.get(f"/api/v1/tenders/{tender.id}/lots/1/moderation",
                      headers=_headers(api_token, m["moderator"])).get_json()
    assert body["done"] == 2 and body["needed"] == 6 and body["moderated"] is False


def test_the_moderator_is_not_an_evaluator_unless_nobody_else_can(app):
    m = market(app)
    factories.evaluator(m["tender"], m["lead"])  # the procurement lead joins the panel
    for key in ("first", "second", "lead"):
        score(app, m, key, "fern", (3, 4))
    with pytest.raises(Conflict, match="someone who is not moderates it \\(Alasdair Grant\\)"):
        moderate(app, m, "fern", (3, 4), who="lead")
    factories.evaluator(m["tender"], m["moderator"])  # now everyone who could moderate is on the panel
    score(app, m, "moderator", "fern", (3, 3))
    moderate(app, m, "fern", (3, 4), who="lead")


def test_bids_not_reconfirmed_are_shown_flagged(app, web, client):
    m = market(app)
    from datetime import datetime, timezone

    from portal.extensions import db
    from portal.procurement.bid_models import Bid
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(m["providers"]["ash"].id):
        db.session.get(Bid, m["bids"]["ash"].id).reconfirm_since = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)
        db.session.commit()
    web.sign_in(m["moderator"].email)
    page = client.get(f"/o/glasgow-hscp/tenders/{m['tender'].id}/lots/1/moderation").get_data(as_text=True)
    assert page.count("Not reconfirmed since") == 1
    web.sign_in(m["first"].email)
    assert "Not reconfirmed since" in client.get(
        f"/o/glasgow-hscp/tenders/{m['tender'].id}/bids/{m['bids']['ash'].id}/score").get_data(as_text=True)
    assert "Not reconfirmed since" in client.get("/o/glasgow-hscp/evaluation/").get_data(as_text=True)
