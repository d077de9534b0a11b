"""A provider asks a clarification question (leaving it empty once); the procurement officer
publishes an edited answer to all and answers another privately; another provider reads the
published log and never the asker. Headless Chromium, axe on every page (and at 375 px)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_ask_answer_publish_and_read_the_log(app, page):
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    fern = factories.organisation("provider", slug="fernleigh-homecare", name="Fernleigh Homecare")
    oak = factories.organisation("provider", slug="oakwood-care", name="Oakwood Care")
    officer = factories.user("officer@glasgow.example", memberships=[(glasgow, "procurement")])
    asker = factories.user("staff@fernleigh.example", memberships=[(fern, "submitter")])
    other = factories.user("admin@oakwood.example", memberships=[(oak, "provider_admin")])
    tender = factories.tender(glasgow, reference="GCH-2027-CAH", title="Care at home, north east", lots=[
        {"title": "North East", "description": "", "estimated_value": "4200000"},
        {"title": "East", "description": "", "estimated_value": "3600000"}])
    private = factories.question(fern, tender, text="Our night-visit rate is above the guide price: is that fatal?")

    sign_in(page, asker.email)
    page.get_by_role("link", name="Tenders").first.click()
    page.get_by_role("link", name="Care at home, north east").click()
    check_accessibility(page)
    page.get_by_role("button", name="Ask a question").click()
    expect(page.get_by_text("never shown to other providers")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your question")
    check_accessibility(page)
    page.get_by_label("Lot 2: East").check()
    page.get_by_label("Your question").fill("Fernleigh already runs the Dalmarnock hub: can our rota carry over?")
    page.get_by_role("button", name="Send the question").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("sent to the procurement team")
    check_accessibility(page)
    sign_out(page)

    sign_in(page, officer.email)
    page.get_by_role("link", name="Questions").first.click()
    expect(page.get_by_role("table")).to_contain_text("Fernleigh Homecare")
    check_accessibility(page)
    page.get_by_role("link", name="Fernleigh already runs the Dalmarnock hub").click()
    check_accessibility(page)
    page.get_by_label("The question as it will be published").fill("Can a provider's existing rota carry over?")
    page.get_by_label("Answer", exact=True).fill("Yes, where it meets the staffing levels.")
    page.get_by_label("Publish to every organisation").check()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("published to every organisation")
    check_accessibility(page)
    page.goto(page.url.rsplit("/", 1)[0] + f"/{private.id}")
    page.get_by_label("Answer", exact=True).fill("No: it is scored on price.")
    page.get_by_label("The provider that asked, alone").check()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason")
    check_accessibility(page)
    page.get_by_label("The provider that asked, alone").check()
    page.get_by_label("Answer", exact=True).fill("No: it is scored on price.")
    page.get_by_label("Why is the answer for the provider that asked alone?").fill("About its own prices")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("sent to the provider that asked")
    sign_out(page)

    sign_in(page, other.email)
    page.get_by_role("link", name="Tenders").first.click()
    page.get_by_role("link", name="Care at home, north east").click()
    expect(page.locator("#clarification-1")).to_contain_text("Can a provider's existing rota carry over?")
    page.get_by_role("link", name="Open the clarifications log on its own page").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clarifications")
    check_accessibility(page)
    html = page.content()
    for word in ("Fernleigh", "fernleigh", "Dalmarnock", "night-visit", "scored on price"):
        assert word not in html, word
