"""Contract creation and framework validation answer from public registries and the
commissioner's own data only: no probe tells another tenant's people or codes apart from
unknown ones, and out-of-range input is a 422 or a form error, never a 500."""
from __future__ import annotations

import pytest

from tests.conftest import Browserless


@pytest.fixture
def rival(app, make_org, make_user, contract_setup):
    """Another commissioner with its own person and its own framework, code RIVAL."""
    from portal.contracts.custom_frameworks import create_framework
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    other = make_org("commissioner", slug="rival-hscp", name="Rival HSCP")
    person = make_user("lead@rival.example", memberships=[(other, "contract_manager")])
    with app.app_context(), tenant_context(other.id):
        from portal.tenants.queries import get_organisation_by_slug

        create_framework(get_organisation_by_slug("rival-hscp"), name="Rival outcomes", code="RIVAL",
                         outcomes=[("RIVAL-1", "People are well")], actor=None)
        db.session.commit()
    return {"organisation": other, "person": person}


def _contract(client, headers, **changes):
    body = {"provider": "fern-care", "reference": "PROBE-1", "title": "Probe", "service_type": "other",
            "start_date": "2027-01-01", "end_date": "2027-03-31", "annual_value": "1", "funding_model": "block",
            "framework": "NHWO"}
    body.update(changes)
    response = client.post("/api/v1/contracts", headers=headers, json=body)
    return response.status_code, response.get_json()


@pytest.fixture
def headers(api_token, contract_setup):
    return {"Authorization": f"Bearer {api_token(contract_setup['manager'].email)}"}


def test_a_lead_manager_elsewhere_answers_like_nobody(client, headers, rival, contract_setup):
    elsewhere = _contract(client, headers, lead_manager=rival["person"].email)
    provider_staff = _contract(client, headers, lead_manager=contract_setup["submitter"].email)
    nobody = _contract(client, headers, lead_manager="nobody@nowhere.example")
    assert elsewhere == provider_staff == nobody
    assert nobody[0] == 422 and "member of your organisation" in nobody[1]["errors"]["lead_manager"][0]
    mine = _contract(client, headers, lead_manager=contract_setup["manager"].email.upper())
    assert mine[0] == 201, mine


def test_another_commissioners_framework_code_answers_like_an_unknown_one(client, headers, rival):
    theirs = _contract(client, headers, framework="RIVAL")
    unknown = _contract(client, headers, framework="NO-SUCH")
    assert theirs == unknown
    assert unknown[0] == 422 and "national framework or one of your own" in unknown[1]["errors"]["framework"][0]


def test_an_unknown_provider_answers_the_same_whatever_else_is_sent(client, headers, rival,
                                                                    contract_setup):
    answers = {str(_contract(client, headers, provider="no-such-care", lead_manager=lead, framework=framework))
               for lead in (None, rival["person"].email, "nobody@nowhere.example", contract_setup["manager"].email)
               for framework in ("NHWO", "RIVAL", "NO-SUCH")}
    assert len(answers) == 1
    status, body = _contract(client, headers, provider="no-such-care")
    assert status == 422 and list(body["errors"]) == ["provider"]
    # A commissioner is not a provider to contract with, whoever it is.
    assert _contract(client, headers, provider="rival-hscp") == (status, body)


def test_framework_codes_are_per_owner_and_national_codes_are_taken(client, headers, rival):
    def create(code):
        return client.post("/api/v1/frameworks", headers=headers, json={
            "name": f"Clyde {code}", "code": code, "outcomes": [{"text": "People are safe"}]})

    mine = create("RIVAL")  # the rival's code: free for Clyde, so trying it tells Clyde nothing
    assert mine.status_code == 201, mine.get_json()
    again = create("rival")
    assert again.status_code == 409
    assert "You already have a framework with the code RIVAL" in again.get_json()["message"]
    national = create("NHWO")
    assert national.status_code == 409 and "used by a national framework" in national.get_json()["message"]
    # Now RIVAL names Clyde's own framework in Clyde's requests.
    status, body = _contract(client, headers, framework="RIVAL")
    assert status == 201 and body["framework"] == "RIVAL"
    listed = [f for f in client.get("/api/v1/frameworks", headers=headers).get_json() if f["code"] == "RIVAL"]
    assert [f["name"] for f in listed] == ["Clyde RIVAL"]


def test_the_schema_keeps_national_codes_unique(app, owner_engine, contract_setup):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with owner_engine.begin() as conn:
            conn.execute(text("INSERT INTO outcome_frameworks (code, name, source, created_at) "
                              "VALUES ('NHWO', 'Copy', '', now())"))


@pytest.mark.parametrize("measure,field,message", [
    ({"minimum": "1e20"}, "minimum", "Enter a number between"),
    ({"maximum": "-1e14"}, "maximum", "Enter a number between"),
    ({"minimum": "0.00001"}, "minimum", "no more than 4 decimal places"),
    ({"label": "x" * 301}, "label", "up to 300 characters"),
    ({"code": "PROBE-1." + "X" * 60}, "code", "up to 60 characters"),
    ({"hint": "x" * 1001}, "hint", "up to 1,000 characters"),
    ({"section": "NOPE-1"}, "section", "Choose the outcome"),
])
def test_out_of_range_measures_are_422s(client, headers, measure, field, message):
    spec = {"section": "PROBE-1", "code": "PROBE-1.FALLS", "label": "Falls", "type": "integer", **measure}
    response = client.post("/api/v1/frameworks", headers=headers, json={
        "name": "Probe", "code": "PROBE", "outcomes": [{"text": "People are safe"}], "measures": [spec]})
    assert response.status_code == 422, response.get_json()
    assert message in response.get_json()["errors"][field][0]
    assert "PROBE" not in {f["code"] for f in client.get("/api/v1/frameworks", headers=headers).get_json()}


def test_out_of_range_outcomes_are_422s(client, headers):
    long_code = client.post("/api/v1/frameworks", headers=headers, json={
        "name": "Probe", "code": "PROBE", "outcomes": [{"code": "P" * 41, "text": "x"}]})
    assert long_code.status_code == 422 and "up to 40 characters" in long_code.get_json()["message"]
    twice = client.post("/api/v1/frameworks", headers=headers, json={  # the second is numbered PROBE-2 too
        "name": "Probe", "code": "PROBE", "outcomes": [{"code": "probe-2", "text": "x"}, {"text": "y"}]})
    assert twice.status_code == 422 and "its own code" in twice.get_json()["message"]


def test_the_page_shows_the_same_problems_on_the_form(app, contract_setup):
    web = Browserless(app.test_client())
    web.sign_in(contract_setup["manager"].email)
    created = web.post("/o/clyde-hscp/frameworks/new", {"name": "Probe", "code": "PROBE",
                                                       "outcomes": "PROBE-1: People are safe"})
    assert created.status_code == 303
    url = created.headers["Location"]
    page = web.post(f"{url}/measures/new", {"section": "PROBE-1", "code": "PROBE-1.FALLS", "label": "Falls",
                                           "type": "integer", "required": "yes", "minimum": "1e20"})
    assert page.status_code == 422 and "Enter a number between" in page.get_data(as_text=True)
    page = web.post("/o/clyde-hscp/frameworks/new", {"name": "Again", "code": "NHWO", "outcomes": "x"})
    assert "used by a national framework" in page.get_data(as_text=True)
