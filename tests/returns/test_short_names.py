"""Sections are named by their outcome's short name (the national ones seeded with them; a
commissioner names its own, or a shortened wording stands in); the full statutory wording stays
on the task page, and labels say what to enter."""
from __future__ import annotations

from tests import factories
from tests.returns.forms import as_provider


def test_national_outcomes_have_short_names(app, contract_setup):
    from portal.contracts.models import Outcome, OutcomeFramework
    from portal.extensions import db

    with app.app_context():
        names = dict(db.session.execute(db.select(Outcome.code, Outcome.short_name).join(OutcomeFramework)
                                        .where(OutcomeFramework.owner_id.is_(None))).all())
    assert names["NHWO-7"] == "Safe from harm" and names["ASCOF23-SAF"] == "Safety"
    assert all(names.values()) and all(len(name) <= 40 for name in names.values())


def test_task_list_and_task_page_use_the_short_name(app, web, client, contract_setup):
    provider = contract_setup["provider"]
    ret = factories.return_of(contract_setup["contract"])
    web.sign_in(contract_setup["submitter"].email)
    base = f"/o/{provider.slug}/returns/{ret.id}"
    task_list = client.get(base).get_data(as_text=True)
    assert "Safe from harm" in task_list and "Outcome NHWO-7" in task_list
    assert "are safe from harm." not in task_list  # the statutory wording is for the task page
    page = client.get(f"{base}/tasks/NHWO-7").get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Safe from harm</h1>' in page
    assert "People who use health and social care services are safe from harm." in page
    assert "<title>Safe from harm" in page
    assert "Enter the number of people who achieved or sustained this outcome" in page
    assert "Enter the number of people whose progress towards this outcome was reviewed this period" in page
    assert "Describe the evidence of this outcome" in page
    delivery = client.get(f"{base}/tasks/delivery").get_data(as_text=True)
    assert "Enter the number of people supported this period" in delivery
    assert "Enter the percentage of staff paid at least the commissioner" in delivery
    assert "This contract counts delivery in hours: give what was contracted and delivered in hours." in delivery
    check = client.get(f"{base}/check").get_data(as_text=True)
    assert "Safe from harm (NHWO-7)" in check


def test_commissioners_name_their_own_outcomes_on_the_form(app, web, client, contract_setup):
    from portal.contracts.models import OutcomeFramework
    from portal.extensions import db

    commissioner = contract_setup["commissioner"]
    web.sign_in(contract_setup["manager"].email)
    form = client.get(f"/o/{commissioner.slug}/frameworks/new").get_data(as_text=True)
    assert "Safe from harm | People are safe from harm" in form  # the hint shows how
    response = web.post(f"/o/{commissioner.slug}/frameworks/new", {
        "name": "Clyde outcomes 2027", "code": "CLY-27",
        "outcomes": "CLY-1: Safe at home | People feel safe in their own home\n"
                    "People are connected to their communities, their friends and the things they love doing"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        framework = db.session.scalar(db.select(OutcomeFramework).where(OutcomeFramework.code == "CLY-27"))
        outcomes = [(o.code, o.short_name, o.text) for o in framework.outcomes]
    assert outcomes == [
        ("CLY-1", "Safe at home", "People feel safe in their own home"),
        ("CLY-27-2", "People are connected to their communities",
         "People are connected to their communities, their friends and the things they love doing")]
    too_long = web.post(f"/o/{commissioner.slug}/frameworks/new", {
        "name": "Long", "code": "LONG", "outcomes": "L-1: " + "Very " * 20 + "| People live well"})
    assert too_long.status_code == 422 and "write the short name in up to 80 characters" in \
        too_long.get_data(as_text=True)


def test_commissioners_name_their_own_outcomes_in_the_api(app, client, api_token, contract_setup):
    headers = {"Authorization": f"Bearer {api_token(contract_setup['manager'].email)}"}
    made = client.post("/api/v1/frameworks", headers=headers, json={
        "name": "API outcomes", "code": "API-OUT", "outcomes": [
            {"code": "API-1", "short_name": "Connected", "text": "People are connected to their community"},
            {"text": "People have a good quality of life, whatever their circumstances or their needs"}]})
    assert made.status_code == 201, made.get_json()
    assert [(o["code"], o["short_name"]) for o in made.get_json()["outcomes"]] == [
        ("API-1", "Connected"), ("API-OUT-2", "People have a good quality of life")]
    too_long = client.post("/api/v1/frameworks", headers=headers, json={
        "name": "X", "code": "API-X", "outcomes": [{"text": "People live well", "short_name": "x" * 81}]})
    assert too_long.status_code == 422
    national = client.get("/api/v1/frameworks", headers=headers).get_json()
    nhwo = next(f for f in national if f["code"] == "NHWO")
    assert {"code": "NHWO-7", "short_name": "Safe from harm"}.items() <= next(
        o for o in nhwo["outcomes"] if o["code"] == "NHWO-7").items()


def test_a_framework_made_without_short_names_gets_shortened_wording(app, contract_setup):
    from portal.contracts.frameworks import shorten
    from portal.returns import queries

    made = factories.framework(contract_setup["commissioner"], code="PLAIN", outcomes=[
        ("PLAIN-1", "People who use services are supported to live the life they choose, in the place they "
                    "call home, for as long as they want to")])
    contract = factories.contract(commissioner=contract_setup["commissioner"], provider=contract_setup["provider"],
                                  reference="PLAIN-1", framework_id=made.id)
    ret = factories.return_of(contract)
    names = as_provider(app, contract_setup["provider"].id,
                        lambda: [t.name for t in queries.task_list(queries.get_return(ret.id))])
    assert names == ["People who use services are supported to live the life they\u2026", "Service delivery"]
    assert shorten("Quality of life") == "Quality of life"
