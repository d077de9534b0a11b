"""The number of statements per dashboard request does not grow with the number of providers."""
from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import statements_sent

PAGES = ["/o/clyde-hscp/dashboards/compliance?from=2025-01&to=2025-12",
         "/o/clyde-hscp/dashboards/compliance.csv?from=2025-01&to=2025-12",
         "/o/clyde-hscp/dashboards/compliance.xlsx?from=2025-01&to=2025-12",
         "/o/clyde-hscp/dashboards/delivery?from=2025-01&to=2025-12",
         "/o/clyde-hscp/dashboards/delivery.csv?from=2025-01&to=2025-12",
         "/o/clyde-hscp/dashboards/delivery.xlsx?from=2025-01&to=2025-12"]
API = ["/api/v1/dashboards/compliance?from=2025-01&to=2025-12", "/api/v1/dashboards/delivery?from=2025-01&to=2025-12"]


def _add_providers(market, first: int, last: int) -> None:
    for n in range(first, last + 1):
        provider = market["add_provider"](f"provider-{n}", f"Provider {n}")
        contract_id = market["add_contract"](provider, f"CLY-1{n:02d}", locality=f"Area {n % 3}")
        market["submit"](provider, contract_id, date(2025, 1, 1), date(2025, 2, 1), contracted="100",
                         delivered=str(80 + n))
        market["submit"](provider, contract_id, date(2025, 2, 1), date(2025, 3, 20))


def _counts(app, client, headers=None) -> dict[str, int]:
    result = {}
    for url in (API if headers else PAGES):
        client.get(url, headers=headers)  # warm up: nothing cached may hide a statement
        with statements_sent(app) as statements:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
        result[url] = len(statements)
    return result


@pytest.fixture
def two_then_six(app, client, web, market, api_token):
    web.sign_in(market["manager"].email)
    headers = {"Authorization": f"Bearer {api_token(market['manager'].email)}"}
    _add_providers(market, 1, 1)  # with Fern Care: 2 providers
    return headers


def test_page_and_export_statements_stay_the_same_from_two_to_six_providers(app, client, market, two_then_six):
    with_two = _counts(app, client)
    _add_providers(market, 2, 5)  # 6 providers
    with_six = _counts(app, client)
    assert with_six == with_two
    # 15: the pipeline's own statements (the session, the organisation, and whether MFA is required of
    # the person, which reads their memberships on every request) and the dashboard's.
    assert max(with_two.values()) <= 15, with_two
    page = client.get(PAGES[0]).get_data(as_text=True)
    assert all(f"Provider {n}" in page for n in range(1, 6)) and "Fern Care" in page


def test_api_statements_stay_the_same_from_two_to_six_providers(app, client, market, two_then_six):
    with_two = _counts(app, client, two_then_six)
    _add_providers(market, 2, 5)
    with_six = _counts(app, client, two_then_six)
    assert with_six == with_two
    body = client.get(API[0], headers=two_then_six).get_json()
    assert len(body["providers"]) == 6
