"""A provider's finance person uploads a visits CSV (a wrong one first: every problem by row and
column), reads the results with their exceptions and builds a draft invoice; the commissioner
sets the visit rule and a backdated rate on the rate card, and decides an exception with a reason
(an empty decision first). Headless Chromium, axe on every page (and the 375 px check)."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in, sign_out

pytestmark = pytest.mark.browser

GOOD = """Person reference,Planned start,Planned end,Actual start,Actual end,Carers
P001,2025-04-01 08:00,2025-04-01 09:00,2025-04-01 08:02,2025-04-01 09:01,1
P002,2025-04-01 10:00,2025-04-01 10:30,2025-04-01 10:25,2025-04-01 10:55,1
P003,2025-04-02 08:00,2025-04-02 08:30,,,2
"""
BAD = """Person reference,Planned start,Planned end,Actual start,Actual end,Carers
P001,2025-04-31 08:00,2025-04-01 09:00,,,1
P002,2025-04-01 10:00,2025-04-01 09:30,,,seven
"""


def test_upload_visits_see_exceptions_and_decide_one(app, page, tmp_path):
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    manager = factories.user("manager@glasgow.example", memberships=[(glasgow, "contract_manager")])
    finance = factories.user("finance@fern.example", memberships=[(fern, "finance")])
    contract = factories.contract(commissioner=glasgow, provider=fern, reference="GCH-CAH-001",
                                  title="Care at home, north east", frequency=None)
    factories.rate(contract, "20.0000", effective_from=date(2025, 1, 1))
    bad, good = tmp_path / "bad.csv", tmp_path / "april.csv"
    bad.write_text(BAD)
    good.write_text(GOOD)

    # The commissioner sets how visits are paid on the rate card.
    sign_in(page, manager.email)
    page.goto(f"/o/glasgow-hscp/contracts/{contract.id}")
    page.get_by_role("link", name="Rate card and how visits are paid").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rate card")
    check_accessibility(page)
    page.get_by_role("link", name="Change how visits are paid").click()
    page.get_by_label("Tolerance").fill("lots")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_role("alert")).to_contain_text("whole number of minutes")
    check_accessibility(page)
    page.get_by_label("Actual time, capped at planned").check()
    page.get_by_label("Rounded to the nearest 15 minutes").check()
    page.get_by_label("Tolerance").fill("10")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The visit rule has been saved")
    page.get_by_role("button", name="Add or change a rate").click() if page.get_by_role("button", name="Add or change a rate").count() else page.get_by_role("link", name="Add or change a rate").click()
    page.get_by_role("button", name="Save the rate").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the rate")
    check_accessibility(page)
    page.get_by_label("Weekend").check()
    page.get_by_label("Rate").fill("24.50")
    group = page.get_by_role("group", name="Applies from")
    group.get_by_label("Day").fill("1")
    group.get_by_label("Month").fill("1")
    group.get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Save the rate").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The rate has been saved")
    expect(page.get_by_role("table")).to_contain_text("£24.5000")
    sign_out(page)

    # The provider uploads a wrong file, then the right one, and builds an invoice.
    sign_in(page, finance.email)
    page.get_by_role("link", name="Visit actuals").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Visit actuals")  # the page, not the one it left
    check_accessibility(page)
    page.get_by_role("button", name="Upload visits").click() if page.get_by_role("button", name="Upload visits").count() else page.get_by_role("link", name="Upload visits").click()
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the contract the visits are for")
    page.get_by_label("Contract").select_option(label="GCH-CAH-001: Care at home, north east")
    page.get_by_label("Visits CSV").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing has been imported")
    expect(page.get_by_role("alert")).to_contain_text("Row 2, planned start")
    expect(page.get_by_role("alert")).to_contain_text("Row 3, carers")
    check_accessibility(page)
    page.get_by_label("Contract").select_option(label="GCH-CAH-001: Care at home, north east")
    page.get_by_label("Visits CSV").set_input_files(str(good))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("3 visits have been imported")
    expect(page.get_by_role("table")).to_contain_text("No actual start or end time")
    expect(page.get_by_role("table")).to_contain_text("started 25 minutes late")
    check_accessibility(page)
    page.get_by_role("link", name="See every visit and its paid minutes").click()
    check_accessibility(page)
    page.go_back()
    page.get_by_role("link", name="Build an invoice from 1 visit").click()
    expect(page.get_by_role("table")).to_contain_text("60 paid minutes × 1 carer ÷ 60 = 1 hours × £20.0000")
    check_accessibility(page)
    page.get_by_role("button", name="Build the draft invoice").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your invoice number")
    page.get_by_label("Your invoice number").fill("FERN-ECM-1")
    page.get_by_role("button", name="Build the draft invoice").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Draft invoice FERN-ECM-1 has been built for £20.00")
    sign_out(page)

    # The commissioner decides one exception.
    sign_in(page, manager.email)
    page.get_by_role("link", name="Visit exceptions").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Visit exceptions awaiting a decision")
    check_accessibility(page)
    page.get_by_role("link", name="Decide on the visit to P002").click()
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose whether to accept or reject the visit")
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason")
    check_accessibility(page)
    page.get_by_label("Accept: the visit can be charged").check()
    page.get_by_label("Reason").fill("The carer was held up at the previous visit")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been accepted")
    expect(page.get_by_role("table")).not_to_contain_text("P002")
    page.get_by_role("link", name="Accepted").click()
    expect(page.get_by_role("table")).to_contain_text("The carer was held up at the previous visit")
    check_accessibility(page)
