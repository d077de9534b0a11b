"""A commissioner reviews returns from the queue and reads the outcomes, in headless Chromium, with axe."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in
from tests.outcomes.test_outcomes import _submit

pytestmark = pytest.mark.browser


def test_review_from_the_queue_and_read_the_outcomes(app, page, contract_setup):
    from datetime import date

    _submit(app, contract_setup["provider"].id, contract_setup["submitter"].id,
            {date(2025, 1, 1): (10, 7), date(2025, 2, 1): (20, 12)})
    sign_in(page, contract_setup["manager"].email)
    page.get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Returns to review")
    check_accessibility(page)
    page.locator("#from-month").fill("January")  # the month filter is a GOV.UK date input
    page.locator("#from-year").fill("2025")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("alert")).to_contain_text("The start month must be a real month and year, like 3 2026")
    check_accessibility(page)
    page.locator("#from-month").fill("")
    page.locator("#from-year").fill("")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=re.compile("1 Jan 2025 to 31 Jan 2025")).click()
    check_accessibility(page)
    page.get_by_label("Accept the return").check()
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Return accepted")).to_be_visible()
    page.get_by_role("link", name="Outcomes").click()
    page.locator("#from-month").fill("1")
    page.locator("#from-year").fill("2025")
    page.locator("#to-month").fill("2")
    page.locator("#to-year").fill("2025")
    page.get_by_label("Hide counts below").fill("10")
    page.get_by_role("button", name="Show outcomes").click()
    expect(page.get_by_text("(19 of 30)").first).to_be_visible()
    check_accessibility(page)
