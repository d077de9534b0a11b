"""Every page that filters by month shows the same GOV.UK date input, hint and messages."""
from __future__ import annotations

from bs4 import BeautifulSoup

PAGES = ("/o/clyde-hscp/dashboards/compliance", "/o/clyde-hscp/dashboards/delivery", "/o/clyde-hscp/outcomes/",
         "/o/clyde-hscp/reviews/")


def test_one_month_pattern_on_every_page(web, hand_computed):
    web.sign_in(hand_computed["manager"].email)
    for path in PAGES:
        page = BeautifulSoup(web.client.get(path).get_data(as_text=True), "html.parser")
        for name in ("from", "to"):
            fieldset = page.select_one(f"#{name}").find_parent("fieldset")
            assert [i["name"] for i in fieldset.select("input")] == [f"{name}-month", f"{name}-year"], path
            assert page.select_one(f"#{name}-hint").get_text(strip=True) == "For example, 3 2026", path
            assert [label.get_text(strip=True) for label in fieldset.select("label")] == ["Month", "Year"], path
        wrong = web.client.get(f"{path}?from-month=13&from-year=2025").get_data(as_text=True)
        wrong_page = BeautifulSoup(wrong, "html.parser")
        summary = wrong_page.select_one(".govuk-error-summary")
        assert summary.find("a")["href"] == "#from-month", path
        assert summary.find("a").get_text(strip=True) == "The start month must be a real month and year, like 3 2026"
        assert "govuk-input--error" in wrong_page.select_one("#from-month")["class"], path
