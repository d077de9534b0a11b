"""The contracts and returns API."""
from __future__ import annotations

from tests.factories import full_answers


def _auth(api_token, email):
    return {"Authorization": f"Bearer {api_token(email)}"}


def test_contracts_list_for_both_sides(client, api_token, contract_setup):
    for email in (contract_setup["submitter"].email, contract_setup["manager"].email):
        items = client.get("/api/v1/contracts", headers=_auth(api_token, email)).get_json()
        assert [(c["reference"], c["commissioner"]["slug"], c["provider"]["slug"]) for c in items] == [
            ("CLY-001", "clyde-hscp", "fern-care")]
        assert set(items[0]) >= {"id", "reference", "commissioner", "provider"}


def test_returns_filters_and_detail(client, api_token, contract_setup):
    headers = _auth(api_token, contract_setup["submitter"].email)
    items = client.get("/api/v1/returns", headers=headers).get_json()
    assert len(items) == 24 and set(items[0]) >= {"id", "contract_id", "period_start", "period_end", "due_date",
                                                  "status"}
    march = client.get("/api/v1/returns?period_from=2025-03-01&period_to=2025-03-31", headers=headers).get_json()
    assert [r["period_start"] for r in march] == ["2025-03-01"]
    assert client.get("/api/v1/returns?status=bogus", headers=headers).status_code == 422
    detail = client.get(f"/api/v1/returns/{items[0]['id']}", headers=headers).get_json()
    assert detail["version"] == 1 and detail["versions"] == [] and detail["answers"] == {}
    codes = {m["code"]: m for m in detail["measures"]}
    assert codes["NHWO-1.REVIEWED"] == {**codes["NHWO-1.REVIEWED"], "outcome": "NHWO-1", "type": "integer",
                                        "required": True}


def test_patch_validates_locks_and_submit_works_once(client, api_token, contract_setup):
    headers = _auth(api_token, contract_setup["submitter"].email)
    return_id = client.get("/api/v1/returns", headers=headers).get_json()[0]["id"]
    detail = client.get(f"/api/v1/returns/{return_id}", headers=headers).get_json()
    bad = client.patch(f"/api/v1/returns/{return_id}", headers=headers, json={
        "version": detail["version"], "answers": [{"measure": "NHWO-1.REVIEWED", "value": "many"},
                                                  {"measure": "NOPE", "value": 1}]})
    assert bad.status_code == 422 and "NOPE" in bad.get_json()["errors"]["answers"]
    bad = client.patch(f"/api/v1/returns/{return_id}", headers=headers, json={
        "version": detail["version"], "answers": [{"measure": "NHWO-1.REVIEWED", "value": "many"}]})
    assert bad.status_code == 422
    assert "whole number" in bad.get_json()["errors"]["answers"]["NHWO-1.REVIEWED"]
    answers = [{"measure": m["code"], "value": v} for m in detail["measures"]
               for v in [full_answers([type("M", (), {"code": m["code"], "type": m["type"]})])[m["code"]]]]
    ok = client.patch(f"/api/v1/returns/{return_id}", headers=headers,
                      json={"version": detail["version"], "answers": answers})
    assert ok.status_code == 200 and ok.get_json()["answers"]["NHWO-1.REVIEWED"] == "10"
    stale = client.patch(f"/api/v1/returns/{return_id}", headers=headers,
                         json={"version": detail["version"], "answers": answers[:1]})
    assert stale.status_code == 409 and "Someone else saved" in stale.get_json()["message"]
    version = ok.get_json()["version"]
    first = client.post(f"/api/v1/returns/{return_id}/submit", headers=headers, json={"version": version})
    assert first.status_code == 200 and first.get_json()["status"] == "submitted"
    assert len(first.get_json()["versions"]) == 1
    again = client.post(f"/api/v1/returns/{return_id}/submit", headers=headers, json={"version": version})
    assert again.status_code == 409


def test_incomplete_return_is_not_submittable(client, api_token, contract_setup):
    headers = _auth(api_token, contract_setup["submitter"].email)
    return_id = client.get("/api/v1/returns", headers=headers).get_json()[0]["id"]
    response = client.post(f"/api/v1/returns/{return_id}/submit", headers=headers, json={})
    assert response.status_code == 409 and "Complete every section" in response.get_json()["message"]


def test_commissioner_sees_no_drafts_and_creates_contracts(client, api_token, contract_setup):
    headers = _auth(api_token, contract_setup["manager"].email)
    assert client.get("/api/v1/returns", headers=headers).get_json() == []
    created = client.post("/api/v1/contracts", headers=headers, json={
        "provider": "fern-care", "reference": "CLY-API", "title": "Supported living", "service_type":
        "supported_living", "start_date": "2026-01-01", "end_date": "2026-12-31", "annual_value": "90000.00",
        "funding_model": "block", "framework": "ASCOF-2023", "lead_manager": contract_setup["manager"].email})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["delivery_unit"] == "hours"  # the usual unit of supported living, when not given
    contract_id = created.get_json()["id"]
    nights = client.post("/api/v1/contracts", headers=headers, json={
        "provider": "fern-care", "reference": "CLY-NIGHTS", "title": "Respite", "service_type": "other",
        "delivery_unit": "nights", "start_date": "2026-01-01", "end_date": "2026-12-31", "annual_value": "1.00",
        "funding_model": "block", "framework": "NHWO"})
    assert nights.status_code == 201 and nights.get_json()["delivery_unit"] == "nights"
    unknown = client.post("/api/v1/contracts", headers=headers, json={
        "provider": "fern-care", "reference": "CLY-MILES", "title": "Transport", "service_type": "other",
        "delivery_unit": "miles", "start_date": "2026-01-01", "end_date": "2026-12-31", "annual_value": "1.00",
        "funding_model": "block", "framework": "NHWO"})
    assert unknown.status_code == 422 and "delivery_unit" in unknown.get_json()["errors"]["json"]
    schedule = client.post(f"/api/v1/contracts/{contract_id}/schedule", headers=headers,
                           json={"frequency": "quarterly", "due_days": 30})
    assert schedule.status_code == 201 and schedule.get_json()["returns"] == 4
    again = client.post(f"/api/v1/contracts/{contract_id}/schedule", headers=headers, json={"frequency": "monthly"})
    assert again.status_code == 409
    duplicate = client.post("/api/v1/contracts", headers=headers, json={
        "provider": "fern-care", "reference": "CLY-API", "title": "x", "service_type": "other",
        "start_date": "2026-01-01", "end_date": "2025-12-31", "annual_value": "1", "funding_model": "block",
        "framework": "NHWO"})
    assert duplicate.status_code == 422 and "end date" in duplicate.get_json()["message"]
    provider = _auth(api_token, contract_setup["submitter"].email)
    refused = client.post("/api/v1/contracts", headers=provider, json={
        "provider": "fern-care", "reference": "X", "title": "x", "service_type": "other", "start_date": "2026-01-01",
        "end_date": "2026-12-31", "annual_value": "1", "funding_model": "block", "framework": "NHWO"})
    assert refused.status_code == 404  # a provider has no contract creation at all
