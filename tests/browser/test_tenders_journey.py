"""A procurement officer drafts a tender, leaves the form empty once, publishes it; a provider
finds it by searching and registers interest. Headless Chromium, axe on every page (and the
375 px check that nothing scrolls sideways)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in, sign_out

pytestmark = pytest.mark.browser


def _date(page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_draft_publish_find_and_follow_a_tender(app, page):
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    officer = factories.user("officer@glasgow.example", memberships=[(glasgow, "procurement")])
    staff = factories.user("staff@fern.example", memberships=[(fern, "submitter")])

    sign_in(page, officer.email)
    page.get_by_role("link", name="Tenders").first.click()
    check_accessibility(page)
    page.get_by_role("button", name="Create a tender").click()
    check_accessibility(page)
    page.get_by_role("button", name="Create draft tender").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the tender reference")
    check_accessibility(page)
    page.get_by_label("Tender reference").fill("GCH-2027-CAH")
    page.get_by_label("Title").fill("Care at home, north east")
    page.get_by_label("Description").fill("Care and support at home for older people.")
    page.get_by_label("Care at home").check()
    page.get_by_label("Scotland: Public Contracts").check()
    page.get_by_label("Estimated value in pounds").fill("4,200,000")
    start = date.today() + timedelta(days=1)
    _date(page, "Publication date", start)
    _date(page, "Deadline for bids", start + timedelta(days=45))
    page.get_by_role("button", name="Create draft tender").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care at home, north east")
    expect(page.get_by_text("Deadline for answers to clarification questions")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Change the timetable").click()
    check_accessibility(page)
    page.go_back()
    page.get_by_role("button", name="Publish the tender").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is published")
    check_accessibility(page)
    sign_out(page)

    sign_in(page, staff.email)
    page.get_by_role("link", name="Tenders").first.click()
    page.get_by_label("Search tenders").fill("older people")
    page.get_by_role("button", name="Search").click()
    check_accessibility(page)
    page.get_by_role("link", name="Care at home, north east").click()
    page.get_by_role("button", name="Register interest").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your interest is registered")
    check_accessibility(page)
