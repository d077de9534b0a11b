"""A contract manager reviews a resubmitted return: the differences inline, the request for
changes revealed under its radio (and shown, and working, without JavaScript), at 1280 and
375 pixels wide, with axe on every state of the page."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in

pytestmark = pytest.mark.browser
FEB = date(2025, 2, 1)


def _resubmitted(setup) -> int:
    contract = setup["contract"]
    document = factories.document(setup["provider"], filename="care-plans-february.pdf", scan_status="not_scanned")
    factories.attachment(contract, document, FEB)
    factories.submission(contract, FEB, on=date(2025, 3, 10),
                         values={"NHWO-3.NARRATIVE": "Nine people chose their own visit times.", "NHWO-3.ACHIEVED": "7"})
    factories.review(contract, FEB, "request_changes", on=date(2025, 3, 11), comment="Say how you know")
    factories.submission(contract, FEB, on=date(2025, 3, 12), values={
        "NHWO-3.NARRATIVE": "Nine people chose their own visit times, as their care plans record.",
        "NHWO-3.ACHIEVED": "8"})
    return factories.return_of(contract, FEB).id


def _date_parts(day: date) -> dict[str, str]:
    return {"Day": str(day.day), "Month": str(day.month), "Year": str(day.year)}


def test_review_with_javascript_at_desktop_and_mobile_widths(app, page, contract_setup):
    return_id = _resubmitted(contract_setup)
    sign_in(page, contract_setup["manager"].email)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/o/{contract_setup['commissioner'].slug}/returns/{return_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Return for 1 Feb 2025 to 28 Feb 2025")
    expect(page.get_by_text("2 answers changed since version 1")).to_be_visible()
    added = page.locator("#section-NHWO-3 + dl ins.portal-diff__added, #section-NHWO-3 ~ dl ins.portal-diff__added")
    expect(added.first).to_be_visible()
    style = added.first.evaluate("e => [getComputedStyle(e).textDecorationLine, getComputedStyle(e).color]")
    assert style[0] == "none" and style[1] == "rgb(11, 12, 12)"  # not underlined, not link blue
    expect(page.get_by_text("no virus scanner was running")).to_be_visible()
    check_accessibility(page)

    changes = page.get_by_role("group", name="Sections that need changes (optional)")
    expect(changes).to_be_hidden()  # revealed only by its radio
    page.get_by_label("Ask the provider for changes").check()
    expect(changes).to_be_visible()
    section_comment = page.locator("textarea[name='section_comment_NHWO-3']")
    expect(section_comment).to_be_hidden()
    changes.get_by_role("checkbox", name=re.compile("Positive experiences")).check()
    expect(section_comment).to_be_visible()
    section_comment.fill("Say which care plans, by month")
    date_group = page.get_by_role("group", name="Date to respond by (optional)")
    date_group.get_by_label("Day").fill("31")
    date_group.get_by_label("Month").fill("2")
    date_group.get_by_label("Year").fill("2030")
    page.get_by_role("button", name="Save review").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("The date to respond by must be a real date")
    expect(summary).to_contain_text("Say what the provider needs to change")
    expect(page.get_by_role("group", name="Sections that need changes (optional)")).to_be_visible()  # still chosen
    expect(page.locator("textarea[name='section_comment_NHWO-3']")).to_have_value("Say which care plans, by month")
    check_accessibility(page)

    page.set_viewport_size({"width": 375, "height": 800})
    check_accessibility(page)
    respond_by = date.today() + timedelta(days=21)
    date_group = page.get_by_role("group", name="Date to respond by (optional)")
    for label, value in _date_parts(respond_by).items():
        date_group.get_by_label(label).fill(value)
    page.get_by_label("Comments for the provider").fill("Outcome 3 needs its evidence.")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Changes requested from the provider")).to_be_visible()
    outcome = page.locator(".portal-review-outcome")
    expect(outcome).to_contain_text("Say which care plans, by month")
    expect(outcome).to_contain_text(f"Respond by {respond_by.strftime('%-d %b %Y')}")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, f"the page is {scroll_width} px wide at 375"
    check_accessibility(page)


def test_review_without_javascript(app, browser, live_server, contract_setup):
    return_id = _resubmitted(contract_setup)
    context = browser.new_context(base_url=live_server, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, contract_setup["manager"].email)
        page.goto(f"/o/{contract_setup['commissioner'].slug}/returns/{return_id}")
        # Without JavaScript the request for changes is revealed under its radio by CSS alone, and
        # every section's comment box shows (GOV.UK's checkboxes reveal them only with JavaScript).
        changes = page.get_by_role("group", name="Sections that need changes (optional)")
        # (axe runs as a script, so it checks these states in the test above, with JavaScript on.)
        expect(changes).to_be_hidden()
        page.get_by_label("Ask the provider for changes").check()
        expect(changes).to_be_visible()
        expect(page.locator("textarea[name='section_comment_NHWO-1']")).to_be_visible()
        expect(page.get_by_role("group", name="Date to respond by (optional)")).to_be_visible()
        changes.get_by_role("checkbox", name="Service delivery", exact=True).check()
        page.locator("textarea[name='section_comment_delivery']").fill("Explain the hours not delivered")
        respond_by = date.today() + timedelta(days=14)
        date_group = page.get_by_role("group", name="Date to respond by (optional)")
        for label, value in _date_parts(respond_by).items():
            date_group.get_by_label(label).fill(value)
        page.get_by_label("Comments for the provider").fill("Delivery needs an explanation.")
        page.get_by_role("button", name="Save review").click()
        expect(page.get_by_text("Changes requested from the provider")).to_be_visible()
        expect(page.locator(".portal-review-outcome")).to_contain_text("Explain the hours not delivered")
    finally:
        context.close()
