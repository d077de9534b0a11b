"""The outcomes page as people read it: the providers × outcomes overview with suppressed cells
marked, quartiles only among four providers or more, the trend as small multiples with its
table, and the month filter as a GOV.UK date input."""
from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup

from tests import factories
from tests.conftest import Browserless

JANUARY = date(2025, 1, 1)
# provider: (service type, people reviewed, people achieving NHWO-1) in January 2025
PROVIDERS = {"Alder Care": ("care_at_home", 20, 15), "Beech Care": ("care_at_home", 30, 12),
             "Cedar Care": ("care_at_home", 25, 20), "Damson Care": ("supported_living", 40, 30),
             "Elder Care": ("supported_living", 6, 4)}  # 2 not achieving: suppressed


@pytest.fixture
def five_providers(app, contract_setup):
    clyde = contract_setup["commissioner"]
    for name, (service_type, reviewed, achieved) in PROVIDERS.items():
        provider = factories.organisation("provider", slug=name.lower().replace(" ", "-"), name=name)
        made = factories.contract(commissioner=clyde, provider=provider, framework_id=contract_setup["framework_id"],
                                  start=JANUARY, end=date(2025, 3, 31), service_type=service_type)
        factories.submission(made, JANUARY, values={"NHWO-1.REVIEWED": str(reviewed),
                                                    "NHWO-1.ACHIEVED": str(achieved)})
    web = Browserless(app.test_client())
    web.sign_in(contract_setup["manager"].email)
    return web, contract_setup["framework_id"]


def _page(web, query: str, status: int = 200) -> BeautifulSoup:
    response = web.client.get(f"/o/clyde-hscp/outcomes/?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _cells(table) -> dict[str, list[str]]:
    for hidden in table.select(".govuk-visually-hidden"):
        hidden.decompose()
    return {row.find("th").get_text(" ", strip=True): [td.get_text(" ", strip=True) for td in row.find_all("td")]
            for row in table.select("tbody tr")}


RANGE = "from-month=1&from-year=2025&to-month=3&to-year=2025"


def test_overview_marks_suppressed_cells(five_providers):
    web, framework = five_providers
    page = _page(web, f"framework={framework}&{RANGE}")
    table = page.select_one("#overview-table")
    headers = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    assert headers[0] == "Provider" and headers[1].startswith("NHWO-1") and len(headers) == 10  # nine outcomes
    cells = _cells(table)
    assert list(cells) == [*PROVIDERS, "All providers"]
    assert [cells[name][0] for name in PROVIDERS] == ["75.0%", "40.0%", "80.0%", "75.0%", "Suppressed"]
    assert table.select_one(".portal-suppressed").get_text() == "Suppressed"
    assert cells["All providers"][0] == "66.9%"  # 81 of 121 (66.94…)
    region = table.parent
    assert region["role"] == "region" and region["tabindex"] == "0"


def test_quartiles_only_among_four_providers_or_more(five_providers):
    web, framework = five_providers
    everyone = _page(web, f"framework={framework}&{RANGE}")
    section = everyone.find(id="outcome-NHWO-1").find_next("p").find_next("p").get_text(" ", strip=True)
    assert "median 75.0%" in section and "(4 providers)" in section  # Elder Care's figure is suppressed
    assert "Against peers" in everyone.get_text()
    three = _page(web, f"framework={framework}&{RANGE}&service_type=care_at_home")
    section = three.find(id="outcome-NHWO-1").find_next("p").find_next("p").get_text(" ", strip=True)
    assert "quartile" not in section.replace("Quartiles are shown when at least four providers", "")
    assert "Against peers" not in three.get_text() and "Lower quartile" not in three.get_text()


def test_trend_small_multiples_with_their_table(five_providers):
    web, framework = five_providers
    page = _page(web, f"framework={framework}&{RANGE}")
    panels = page.select(".portal-multiples figure")
    assert len(panels) == 9
    for panel in panels:
        chart = panel.find("svg")
        assert chart["role"] == "img" and "Line chart" in chart["aria-label"]
    first = panels[0]
    assert first.find("figcaption").get_text(strip=True).startswith("NHWO-1")
    assert [c.get_text() for c in first.select("circle title")] == [
        "January 2025: 66.9%", "February 2025: no returns", "March 2025: no returns"]
    trend = _cells(page.select_one("#trend-table"))
    assert list(trend) == ["Jan 2025", "Feb 2025", "Mar 2025"]
    assert trend["Jan 2025"][0] == "66.9%" and trend["Feb 2025"][0] == "–"
    # Every chart sits in a figure, followed by (or, for the small multiples, after them) its table.
    for figure in page.select("main figure"):
        assert figure.find("svg")["role"] == "img" and figure.find("figcaption")
    main = str(page.select_one("main"))
    assert "style=" not in main and "<script" not in main


def test_the_month_filter_is_a_date_input_and_links_still_work(five_providers):
    web, framework = five_providers
    page = _page(web, f"framework={framework}&{RANGE}")
    assert page.select_one("#from-month")["name"] == "from-month" and page.select_one("#to-year")["value"] == "2025"
    assert "For example, 3 2026" in page.select_one("#from-hint").get_text()
    linked = _page(web, f"framework={framework}&from=2025-01&to=2025-03")
    assert _cells(linked.select_one("#overview-table")) == _cells(page.select_one("#overview-table"))
    wrong = _page(web, f"framework={framework}&from-month=13&from-year=2025", status=422)
    summary = wrong.select_one(".govuk-error-summary")
    assert summary.find("a")["href"] == "#from-month"
    assert "The start month must be a real month and year, like 3 2026" in summary.get_text()
    assert wrong.select_one("#from-month")["value"] == "13"  # shown back as typed
    half = _page(web, f"framework={framework}&to-month=3", status=422)
    assert "The end month must include a month and a year" in half.get_text()
    backwards = _page(web, f"framework={framework}&from=2025-03&to=2025-01", status=422)
    assert "The start month must be the same as or before the end month" in backwards.get_text()
