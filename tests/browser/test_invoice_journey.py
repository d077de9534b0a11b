"""An invoice's journey in the browser: the provider raises it (a second line added, the totals
worked out as it types) and submits it; the commissioner's contract manager queries a line; the
provider answers and resubmits; the commissioner's finance officer approves it. Axe and 375 px
on every page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in, sign_out

pytestmark = pytest.mark.browser


def _fill_line(page, number: int, description: str, quantity: str, unit: str, price: str = "") -> None:
    line = page.get_by_role("group", name=f"Line {number}")
    line.get_by_label("Description").fill(description)
    line.get_by_label("Quantity").fill(quantity)
    line.get_by_label("Unit", exact=True).select_option(unit)
    if price:
        line.get_by_label("Unit price (optional)").fill(price)
    line.get_by_label("Quantity").press("Tab")  # a change: the totals follow


def test_raise_query_answer_and_approve(app, page, contract_setup):
    provider, commissioner = contract_setup["provider"], contract_setup["commissioner"]
    factories.user("finance@fern.example", memberships=[(provider, "finance")])
    factories.user("finance@clyde.example", memberships=[(commissioner, "finance")])
    factories.rate(contract_setup["contract"], "20.0000", unit="hour")
    page.set_viewport_size({"width": 1280, "height": 900})

    sign_in(page, "finance@fern.example")
    page.goto(f"/o/{provider.slug}/invoices/")
    check_accessibility(page)
    page.get_by_role("link", name="Raise an invoice").click()
    page.get_by_label("Contract").select_option(label="CLY-001: Care at home, north")
    page.get_by_label("Your invoice number").fill("FC-2025-05")
    for legend, (day, month, year) in (("First day of the period", ("12", "5", "2025")),
                                       ("Last day of the period", ("16", "5", "2025"))):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(day)
        group.get_by_label("Month").fill(month)
        group.get_by_label("Year").fill(year)
    _fill_line(page, 1, "Care at home, weekdays", "10", "hour")
    page.get_by_role("button", name="Add another line").click()
    _fill_line(page, 2, "Travel", "1", "block", "15.00")
    # The rate card prices line 1 (10 hours over five weekdays at £20.00): £200.00, and £15.00 typed.
    expect(page.locator("#invoice-preview")).to_contain_text("£215.00")
    check_accessibility(page)
    page.get_by_role("button", name="Save and check").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice FC-2025-05")
    expect(page.get_by_text("£215.00").first).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Submit invoice").click()
    expect(page.get_by_text("submitted to Clyde HSCP")).to_be_visible()
    invoice_url = page.url
    sign_out(page)

    sign_in(page, contract_setup["manager"].email)
    page.goto(f"/o/{commissioner.slug}/invoices/")
    expect(page.get_by_role("link", name="FC-2025-05")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="FC-2025-05").click()
    check_accessibility(page)
    page.get_by_label("Query", exact=True).check()
    page.get_by_label("Your question, reason or comment").fill("Please explain the travel charge")
    page.get_by_text("Ask about particular lines (for a query)").click()
    page.get_by_label("Question about line 2 (Travel)").fill("Which journey was this?")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("Invoice FC-2025-05 queried", exact=True)).to_be_visible()
    sign_out(page)

    sign_in(page, "finance@fern.example")
    page.goto(invoice_url.replace(f"/o/{commissioner.slug}/", f"/o/{provider.slug}/"))
    expect(page.get_by_text("Which journey was this?").first).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Your answer").fill("A hospital discharge run")
    page.get_by_label("Answer about line 2 (Travel)").fill("To the Royal Infirmary on 12 May")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("Answer saved")).to_be_visible()
    page.get_by_role("button", name="Submit again").click()
    expect(page.get_by_text("submitted to Clyde HSCP")).to_be_visible()
    sign_out(page)

    sign_in(page, "finance@clyde.example")
    page.goto(invoice_url.replace(f"/o/{provider.slug}/", f"/o/{commissioner.slug}/"))
    expect(page.get_by_text("To the Royal Infirmary on 12 May").first).to_be_visible()
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("Invoice FC-2025-05 approved", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approved")
    check_accessibility(page)
