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


def _outcome_page(web, overview: BeautifulSoup, code: str) -> BeautifulSoup:
    link = next(a for a in overview.select("#outcomes-table a") if a.get_text().startswith(code))
    response = web.client.get(link["href"])
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_quartiles_only_among_four_providers_or_more(five_providers):
    web, framework = five_providers
    overview = _page(web, f"framework={framework}&{RANGE}")
    row = _cells(overview.select_one("#outcomes-table"))
    nhwo1 = next(cells for name, cells in row.items() if name.startswith("NHWO-1"))
    assert nhwo1 == ["66.9% (81 of 121)", "Lower quartile 66.2%, median 75.0%, upper quartile 76.2% (4 providers)"]  # of 40, 75, 75 and 80
    everyone = _outcome_page(web, overview, "NHWO-1")
    section = everyone.select_one("#summary").get_text(" ", strip=True)
    assert "median 75.0%" in section and "(4 providers)" in section  # Elder Care's figure is suppressed
    assert "Against peers" in everyone.get_text()
    assert list(_cells(everyone.select_one("#providers"))) == list(PROVIDERS)
    assert everyone.find("h1").get_text(strip=True).startswith("NHWO-1")
    three = _outcome_page(web, _page(web, f"framework={framework}&{RANGE}&service_type=care_at_home"), "NHWO-1")
    section = three.select_one("#summary").get_text(" ", strip=True)
    assert "quartile" not in section.replace("Quartiles are shown when at least four providers", "")
    assert "Against peers" not in three.get_text() and "Lower quartile" not in three.get_text()
    assert "Only Care at home" in three.get_text(" ", strip=True)


def test_an_outcome_of_a_framework_the_commissioner_cannot_see_is_not_found(app, five_providers, make_org):
    from sqlalchemy import select

    from portal.contracts.models import Outcome
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    web, framework = five_providers
    far = make_org("commissioner", slug="far-away-hscp")
    theirs = factories.framework(far, code="FAR")
    with app.app_context(), tenant_context(far.id):
        far_outcome = db.session.scalar(select(Outcome.id).where(Outcome.framework_id == theirs.id))
    own = _page(web, f"framework={framework}&{RANGE}").select_one("#outcomes-table a")["href"].split("?")[0]
    assert web.client.get(own).status_code == 200
    assert web.client.get(f"/o/clyde-hscp/outcomes/{far_outcome}").status_code == 404
    assert web.client.get("/o/clyde-hscp/outcomes/99999999999999999999").status_code == 404
    wrong = web.client.get(f"{own}?from=2025-13")
    assert wrong.status_code == 422 and "The start month must be a real month" in wrong.get_data(as_text=True)


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


def test_the_table_of_providers_by_outcome_comes_a_page_at_a_time(five_providers, monkeypatch):
    from portal.reporting import paging

    monkeypatch.setattr(paging, "PROVIDERS_PAGE_SIZE", 2)
    web, framework = five_providers
    first = _page(web, f"framework={framework}&{RANGE}")
    assert list(_cells(first.select_one("#overview-table"))) == ["Alder Care", "Beech Care", "All providers"]
    assert "providers 1 to 2 of 5, by name" in first.select_one("#overview-hint").get_text()
    nav = first.select_one("nav.govuk-pagination[aria-label='Pages of providers']")
    last = nav.select_one(".govuk-pagination__next a")["href"]
    assert "page=2" in last and "framework=" in last and last.endswith("#overview")
    third = _page(web, f"framework={framework}&{RANGE}&page=3")
    assert list(_cells(third.select_one("#overview-table"))) == ["Elder Care", "All providers"]
    assert _cells(third.select_one("#overview-table"))["All providers"][0] == "66.9%"  # every provider's, on every page
    for beyond in ("99", "-4", "many"):  # past the end: the last page; nonsense: the first
        cells = _cells(_page(web, f"framework={framework}&{RANGE}&page={beyond}").select_one("#overview-table"))
        assert list(cells)[0] == ("Elder Care" if beyond == "99" else "Alder Care")


def test_every_measure_on_its_own_page(five_providers):
    web, framework = five_providers
    overview = _page(web, f"framework={framework}&{RANGE}")
    link = overview.find("a", string="Every measure's total")["href"]
    assert "from-month=1" in link
    page = BeautifulSoup(web.client.get(link).get_data(as_text=True), "html.parser")
    measures = page.select_one("#measures")
    assert "All providers" in measures.find("caption").get_text() and len(measures.select("tbody tr")) > 3
    assert page.select_one(".govuk-back-link")["href"].startswith("/o/clyde-hscp/outcomes/?")
    one = BeautifulSoup(web.client.get(link + "&provider=alder-care").get_data(as_text=True), "html.parser")
    assert "Alder Care" in one.select_one("#measures caption").get_text()
    wrong = web.client.get(link + "&threshold=2")
    assert wrong.status_code == 422 and "Enter a whole number from 5 to 100" in wrong.get_data(as_text=True)
