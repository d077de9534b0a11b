"""Award criteria on a draft: weights in whole per cent adding up to 100 (a warning to confirm
outside 10:90 to 80:20, price alone refused for care), quality questions whose weights add up to
100 in every lot (refused naming the sums), places per lot; fixed once published. Pages and API."""
from __future__ import annotations

from sqlalchemy import select

from tests import factories

LOTS = [{"title": "North", "description": "", "estimated_value": "100000.00"},
        {"title": "South", "description": "", "estimated_value": "50000.00"}]


def _setup(app):
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    officer = factories.user("officer@glasgow.example", memberships=[(glasgow, "procurement")])
    viewer = factories.user("viewer@glasgow.example", memberships=[(glasgow, "viewer")])
    draft = factories.tender(glasgow, reference="GCH-DRAFT", published=False, lots=LOTS)
    return glasgow, officer, viewer, draft


def _form(**changes) -> dict:
    data = {"quality_weight": "70", "price_weight": "30", "places-1": "1", "places-2": "2",
            "questions-1-text": "How will people stay well at home?", "questions-1-weight": "60",
            "questions-1-lot": "all",
            "questions-2-text": "How will you staff the north?", "questions-2-weight": "40", "questions-2-lot": "1",
            "questions-3-text": "How will you staff the south?", "questions-3-weight": "40", "questions-3-lot": "2",
            "questions-3-word_limit": "500", "action": "save"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _criteria(app, tender):
    from portal.extensions import db
    from portal.procurement.bid_models import QualityQuestion
    from portal.procurement.models import Lot, Tender
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(tender.tenant_id):
        found = db.session.get(Tender, tender.id)
        questions = [(q.number, q.weight, q.lot_id is not None, q.word_limit) for q in db.session.scalars(
            select(QualityQuestion).where(QualityQuestion.tender_id == tender.id).order_by(QualityQuestion.number))]
        places = [lot.places for lot in db.session.scalars(select(Lot).where(Lot.tender_id == tender.id)
                                                           .order_by(Lot.number))]
        result = (found.quality_weight, found.price_weight, questions, places)
        db.session.rollback()
    return result


def test_the_officer_sets_a_drafts_criteria_and_every_mistake_is_named(app, web, client):
    _glasgow, officer, _viewer, draft = _setup(app)
    web.sign_in(officer.email)
    url = f"/o/glasgow-hscp/tenders/{draft.id}/criteria"
    assert "Save the criteria" in client.get(url).get_data(as_text=True)

    empty = web.post(url, {"action": "save"})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 422
    assert "Enter the quality weight" in page and "Enter the price weight" in page
    assert "Add at least one quality question" in page and "govuk-error-summary" in page

    nonsense = web.post(url, _form(quality_weight="lots", price_weight="-5", **{"questions-1-weight": "6O",
                                                                             "questions-3-word_limit": "many"}))
    page = nonsense.get_data(as_text=True)
    assert "Enter the quality weight as a whole number from 0 to 100" in page
    assert "Enter the price weight as a whole number from 0 to 100" in page
    assert "Enter the weight of question 1 as a whole number from 1 to 100" in page
    assert "Enter the word limit of question 3 (or leave it empty) as a whole number" in page

    not_100 = web.post(url, _form(price_weight="40")).get_data(as_text=True)
    assert "The quality and price weights must add up to 100: they add up to 110" in not_100

    price_only = web.post(url, _form(quality_weight="0", price_weight="100")).get_data(as_text=True)
    assert "Care services cannot be bought on price alone" in price_only

    sums = web.post(url, _form(**{"questions-3-weight": "30"})).get_data(as_text=True)
    assert "The weights of the questions for each lot must add up to 100: lot 2 (South) adds up to 90" in sums
    assert _criteria(app, draft) == (70, 30, [], [1, 1])  # nothing half-written kept

    saved = web.post(url, _form())
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
    assert _criteria(app, draft) == (70, 30, [(1, 60, False, None), (2, 40, True, None), (3, 40, True, 500)], [1, 2])


def test_weights_outside_the_usual_range_need_the_officers_confirmation(app, web, client):
    _glasgow, officer, _viewer, draft = _setup(app)
    web.sign_in(officer.email)
    url = f"/o/glasgow-hscp/tenders/{draft.id}/criteria"
    warned = web.post(url, _form(quality_weight="10", price_weight="90"))
    page = warned.get_data(as_text=True)
    assert warned.status_code == 422
    assert "Price 90 % and quality 10 % is outside the usual range for care services, from 10:90 to 80:20" in page
    assert "I have checked these weights and mean them" in page
    confirmed = web.post(url, _form(quality_weight="10", price_weight="90", confirm_weights="yes"))
    assert confirmed.status_code == 303
    assert _criteria(app, draft)[:2] == (10, 90)


def test_adding_and_removing_questions_without_javascript(app, web, client):
    _glasgow, officer, _viewer, draft = _setup(app)
    web.sign_in(officer.email)
    url = f"/o/glasgow-hscp/tenders/{draft.id}/criteria"
    added = web.post(url, _form(action="add")).get_data(as_text=True)
    assert 'name="questions-4-text"' in added and _criteria(app, draft)[2] == []  # nothing saved yet
    assert web.post(url, _form()).status_code == 303
    # Remove question 2 and give its weight to question 1 in lot 1.
    removed = web.post(url, _form(**{"questions-2-remove": "yes", "questions-1-weight": "100",
                                     "questions-3-lot": "all", "questions-3-weight": "0"}))
    assert "Enter the weight of question 2 as a whole number from 1 to 100" in removed.get_data(as_text=True)
    done = web.post(url, _form(**{"questions-2-remove": "yes", "questions-1-weight": "100", "questions-3-text": None,
                                  "questions-3-weight": None, "questions-3-word_limit": None}))
    assert done.status_code == 303
    assert _criteria(app, draft)[2] == [(1, 100, False, None)]


def test_published_criteria_are_fixed_and_every_organisation_reads_them(app, web, client, api_token):
    glasgow, officer, viewer, _draft = _setup(app)
    tender = factories.evaluation_tender(glasgow, reference="GCH-PUB", days_ago=3, closed_days_ago=-30)
    web.sign_in(officer.email)
    url = f"/o/glasgow-hscp/tenders/{tender.id}/criteria"
    page = client.get(url).get_data(as_text=True)
    assert "Save the criteria" not in page and "are fixed" in page
    refused = web.post(url, _form(), page=url)
    assert refused.status_code == 409 and "amendment" in refused.get_data(as_text=True)
    oak = factories.organisation("provider", slug="oak-care", name="Oak Care")
    reader = factories.user("staff@oak.example", memberships=[(oak, "submitter")])
    body = client.get(f"/api/v1/tenders/{tender.id}/criteria",
                      headers={"Authorization": f"Bearer {api_token(reader.email)}"}).get_json()
    assert body["quality_weight"] == 70 and body["complete"] is True
    assert [(q["number"], q["weight"], q["lot"]) for q in body["questions"]] == [(1, 100, None)]
    web.sign_in(viewer.email)
    assert web.post(url, _form(), page=url).status_code == 403


def test_the_api_sets_the_whole_criteria_and_names_the_fields(app, client, api_token):
    _glasgow, officer, _viewer, draft = _setup(app)
    headers = {"Authorization": f"Bearer {api_token(officer.email)}"}
    url = f"/api/v1/tenders/{draft.id}/criteria"
    bad = client.put(url, headers=headers, json={"quality_weight": 70, "price_weight": 30, "questions": [
        {"text": "Staying well?", "weight": 70, "lot": None}, {"text": "North staff?", "weight": 30, "lot": 9}]})
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {"questions-2-lot": ["Choose the lot question 2 is for (1, 2) or every lot"]}
    good = client.put(url, headers=headers, json={
        "quality_weight": 60, "price_weight": 40, "places": {"2": 3},
        "questions": [{"text": "Staying well?", "weight": 70, "lot": None}, {"text": "Staff?", "weight": 30}]})
    assert good.status_code == 200, good.get_json()
    body = good.get_json()
    assert body["complete"] is True
    assert [(lot["number"], lot["places"], lot["weight_sum"]) for lot in body["lots"]] == [(1, 1, 100), (2, 3, 100)]
    assert _criteria(app, draft) == (60, 40, [(1, 70, False, None), (2, 30, False, None)], [1, 3])
