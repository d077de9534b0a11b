"""A provider fills in a return, uploads evidence and submits it; the commissioner reviews it.
Headless Chromium, with an axe check on every page visited."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in, sign_out
from tests.documents.files import pdf
from tests.helpers import run_jobs

pytestmark = pytest.mark.browser


def _fill_task(page, measures) -> None:
    for m in measures:
        if m.type == "text":
            page.locator(f"textarea[name='{m.code}']").fill(f"Evidence for {m.code}")
        elif m.type == "yes_no":
            page.locator(f"input[name='{m.code}'][value='yes']").check()
        else:
            value = {"integer": "12", "decimal": "140.5", "percentage": "96"}[m.type]
            page.locator(f"input[name='{m.code}']").fill("8" if m.code.endswith(".ACHIEVED") else value)


def test_fill_upload_submit_and_review_a_return(app, page, contract_setup, tmp_path):
    from portal.returns import queries
    from portal.tenants.context import tenant_context

    provider, commissioner = contract_setup["provider"], contract_setup["commissioner"]
    with app.app_context(), tenant_context(provider.id):
        ret = queries.list_returns()[0]
        return_id = ret.id
        tasks = [(t.key, list(t.measures)) for t in queries.task_list(ret)]

    sign_in(page, contract_setup["submitter"].email)
    page.get_by_role("link", name="Returns").first.click()
    check_accessibility(page)
    page.goto(f"/o/{provider.slug}/returns/{return_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Return for 1 Jan 2025")
    check_accessibility(page)

    # A mistake first: the error summary names the field, and axe checks the error page.
    page.goto(f"/o/{provider.slug}/returns/{return_id}/tasks/delivery")
    page.locator("input[name='DEL.PEOPLE']").fill("many")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("People supported this period must be a whole number")
    check_accessibility(page)

    for index, (key, measures) in enumerate(tasks):
        page.goto(f"/o/{provider.slug}/returns/{return_id}/tasks/{key}")
        if index == 0:
            check_accessibility(page)
        _fill_task(page, measures)
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Saved:")

    evidence = tmp_path / "outcomes-january.pdf"
    evidence.write_bytes(pdf(["Outcomes evidence, January 2025"]))
    page.get_by_label("Upload evidence files").set_input_files(str(evidence))
    page.get_by_role("button", name="Upload and attach").click()
    expect(page.get_by_role("cell", name="outcomes-january.pdf", exact=True)).to_be_visible()
    check_accessibility(page)
    run_jobs(app)  # the worker checks the file
    page.reload()
    expect(page.locator("#evidence-section table")).to_contain_text("Ready")

    page.get_by_role("button", name="Check your answers and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting your return")
    check_accessibility(page)
    page.get_by_label(re.compile("I confirm that the information")).check()
    page.get_by_role("button", name="Accept and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Return submitted")
    check_accessibility(page)
    page.goto(f"/o/{provider.slug}/returns/{return_id}")
    expect(page.get_by_role("link", name="Version 1")).to_be_visible()
    sign_out(page)

    sign_in(page, contract_setup["manager"].email)
    page.goto(f"/o/{commissioner.slug}/returns/{return_id}")
    expect(page.get_by_role("link", name="outcomes-january.pdf")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Ask the provider for changes").check()
    page.get_by_label("Comments for the provider").fill("Please add the review dates for outcome 2.")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Changes requested from the provider")).to_be_visible()
    check_accessibility(page)
