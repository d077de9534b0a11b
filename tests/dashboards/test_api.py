"""GET /api/v1/dashboards/compliance and /delivery: the pages' figures, filters and tenancy, as JSON."""
from __future__ import annotations

from datetime import date

import pytest

RANGE = {"from": "2025-01", "to": "2025-06"}


@pytest.fixture
def headers(hand_computed, api_token, monkeypatch):
    monkeypatch.setattr("portal.dashboards.queries.london_today", lambda: date(2025, 7, 1))
    return {"Authorization": f"Bearer {api_token(hand_computed['manager'].email)}"}


def test_compliance_json(client, headers):
    body = client.get("/api/v1/dashboards/compliance", query_string=RANGE, headers=headers).get_json()
    assert body["filters"] == {"from": "2025-01", "to": "2025-06", "provider": None, "contract": None,
                               "service_type": None, "locality": None, "threshold": "95"}
    assert body["today"] == "2025-07-01"
    assert body["months"] == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    fern = next(p for p in body["providers"] if p["slug"] == "fern-care")
    assert fern["counts"] == {"on_time": 2, "late": 1, "changes_requested": 1, "missing": 1, "not_yet_due": 1,
                              "total": 6, "due": 5}
    assert fern["percentages"] == {"on_time": "40.0", "late": "20.0", "changes_requested": "20.0", "missing": "20.0"}
    assert fern["months"][3] == {"month": "2025-04", "on_time": 0, "late": 0, "changes_requested": 0, "missing": 1,
                                 "not_yet_due": 0}
    assert body["overall"]["name"] == "All providers"
    assert body["overall"]["counts"]["total"] == 8 and body["overall"]["percentages"]["on_time"] == "33.3"
    assert [p["name"] for p in body["providers"]] == ["Birch Support", "Fern Care"]


def test_delivery_json_with_the_page_filters(client, headers, hand_computed):
    body = client.get("/api/v1/dashboards/delivery", query_string={**RANGE, "threshold": "90"},
                      headers=headers).get_json()
    assert body["filters"]["threshold"] == "90"
    rows = {c["reference"]: c for c in body["contracts"]}
    assert rows["CLY-001"] == {"contract_id": hand_computed["cly1"], "reference": "CLY-001",
                               "title": "Care at home, north", "provider": "Fern Care", "provider_slug": "fern-care",
                               "service_type": "care_at_home", "locality": "North", "unit": "hours", "returns": 4,
                               "contracted": "400", "delivered": "365", "percentage": "91.3",
                               "under_delivery": False}
    # Added up per type of service and unit, never across services or units.
    assert "total" not in body and body["below_threshold"] == 0
    assert body["totals"] == [
        {"service_type": "care_at_home", "unit": "hours", "contracts": 1, "returns": 4, "contracted": "400",
         "delivered": "365", "percentage": "91.3", "under_delivery": False},
        {"service_type": "supported_living", "unit": "hours", "contracts": 1, "returns": 1, "contracted": "300",
         "delivered": "297", "percentage": "99.0", "under_delivery": False}]
    south = client.get("/api/v1/dashboards/delivery", query_string={**RANGE, "locality": "South"},
                       headers=headers).get_json()
    assert [c["reference"] for c in south["contracts"]] == ["CLY-002"]


def test_the_slug_form(client, headers):
    body = client.get("/api/v1/orgs/clyde-hscp/dashboards/compliance",
                      query_string={**RANGE, "provider": "birch-support"}, headers=headers).get_json()
    assert [p["name"] for p in body["providers"]] == ["Birch Support"]
    assert client.get("/api/v1/orgs/clyde-hscp/dashboards/delivery", query_string=RANGE,
                      headers=headers).status_code == 200


@pytest.mark.parametrize("query", [{"from": "2025-13"}, {"from": "2025-06", "to": "2025-01"}, {"threshold": "x"},
                                   {"service_type": "space"}, {"provider": "Not A Slug"}])
def test_bad_filters_are_422(client, headers, query):
    response = client.get("/api/v1/dashboards/compliance", query_string=query, headers=headers)
    assert response.status_code == 422, response.get_json()


def test_a_provider_gets_404(client, hand_computed, api_token):
    headers = {"Authorization": f"Bearer {api_token(hand_computed['submitter'].email)}"}
    for url in ("/api/v1/dashboards/compliance", "/api/v1/dashboards/delivery",
                "/api/v1/orgs/fern-care/dashboards/compliance"):
        assert client.get(url, headers=headers).status_code == 404, url


def test_another_commissioner_sees_nothing_of_these_providers(client, hand_computed, api_token):
    headers = {"Authorization": f"Bearer {api_token(hand_computed['other_manager'].email)}"}
    for url in ("/api/v1/orgs/clyde-hscp/dashboards/compliance", "/api/v1/orgs/clyde-hscp/dashboards/delivery"):
        assert client.get(url, headers=headers).status_code == 404
    own = client.get("/api/v1/dashboards/delivery", query_string=RANGE, headers=headers).get_json()
    assert [c["reference"] for c in own["contracts"]] == ["OTH-001"]
    chosen = client.get("/api/v1/dashboards/compliance",
                        query_string={**RANGE, "provider": "birch-support"}, headers=headers).get_json()
    assert chosen["providers"] == [] and chosen["overall"]["counts"]["total"] == 0


def test_documented_in_openapi(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("/api/v1/dashboards/compliance", "/api/v1/dashboards/delivery",
                 "/api/v1/orgs/{slug}/dashboards/compliance", "/api/v1/orgs/{slug}/dashboards/delivery"):
        names = {p["name"] for p in paths[path]["get"]["parameters"] if p["in"] == "query"}
        assert {"from", "to", "provider", "contract", "service_type", "locality", "threshold"} <= names, path


def test_the_cross_tenant_suite_covers_the_dashboards(app):
    from tests.tenancy.test_cross_tenant import _rules

    endpoints = {rule.endpoint for rule in _rules(app)}
    assert {"dashboards.index", "dashboards.compliance", "dashboards.compliance_export", "dashboards.delivery",
            "dashboards.delivery_export", "api_dashboards.org_compliance", "api_dashboards.org_delivery"} <= endpoints
