"""The pages: figures, exports that match them, drill-down to the returns, filters, who may see them."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

RANGE = "from=2025-01&to=2025-06"


@pytest.fixture
def signed_in(client, web, hand_computed, monkeypatch):
    """Clyde's contract manager, on 1 July 2025 as far as the dashboards know."""
    monkeypatch.setattr("portal.dashboards.queries.london_today", lambda: date(2025, 7, 1))
    web.sign_in(hand_computed["manager"].email)
    return client


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _text(node) -> str:
    for hidden in node.select(".govuk-visually-hidden"):
        hidden.decompose()
    return " ".join(node.get_text(" ", strip=True).split())


def _rows(table) -> list[list[str]]:
    return [[_text(cell) for cell in row.find_all(["th", "td"])] for row in table.select("tbody tr")]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _xlsx(response) -> list[list]:
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == [book.sheetnames[0], "Filters"]
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _same(sheet_row: list, csv_row: list[str]) -> list:
    """A spreadsheet row as the CSV row it should equal: numbers compared as numbers."""
    out = []
    for value, text in zip(sheet_row, csv_row):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert Decimal(str(value)) == Decimal(text), (value, text)
            out.append(text)
        else:
            out.append("" if value is None else str(value))
    return out


def _figure(text: str) -> tuple[str, str]:
    """'2 (33.3%)' -> ('2', '33.3'); '0' -> ('0', '')."""
    match = re.fullmatch(r"(\d+)(?: \(([\d.]+)%\))?", text)
    assert match, text
    return match.group(1), match.group(2) or ""


def test_compliance_page_shows_the_hand_computed_figures(signed_in):
    page = _soup(signed_in.get(f"/o/clyde-hscp/dashboards/compliance?{RANGE}"))
    rows = {row[0]: [_figure(cell) for cell in row[1:6]] + [row[6]] for row in _rows(page.select_one("#by-provider"))}
    assert rows["Fern Care"] == [("2", "40.0"), ("1", "20.0"), ("1", "20.0"), ("1", "20.0"), ("1", ""), "5"]
    assert rows["Birch Support"] == [("0", "0.0"), ("1", "100.0"), ("0", "0.0"), ("0", "0.0"), ("1", ""), "1"]
    assert rows["All providers"] == [("2", "33.3"), ("2", "33.3"), ("1", "16.7"), ("1", "16.7"), ("2", ""), "6"]
    matrix = {row[0]: row[1:] for row in _rows(page.select_one("#matrix"))}
    # The newest month first.
    assert [th.get_text(strip=True) for th in page.select("#matrix thead th")][1:] == [
        "Jun 2025", "May 2025", "Apr 2025", "Mar 2025", "Feb 2025", "Jan 2025"]
    assert matrix["Fern Care"] == ["Not yet due", "On time", "Missing", "Changes requested", "Late", "On time"]
    assert matrix["Birch Support"] == ["–", "–", "Not yet due", "–", "–", "Late"]
    region = page.select_one("#matrix").parent
    assert region["role"] == "region" and region["tabindex"] == "0" and "portal-grid" in region["class"]
    # Charts: inline SVG images described for screen readers (drawn for a wide and a narrow screen),
    # each followed by a table of the same numbers (in a region that scrolls on a narrow screen).
    figures = page.select("main figure")
    assert len(figures) == 2
    for figure in figures:
        drawings = figure.find_all("svg")
        assert figure.find("figcaption") and [svg["role"] for svg in drawings] == ["img", "img"]
        assert all(svg["aria-label"] for svg in drawings)
        assert figure.find_next_sibling().find("table") is not None
    assert "style=" not in str(page.select_one("main")) and "<script" not in str(page.select_one("main"))


def test_compliance_shows_providers_a_page_at_a_time(signed_in, monkeypatch):
    from portal.reporting import paging

    monkeypatch.setattr(paging, "PROVIDERS_PAGE_SIZE", 1)
    first = _soup(signed_in.get(f"/o/clyde-hscp/dashboards/compliance?{RANGE}"))
    assert [row[0] for row in _rows(first.select_one("#by-provider"))] == ["Birch Support", "All providers"]
    assert [row[0] for row in _rows(first.select_one("#matrix"))] == ["Birch Support"]
    assert "Providers 1 to 1 of 2, by name" in first.select_one("#providers-shown").get_text()
    following = first.select_one("nav[aria-label='Pages of providers'] .govuk-pagination__next a")["href"]
    assert "page=2" in following and "from=2025-01" in following and following.endswith("#providers")
    second = _soup(signed_in.get(following.split("#")[0]))
    rows = {row[0]: row for row in _rows(second.select_one("#by-provider"))}
    assert list(rows) == ["Fern Care", "All providers"]
    assert rows["All providers"][6] == "6"  # the totals stay every provider's
    assert [row[0] for row in _rows(second.select_one("#matrix"))] == ["Fern Care"]
    for beyond, shown in (("7", "Fern Care"), ("nonsense", "Birch Support"), ("0", "Birch Support")):
        page = _soup(signed_in.get(f"/o/clyde-hscp/dashboards/compliance?{RANGE}&page={beyond}"))
        assert _rows(page.select_one("#matrix"))[0][0] == shown
    # The chart of providers draws the providers of the page; the downloads have them all.
    assert "Fern Care" in str(second.select_one("main figure")) and "Birch" not in str(second.select_one("main figure"))
    assert {row[0] for row in _csv(signed_in.get(f"/o/clyde-hscp/dashboards/compliance.csv?{RANGE}"))[1:]} >= {
        "Fern Care", "Birch Support"}


def test_compliance_exports_match_the_page(signed_in):
    page = _soup(signed_in.get(f"/o/clyde-hscp/dashboards/compliance?{RANGE}"))
    summary = {row[0]: row[1:] for row in _rows(page.select_one("#by-provider"))}
    matrix = {row[0]: ["" if cell == "–" else cell for cell in reversed(row[1:])]  # the page puts the newest first
              for row in _rows(page.select_one("#matrix"))}
    by_month = _rows(page.select_one("#by-month"))
    exported = _csv(signed_in.get(f"/o/clyde-hscp/dashboards/compliance.csv?{RANGE}"))
    header, body = exported[0], exported[1:]
    assert header[:12] == ["Provider", "On time", "Late", "Changes requested", "Missing", "Not yet due", "Periods",
                           "Due", "On time (%)", "Late (%)", "Changes requested (%)", "Missing (%)"]
    assert header[12:] == ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025", "Jun 2025"]
    assert [row[0] for row in body] == list(summary)  # same providers, same order, then all providers
    for row in body:
        name, counts, due, pcts, months = row[0], row[1:6], row[7], row[8:12], row[12:]
        on_page = [_figure(cell) for cell in summary[name][:5]]
        assert counts == [count for count, _pct in on_page]
        assert pcts == [pct for _count, pct in on_page[:4]]
        assert due == summary[name][5]
        if name != "All providers":
            assert months == matrix[name]
    totals = body[-1][12:]
    for month_row, cell in zip(by_month, totals):
        words = "; ".join(f"{label}" + (f" ({n})" if n != "1" else "")
                          for label, n in zip(header[1:6], month_row[1:]) if n != "0")
        assert words == cell
    workbook = _xlsx(signed_in.get(f"/o/clyde-hscp/dashboards/compliance.xlsx?{RANGE}"))
    assert [str(v) for v in workbook[0]] == header
    assert len(workbook) == len(exported)
    for sheet_row, csv_row in zip(workbook[1:], body):
        assert _same(sheet_row, csv_row) == csv_row
    assert isinstance(workbook[1][1], int)


def test_delivery_page_and_exports_match(signed_in):
    page = _soup(signed_in.get(f"/o/clyde-hscp/dashboards/delivery?{RANGE}"))
    rows = _rows(page.select_one("#by-contract"))
    assert [row[0] for row in rows] == ["CLY-002 Contract CLY-002", "CLY-001 Care at home, north"]
    assert [row[3:] for row in rows] == [["Hours", "1", "300", "297", "99.0%"],
                                         ["Hours", "4", "400", "365", "91.3% Below 95%"]]
    # No total across services: care at home and supported living count their own units.
    services = _rows(page.select_one("#by-service"))
    assert services == [["Care at home", "Hours", "1", "4", "400", "365", "91.3% Below 95%"],
                        ["Supported living", "Hours", "1", "1", "300", "297", "99.0%"]]
    assert "662" not in page.get_text() and "700" not in _text(page.select_one("main"))
    assert page.select_one("main figure svg")["role"] == "img"
    assert page.select_one("main figure").find_next_sibling().find("table")["id"] == "by-contract"
    body = _csv(signed_in.get(f"/o/clyde-hscp/dashboards/delivery.csv?{RANGE}"))
    assert body[0][5:] == ["Unit", "Returns counted", "Contracted", "Delivered", "Delivered (%)", "Below 95%"]
    for on_page, exported in zip(rows, body[1:3]):
        assert exported[0] == on_page[0].split(" ")[0]
        assert exported[5:10] == [on_page[3].lower(), on_page[4], on_page[5], on_page[6], on_page[7].split("%")[0]]
        assert exported[10] == ("Yes" if "Below" in on_page[7] else "No")
    assert [row[0] for row in body[3:]] == ["All care at home contracts counting hours (1)",
                                            "All supported living contracts counting hours (1)"]
    for on_page, exported in zip(services, body[3:]):
        assert exported[3] == on_page[0] and exported[5:10] == [on_page[1].lower(), on_page[3], on_page[4],
                                                                 on_page[5], on_page[6].split("%")[0]]
    sheet = _xlsx(signed_in.get(f"/o/clyde-hscp/dashboards/delivery.xlsx?{RANGE}"))
    assert len(sheet) == len(body) and [_same(row, csv_row) for row, csv_row in zip(sheet, body)] == body


def test_threshold_from_the_address(signed_in):
    page = _soup(signed_in.get(f"/o/clyde-hscp/dashboards/delivery?{RANGE}&threshold=90"))
    assert [row[7] for row in _rows(page.select_one("#by-contract"))] == ["99.0%", "91.3%"]
    body = _csv(signed_in.get(f"/o/clyde-hscp/dashboards/delivery.csv?{RANGE}&threshold=90"))
    assert body[0][10] == "Below 90%" and [row[10] for row in body[1:]] == ["No", "No", "No", "No"]


def test_exports_keep_the_filters(signed_in):
    page = _soup(signed_in.get(f"/o/clyde-hscp/dashboards/compliance?{RANGE}&provider=fern-care"))
    links = [a["href"] for a in page.select("main a") if "compliance." in a["href"]]
    assert len(links) == 2 and all("provider=fern-care" in link and "from=2025-01" in link for link in links)
    body = _csv(signed_in.get(links[0]))
    assert [row[0] for row in body[1:]] == ["Fern Care", "All providers"]


def test_date_inputs_and_their_errors(signed_in):
    page = _soup(signed_in.get("/o/clyde-hscp/dashboards/compliance?from-month=2&from-year=2025&to-month=3"
                               "&to-year=2025"))
    assert [row[0] for row in _rows(page.select_one("#matrix"))] == ["Fern Care"]
    assert [th.get_text(strip=True) for th in page.select("#matrix thead th")][1:] == ["Mar 2025", "Feb 2025"]
    response = signed_in.get("/o/clyde-hscp/dashboards/compliance?from-month=13&from-year=2025")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "The start month must be a real month" in html
    assert 'href="#from-month"' in html
    backwards = signed_in.get("/o/clyde-hscp/dashboards/delivery?from=2025-06&to=2025-01")
    assert "The start month must be the same as or before the end month" in backwards.get_data(as_text=True)
    assert signed_in.get("/o/clyde-hscp/dashboards/delivery?threshold=lots").status_code == 400
    assert signed_in.get("/o/clyde-hscp/dashboards/delivery.csv?threshold=lots").status_code == 400


def _returns_listed(client, href) -> list[str]:
    page = _soup(client.get(href))
    return [_text(row.find_all("td")[1]) for row in page.select("main table tbody tr") if row.find("a")]


def test_figures_drill_down_to_their_returns(signed_in):
    page = _soup(signed_in.get(f"/o/clyde-hscp/dashboards/compliance?{RANGE}"))
    fern = next(row for row in page.select("#by-provider tbody tr") if "Fern Care" in row.get_text())
    on_time, late, changes = (cell.find("a")["href"] for cell in fern.find_all("td")[:3])
    assert _returns_listed(signed_in, on_time) == ["1 Jan 2025 to 31 Jan 2025", "1 May 2025 to 31 May 2025"]
    assert _returns_listed(signed_in, late) == ["1 Feb 2025 to 28 Feb 2025"]
    assert _returns_listed(signed_in, changes) == ["1 Mar 2025 to 31 Mar 2025"]
    assert fern.find_all("td")[3].find("a") is None  # missing: no submitted return to open
    cell = page.select_one("#provider-fern-care").find_all("td")[4].find("a")["href"]  # February's tag
    assert _returns_listed(signed_in, cell) == ["1 Feb 2025 to 28 Feb 2025"]
    month = page.select("#by-month tbody tr")[0].find_all("td")[1].find("a")["href"]  # January, late
    assert _returns_listed(signed_in, month) == ["1 Jan 2025 to 31 Mar 2025"]  # Birch's quarter
    delivery = _soup(signed_in.get(f"/o/clyde-hscp/dashboards/delivery?{RANGE}"))
    cly1 = delivery.select_one("#by-contract tbody tr:nth-of-type(2)").find_all("td")[3].find("a")["href"]
    assert _returns_listed(signed_in, cly1) == ["1 Jan 2025 to 31 Jan 2025", "1 Feb 2025 to 28 Feb 2025",
                                                "1 Mar 2025 to 31 Mar 2025", "1 May 2025 to 31 May 2025"]


def test_returns_list_takes_the_drill_down_filters(signed_in):
    listed = _returns_listed(signed_in, "/o/clyde-hscp/returns/?provider=birch-support")
    assert listed == ["1 Jan 2025 to 31 Mar 2025"]
    html = signed_in.get("/o/clyde-hscp/returns/?provider=fern-care&late=yes&period_from=2025-01-01"
                         "&period_to=2025-06-30").get_data(as_text=True)
    assert "Showing returns from Fern Care for periods between 1 Jan 2025 and 30 Jun 2025" in html
    assert "submitted late" in html
    assert _returns_listed(signed_in, "/o/clyde-hscp/returns/?locality=South") == ["1 Jan 2025 to 31 Mar 2025"]
    assert _returns_listed(signed_in, "/o/clyde-hscp/returns/?service_type=care_at_home&status=accepted") == [
        "1 Jan 2025 to 31 Jan 2025"]
    assert _returns_listed(signed_in, "/o/clyde-hscp/returns/?period_from=nonsense&provider=nobody") == []


def test_index_links_the_views(signed_in):
    page = _soup(signed_in.get("/o/clyde-hscp/dashboards/"))
    hrefs = [a["href"] for a in page.select("main a")]
    assert "/o/clyde-hscp/dashboards/compliance" in hrefs and "/o/clyde-hscp/dashboards/delivery" in hrefs
    nav = _soup(signed_in.get("/o/clyde-hscp/")).select_one(".govuk-service-navigation")
    assert "Dashboards" in nav.get_text()


def test_a_provider_gets_404(client, web, hand_computed):
    web.sign_in(hand_computed["submitter"].email)
    for path in ("", "compliance", "compliance.csv", "compliance.xlsx", "delivery", "delivery.csv", "delivery.xlsx"):
        assert client.get(f"/o/fern-care/dashboards/{path}").status_code == 404, path
    assert "Dashboards" not in client.get("/o/fern-care/").get_data(as_text=True)


def test_another_commissioner_sees_nothing_of_these_providers(client, web, hand_computed):
    web.sign_in(hand_computed["other_manager"].email)
    for path in ("compliance", "compliance.csv", "delivery", "delivery.csv"):
        assert client.get(f"/o/clyde-hscp/dashboards/{path}").status_code == 404
    html = client.get(f"/o/other-hscp/dashboards/compliance?{RANGE}").get_data(as_text=True)
    assert "Fern Care" in html and "Birch Support" not in html and "CLY-00" not in html
    body = client.get(f"/o/other-hscp/dashboards/delivery.csv?{RANGE}").get_data(as_text=True)
    assert "OTH-001" in body and "CLY-00" not in body and "Birch" not in body
    filtered = client.get(f"/o/other-hscp/dashboards/delivery.csv?{RANGE}&contract={hand_computed['cly1']}")
    assert "CLY-001" not in filtered.get_data(as_text=True)


def test_signed_out_people_are_sent_to_sign_in(client, hand_computed):
    response = client.get("/o/clyde-hscp/dashboards/compliance")
    assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]
