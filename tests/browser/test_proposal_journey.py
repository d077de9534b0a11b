"""A provider writes a rate uplift with its financial model and submits it; the commissioner
compares it and accepts it, which changes the contract's rate card. Axe on every page."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_a_provider_proposes_an_uplift_and_the_commissioner_accepts_it(app, page, contract_setup):
    contract = contract_setup["contract"]
    factories.rate(contract, "20.0000", effective_from=date(2025, 1, 1))
    factories.wage_floor(contract_setup["commissioner"], year_start=date(2025, 4, 1), hourly="12.60")
    sign_in(page, "admin@fern.example")
    page.get_by_role("link", name="Proposals").click()
    check_accessibility(page)
    page.get_by_role("link", name="Write a proposal").click()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Select the commissioner the proposal is to")
    check_accessibility(page)

    page.get_by_label("Commissioner").select_option(label="Clyde HSCP")
    page.get_by_label("Rate uplift").check()
    page.get_by_label("Title").fill("Real Living Wage uplift")
    page.get_by_label("Summary").fill("Pay care workers the real Living Wage from June.")
    page.get_by_label("Contract (optional)").select_option(label="CLY-001: Care at home, north (Clyde HSCP)")
    page.get_by_label("Day", exact=True).fill("1")
    page.get_by_label("Month", exact=True).fill("6")
    page.get_by_label("Year", exact=True).fill("2025")
    for label, value in (("Hourly pay", "12.60"), ("Employer National Insurance (optional)", "10"),
                         ("Employer pension", "3"), ("Travel time", "10"), ("Training", "2"), ("Overheads", "15"),
                         ("Margin", "5"), ("Hours per year", "1000")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Margin", exact=True).fill("lots")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter margin (per cent) as a number")
    page.get_by_label("Margin", exact=True).fill("5")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("has been saved: check it, then submit it")).to_be_visible()
    expect(page.locator("#model")).to_contain_text("£21.58")
    expect(page.locator("#wage-floor")).to_contain_text("Met")
    check_accessibility(page)
    page.get_by_role("link", name="Check and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your proposal before submitting it")
    check_accessibility(page)
    page.get_by_role("button", name="Submit proposal").click()
    expect(page.get_by_role("heading", name="Proposal submitted")).to_be_visible()
    check_accessibility(page)
    sign_out(page)

    sign_in(page, "manager@clyde.example")
    page.get_by_role("link", name="Proposals").click()
    page.get_by_role("link", name="Real Living Wage uplift").click()
    expect(page.locator("#model-results")).to_contain_text("£1,580.00 a year (7.90 %)")
    check_accessibility(page)
    page.get_by_role("link", name="Decide").click()
    page.get_by_label("Accept").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a decision note")
    check_accessibility(page)
    page.get_by_label("Accept").check()
    page.get_by_label("Decision note").fill("Agreed from 1 June 2025.")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("is now accepted")).to_be_visible()
    expect(page.locator("#decision")).to_contain_text("The contract’s weekday hourly rate is £21.58 from 1 June 2025")
    check_accessibility(page)
