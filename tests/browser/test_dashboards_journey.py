"""A commissioner reads compliance, delivery and outcomes, filters, drills down to returns; axe and
the CSP on every page, at 1280 px and at 375 px, where no page scrolls sideways."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page) -> None:
    wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wider <= 0, f"{page.url} scrolls sideways by {wider}px"


def _one_chart_shown(page, figure) -> None:
    """Each chart is drawn for a wide and a narrow screen; the stylesheet shows exactly one."""
    assert figure.locator("svg[role=img]:visible").count() == 1


def test_compliance_and_delivery(app, page, hand_computed):
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text
            else None)
    sign_in(page, hand_computed["manager"].email)
    page.get_by_role("link", name="Dashboards").click()
    page.get_by_role("link", name="Compliance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compliance")
    page.locator("#from-month").fill("1")
    page.locator("#from-year").fill("2025")
    page.locator("#to-month").fill("13")
    page.locator("#to-year").fill("2025")
    page.get_by_role("button", name="Show compliance").click()
    expect(page.get_by_role("alert")).to_contain_text("The end month must be a real month")
    check_accessibility(page)
    page.locator("#to-month").fill("6")
    page.get_by_role("button", name="Show compliance").click()
    expect(page.get_by_role("img", name="Bar chart: each provider's return periods")).to_be_visible()
    _one_chart_shown(page, page.locator("main figure").first)
    expect(page.locator("#matrix thead th").nth(1)).to_have_text("Jun 2025")  # the newest month first
    row = page.locator("#by-provider tbody tr", has_text="Fern Care")
    expect(row).to_contain_text("1 late from Fern Care (16.7%)")  # June is missing by now
    check_accessibility(page)
    _no_sideways_scroll(page)
    row.get_by_role("link", name="1 late from Fern Care").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Returns")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    expect(page.locator("main table tbody")).to_contain_text("1 Feb 2025 to 28 Feb 2025")
    check_accessibility(page)
    page.go_back()
    page.get_by_role("navigation", name="Dashboards").get_by_role("link", name="Delivery").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery")
    page.get_by_label("Flag contracts that delivered less than").fill("92")
    page.get_by_role("button", name="Show delivery").click()
    expect(page.locator("#by-contract")).to_contain_text("Below 92%")
    expect(page.locator("#by-service")).to_contain_text("Care at home")
    check_accessibility(page)
    _no_sideways_scroll(page)
    assert not blocked, blocked


def test_dashboards_on_a_phone(app, browser, live_server, hand_computed):
    """At 375 px the narrow drawing of each chart is shown, wide tables scroll inside their own
    labelled region, and the page itself never scrolls sideways."""
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 375, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, hand_computed["manager"].email)
        for path in ("dashboards/compliance?from=2025-01&to=2025-06", "dashboards/delivery?from=2025-01&to=2025-06",
                     "outcomes/?from=2025-01&to=2025-06"):
            page.goto(f"/o/clyde-hscp/{path}")
            expect(page.locator("h1")).to_be_visible()
            for figure in page.locator("main figure").all():
                _one_chart_shown(page, figure)
                shown = figure.locator("svg:visible").get_attribute("class")
                assert "portal-chart--narrow" in shown or "portal-chart--panel" in shown  # a panel is already small
            _no_sideways_scroll(page)
            check_accessibility(page)
        region = page.get_by_role("region", name="Rate by provider and outcome")
        expect(region).to_be_visible()
        region.focus()  # a keyboard user can scroll it
        expect(region).to_be_focused()
        # An outcome's own page: its providers' dot plot, drawn narrow, and its table.
        page.locator("#outcomes-table a").first.click()
        expect(page.locator("h1")).to_contain_text("NHWO-1")
        figure = page.locator("main figure").first
        _one_chart_shown(page, figure)
        assert "portal-chart--narrow" in figure.locator("svg:visible").get_attribute("class")
        _no_sideways_scroll(page)
        check_accessibility(page)
        page.get_by_role("link", name="All outcomes").click()
        expect(page.locator("h1")).to_have_text("Outcomes across providers")
    finally:
        context.close()
