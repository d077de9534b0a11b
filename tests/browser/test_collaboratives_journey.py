"""Forming and opening a collaborative in headless Chromium, with axe on every page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in
from tests.helpers import run_jobs

pytestmark = pytest.mark.browser


def test_form_and_open_a_collaborative(app, page, two_commissioners):
    sign_in(page, two_commissioners["clyde_manager"].email)
    page.get_by_role("link", name="Collaboratives").click()
    check_accessibility(page)
    page.get_by_role("button", name="Form collaborative").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a name for the collaborative")
    check_accessibility(page)
    page.get_by_label("Name").fill("Clyde circle")
    page.get_by_role("button", name="Form collaborative").click()
    expect(page.get_by_text("Clyde circle has been formed")).to_be_visible()
    run_jobs(app)
    page.get_by_role("link", name="Clyde circle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clyde circle")
    expect(page.get_by_role("cell", name="All members").first).to_be_visible()
    check_accessibility(page)
