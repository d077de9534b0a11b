"""The documents pages in headless Chromium: upload several files, watch the checks finish
live (htmx polling), the same without JavaScript, and axe on every page. (Here rather than in
tests/documents so that it shares this folder's one Playwright session.)"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.documents import files
from tests.helpers import run_jobs

pytestmark = pytest.mark.browser


def _sign_in(page, email: str) -> None:
    from tests.conftest import PASSWORD

    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture(autouse=True)
def _no_scanner(monkeypatch):
    """Scanning with clamd is tested in tests/documents; here the page says "Not scanned"."""
    monkeypatch.setenv("DOCUMENT_SCANNER", "none")


def test_upload_several_files_and_watch_the_checks_finish(app, live_server, page, make_org, make_user):
    org = make_org("provider", slug="hillside-care", name="Hillside Care")
    user = make_user("sam@hillside.example", memberships=[(org, "submitter")], full_name="Sam Submitter")
    _sign_in(page, user.email)
    page.get_by_role("link", name="Documents", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    expect(page.get_by_text("No files have been uploaded yet.")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("button", name="Upload files").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload files")
    check_accessibility(page)
    page.get_by_role("button", name="Upload", exact=True).click()  # nothing chosen
    expect(page.get_by_role("alert").get_by_text("Select a file to upload")).to_be_visible()
    check_accessibility(page)

    page.locator("input[type=file]").set_input_files([
        {"name": "review.pdf", "mimeType": "application/pdf", "buffer": files.pdf(["Annual review"])},
        {"name": "hours.csv", "mimeType": "text/csv", "buffer": b"week,hours\n1,12\n"},
    ])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page).to_have_url(f"{live_server}/o/hillside-care/documents/")
    expect(page.get_by_text("2 files have been uploaded")).to_be_visible()
    expect(page.get_by_text("We are checking 2 files")).to_be_visible()
    check_accessibility(page)

    run_jobs(app)  # the page is not reloaded: htmx polls the table every 2 s
    expect(page.get_by_text("We are checking 2 files")).to_be_hidden(timeout=10_000)
    expect(page.locator("#document-library .govuk-tag", has_text="Ready")).to_have_count(2)

    page.get_by_role("link", name="review.pdf").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("review.pdf")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Not scanned")
    expect(page.get_by_text("so this file was not checked for viruses")).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Sam Submitter")
    check_accessibility(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename == "review.pdf"


def test_the_pages_work_without_javascript(app, live_server, browser, make_org, make_user):
    org = make_org("provider", slug="no-js-care")
    user = make_user("nojs@example.org", memberships=[(org, "submitter")])
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        _sign_in(page, user.email)
        page.goto("/o/no-js-care/documents/upload")
        page.locator("input[type=file]").set_input_files(
            {"name": "plan.docx", "mimeType": "application/octet-stream", "buffer": files.docx(["Plan"])})
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(page).to_have_url(re.compile(r"/o/no-js-care/documents/\d+$"))
        expect(page.locator(".govuk-summary-list .govuk-tag").first).to_have_text("Checking")
        run_jobs(app)
        page.get_by_role("link", name="refresh the page").click()
        expect(page.locator(".govuk-summary-list .govuk-tag").first).to_have_text("Ready")
        expect(page.get_by_role("button", name="Download")).to_be_visible()
    finally:
        context.close()
