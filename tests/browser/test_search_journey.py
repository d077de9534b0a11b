"""A commissioner searches the submitted returns from the service navigation, with axe checks."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in
from tests.helpers import run_jobs
from tests.search.helpers import PHRASE_CODE, add_document, fill, return_ids

pytestmark = pytest.mark.browser


def test_search_from_the_navigation(app, page, world):
    provider = world["provider"]
    first = return_ids(app, provider.id, world["contract_id"])[0]
    document = add_document(app, provider.id, "choir-survey.pdf", "Survey: the community choir lifted spirits.")
    fill(app, provider.id, world["submitter"].id, first, {PHRASE_CODE: "People sang in the community choir."},
         documents=[document])
    run_jobs(app)
    sign_in(page, world["manager"].email)
    page.get_by_role("link", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    check_accessibility(page)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the words you are looking for")
    check_accessibility(page)
    page.get_by_label("Search words").fill("community choir")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("2 results for ‘community choir’")
    expect(page.locator("mark", has_text="choir").first).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="return for 1 Jan 2025 to 31 Jan 2025").first.click()
    expect(page).to_have_url(f"{page.url.split('/o/')[0]}/o/{world['commissioner'].slug}/returns/{first}/versions/1")
    page.go_back()
    page.get_by_label("Search words").fill("submarine")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("No results for ‘submarine’")
    check_accessibility(page)
