"""The invoices API as the issue sets it out: create (201 with decimal strings), read, change,
submit, decide; 422 per field and per line; both addresses."""
from __future__ import annotations

from datetime import date

import pytest

from tests import factories

BODY = {"contract_id": None, "number": "FC-0001", "period_start": "2025-05-01", "period_end": "2025-05-31",
        "buyer_reference": "PO-123",
        "lines": [{"description": "Care at home", "quantity": "7.5", "unit": "hour", "unit_price": "21.3333",
                   "vat_category": "S", "vat_rate": "20"},
                  {"description": "Travel", "quantity": "3", "unit": "block", "unit_price": "19.995",
                   "vat_category": "S", "vat_rate": "20"}]}


@pytest.fixture
def api(app, contract_setup, api_token):
    provider, commissioner = contract_setup["provider"], contract_setup["commissioner"]
    factories.user("finance@fern.example", memberships=[(provider, "finance")])
    factories.user("finance@clyde.example", memberships=[(commissioner, "finance")])
    return {"provider": {"Authorization": f"Bearer {api_token('finance@fern.example')}"},
            "commissioner": {"Authorization": f"Bearer {api_token('finance@clyde.example')}"},
            "contract_id": contract_setup["contract_id"], "slug": provider.slug}


def test_create_answers_201_with_decimal_strings_and_the_lifecycle_follows(client, api):
    created = client.post("/api/v1/invoices", json={**BODY, "contract_id": api["contract_id"]},
                          headers=api["provider"])
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    # 7.5 × 21.3333 = £160.00 and 3 × 19.995 = £59.99; VAT 20 % of £219.99 = £44.00.
    assert (body["status"], body["net_total"], body["vat_total"], body["total"]) == (
        "draft", "219.99", "44.00", "263.99")
    assert isinstance(body["id"], int)
    assert [line["net"] for line in body["lines"]] == ["160.00", "59.99"]
    invoice_id = body["id"]
    patched = client.patch(f"/api/v1/orgs/{api['slug']}/invoices/{invoice_id}", json={"buyer_reference": "PO-124"},
                           headers=api["provider"])
    assert patched.status_code == 200 and patched.get_json()["buyer_reference"] == "PO-124"
    assert client.get(f"/api/v1/invoices/{invoice_id}", headers=api["commissioner"]).status_code == 404  # a draft
    submitted = client.post(f"/api/v1/invoices/{invoice_id}/submit", json={}, headers=api["provider"])
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    seen = client.get(f"/api/v1/invoices/{invoice_id}", headers=api["commissioner"]).get_json()
    assert seen["total"] == "263.99" and [h["action"] for h in seen["history"]] == ["submitted"]
    assert client.post(f"/api/v1/invoices/{invoice_id}/decision", json={"decision": "maybe"},
                       headers=api["commissioner"]).status_code == 422
    decided = client.post(f"/api/v1/invoices/{invoice_id}/decision",
                          json={"decision": "approve", "comment": "Thanks"}, headers=api["commissioner"])
    assert decided.status_code == 200 and decided.get_json()["status"] == "approved"
    listed = client.get("/api/v1/invoices?status=approved", headers=api["provider"]).get_json()
    assert [i["number"] for i in listed] == ["FC-0001"]


def test_422_names_each_problem_per_field_and_per_line(client, api):
    body = {**BODY, "contract_id": api["contract_id"], "number": "", "period_end": "2025-02-30",
            "lines": [{"description": "Fine", "quantity": "1", "unit": "hour", "unit_price": "10"},
                      {"description": "", "quantity": 1.5, "unit": "fortnight", "unit_price": "-3"}]}
    response = client.post("/api/v1/invoices", json=body, headers=api["provider"])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"number", "period_end", "lines"}
    assert errors["number"] == ["Enter your invoice number"]
    assert "real date" in errors["period_end"][0]
    line = errors["lines"]["1"]
    assert set(line) == {"description", "quantity", "unit", "unit_price"}
    assert "floating-point" in line["quantity"][0] and "cannot be negative" in line["unit_price"][0]
    assert "0" not in errors["lines"]
    assert client.get("/api/v1/invoices", headers=api["provider"]).get_json() == []  # nothing kept


def test_no_lines_and_another_tenants_contract_are_refused(client, api, app):
    other = factories.contract(reference="ELSEWHERE")
    response = client.post("/api/v1/invoices", json={**BODY, "contract_id": other.id}, headers=api["provider"])
    assert response.status_code == 422 and response.get_json()["errors"] == {"contract_id": ["Choose one of your contracts"]}
    response = client.post("/api/v1/invoices", json={**BODY, "contract_id": api["contract_id"], "lines": []},
                           headers=api["provider"])
    assert response.status_code == 422 and "lines" in response.get_json()["errors"]


def test_a_commissioner_cannot_raise_and_a_provider_cannot_decide(client, api, contract_setup):
    assert client.post("/api/v1/invoices", json={**BODY, "contract_id": api["contract_id"]},
                       headers=api["commissioner"]).status_code == 404
    sent = factories.invoice_row(contract_setup["contract"], period_start=date(2025, 3, 1), period_end=date(2025, 3, 31))
    assert client.post(f"/api/v1/invoices/{sent.id}/decision", json={"decision": "approve"},
                       headers=api["provider"]).status_code == 404


def test_submit_answers_422_with_the_warnings_until_they_are_confirmed(client, api, contract_setup):
    factories.rate(contract_setup["contract"], "20.0000", unit="hour")
    created = client.post("/api/v1/invoices", json={**BODY, "contract_id": api["contract_id"], "lines": [
        {"description": "Care", "quantity": "10", "unit": "hour", "unit_price": "25.00"}]}, headers=api["provider"])
    invoice_id = created.get_json()["id"]
    assert [w["code"] for w in created.get_json()["warnings"]] == ["price_differs_from_card"]
    refused = client.post(f"/api/v1/invoices/{invoice_id}/submit", json={}, headers=api["provider"])
    assert refused.status_code == 422 and "confirm_warnings" in refused.get_json()["errors"]
    accepted = client.post(f"/api/v1/invoices/{invoice_id}/submit", json={"confirm_warnings": True},
                           headers=api["provider"])
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "submitted"
