"""A commissioner reads compliance and delivery, filters, drills down to returns; axe and the CSP on every page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in

pytestmark = pytest.mark.browser


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
    row = page.locator("#by-provider tbody tr", has_text="Fern Care")
    expect(row).to_contain_text("1 late from Fern Care (16.7%)")  # June is missing by now
    check_accessibility(page)
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
    check_accessibility(page)
    assert not blocked, blocked
