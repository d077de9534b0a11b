"""Forming, opening and leaving a collaborative in headless Chromium, with axe on every page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in
from tests.helpers import run_jobs

pytestmark = pytest.mark.browser


def test_form_open_and_leave_a_collaborative(app, page, two_commissioners):
    factories.organisation("commissioner", slug="tay-hscp", name="Tay HSCP")
    sign_in(page, two_commissioners["clyde_manager"].email)
    page.get_by_role("link", name="Collaboratives").click()
    check_accessibility(page)
    page.get_by_role("button", name="Form collaborative").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a name for the collaborative")
    check_accessibility(page)
    page.get_by_label("Name").fill("Clyde circle")
    invite = page.get_by_role("group", name="Invite commissioners")
    expect(invite.get_by_role("checkbox")).to_have_count(2)  # Forth and Tay, not Clyde itself
    invite.get_by_label("Forth HSCP").check()
    page.get_by_role("button", name="Form collaborative").click()
    expect(page.get_by_text("Clyde circle has been formed")).to_be_visible()
    expect(page.locator("main table")).to_contain_text("Forth HSCP (invited)")
    run_jobs(app)
    page.get_by_role("link", name="Clyde circle", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clyde circle")
    expect(page.get_by_role("cell", name="All members").first).to_be_visible()
    expect(page.get_by_role("img", name="Dot chart: the members' pooled rate")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Back to collaboratives").click()
    page.get_by_role("link", name=re.compile(r"^Leave\s+Clyde circle$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Are you sure you want to leave Clyde circle?")
    check_accessibility(page)
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("main table")).to_contain_text("Clyde circle")  # nothing changed
    page.get_by_role("link", name=re.compile(r"^Leave\s+Clyde circle$")).click()
    page.get_by_role("button", name="Leave collaborative").click()
    expect(page.get_by_text("You have left Clyde circle")).to_be_visible()
    check_accessibility(page)
