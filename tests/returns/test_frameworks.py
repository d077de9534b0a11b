"""A commissioner defines its own outcome framework and questions; others cannot see or use it."""
from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import Browserless


def test_define_a_framework_add_a_question_and_contract_on_it(app, web, client, contract_setup, make_org, make_user):
    commissioner = contract_setup["commissioner"]
    web.sign_in(contract_setup["manager"].email)
    response = web.post(f"/o/{commissioner.slug}/frameworks/new", {
        "name": "Clyde outcomes 2027", "code": "clyde-27",
        "outcomes": "CLY-1: People stay well at home\nPeople feel less lonely"})
    assert response.status_code == 303
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "CLY-1.REVIEWED" in page and "CLYDE-27-2.NARRATIVE" in page and "DEL.LIVING_WAGE" in page
    framework_id = int(url.rstrip("/").rsplit("/", 1)[1])
    bad = web.post(f"{url}/measures/new", {"section": "CLY-1", "code": "CLY-1.FALLS", "label": "Falls",
                                          "type": "text", "required": "yes", "minimum": "0"})
    assert "Only number answers can have a minimum" in bad.get_data(as_text=True)
    added = web.post(f"{url}/measures/new", {"section": "CLY-1", "code": "cly-1.falls", "label": "Falls this month",
                                            "type": "integer", "required": "yes", "minimum": "0", "maximum": "50"})
    assert added.status_code == 303 and "CLY-1.FALLS" in client.get(url).get_data(as_text=True)

    from portal.accounts.models import User
    from portal.contracts.custom_frameworks import add_measure, get_visible_framework
    from portal.contracts.services import create_contract, create_schedule
    from portal.errors import Conflict
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        with tenant_context(commissioner.id):
            org = get_organisation_by_slug(commissioner.slug)
            contract = create_contract(org, provider_slug="fern-care", reference="CLY-27", title="Custom",
                                       service_type="other", care_group="", locality="", start_date=date(2027, 1, 1),
                                       end_date=date(2027, 3, 31), annual_value="1", funding_model="block",
                                       framework_id=framework_id, lead_manager_id=None, actor=None)
            create_schedule(contract, frequency="monthly", actor=None)
            framework = get_visible_framework(org, framework_id)
            with pytest.raises(Conflict, match="already use this framework"):
                add_measure(org, framework, section="CLY-1", code="CLY-1.MORE", label="More", type="integer",
                            required=True, actor=None)
            contract_id = contract.id
        db.session.commit()
        with tenant_context(contract_setup["provider"].id):
            ret = queries.list_returns(contract_id=contract_id)[0]
            with pytest.raises(services.ValidationFailed) as failure:
                services.save_answers(ret, {"CLY-1.FALLS": "51"}, expected_version=ret.lock_version,
                                      actor=db.session.get(User, contract_setup["submitter"].id))
            assert "50 or less" in failure.value.errors["CLY-1.FALLS"]


def test_another_commissioner_cannot_see_or_use_it(app, make_org, make_user, contract_setup):
    from portal.contracts.custom_frameworks import create_framework
    from portal.contracts.services import create_contract
    from portal.errors import ServiceError
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    commissioner = contract_setup["commissioner"]
    with app.app_context(), tenant_context(commissioner.id):
        framework = create_framework(get_organisation_by_slug(commissioner.slug), name="Private", code="PRIV",
                                     outcomes=[("PRIV-1", "x")], actor=None)
        db.session.commit()
        framework_id = framework.id
    other = make_org("commissioner", slug="other-hscp")
    manager = make_user(memberships=[(other, "contract_manager")])
    visitor = Browserless(app.test_client())
    visitor.sign_in(manager.email)
    assert visitor.client.get(f"/o/other-hscp/frameworks/{framework_id}").status_code == 404
    assert "Private" not in visitor.client.get("/o/other-hscp/frameworks/").get_data(as_text=True)
    with app.app_context(), tenant_context(other.id):
        with pytest.raises(ServiceError, match="national framework or one of your own"):
            create_contract(get_organisation_by_slug("other-hscp"), provider_slug="fern-care", reference="O-1",
                            title="x", service_type="other", care_group="", locality="", start_date=date(2027, 1, 1),
                            end_date=date(2027, 2, 1), annual_value="1", funding_model="block",
                            framework_id=framework_id, lead_manager_id=None, actor=None)


def test_providers_have_no_framework_pages(app, web, client, contract_setup):
    web.sign_in(contract_setup["submitter"].email)
    assert client.get(f"/o/{contract_setup['provider'].slug}/frameworks/").status_code == 404


def test_frameworks_through_the_api(client, api_token, contract_setup):
    headers = {"Authorization": f"Bearer {api_token(contract_setup['manager'].email)}"}
    listed = client.get("/api/v1/frameworks", headers=headers).get_json()
    assert {"NHWO", "ASCOF-2014", "ASCOF-2023"} <= {f["code"] for f in listed}
    created = client.post("/api/v1/frameworks", headers=headers, json={
        "name": "Clyde API framework", "code": "cly-api", "outcomes": [{"text": "People are safe"}],
        "measures": [{"section": "CLY-API-1", "code": "CLY-API-1.INCIDENTS", "label": "Incidents", "type": "integer",
                      "minimum": "0"}]})
    assert created.status_code == 201, created.get_json()
    codes = [m["code"] for m in created.get_json()["measures"]]
    assert "CLY-API-1.INCIDENTS" in codes and "CLY-API-1.NARRATIVE" in codes
    bad = client.post("/api/v1/frameworks", headers=headers, json={
        "name": "Bad", "code": "BAD", "outcomes": [{"text": "x"}],
        "measures": [{"section": "BAD-1", "code": "BAD-1.X", "label": "x", "type": "colour"}]})
    assert bad.status_code == 422 and "type of answer" in bad.get_json()["message"]
    assert "BAD" not in {f["code"] for f in client.get("/api/v1/frameworks", headers=headers).get_json()}
    provider = {"Authorization": f"Bearer {api_token(contract_setup['submitter'].email)}"}
    assert client.post("/api/v1/frameworks", headers=provider, json={
        "name": "x", "code": "X", "outcomes": [{"text": "x"}]}).status_code == 403
