"""The provider's return in headless Chromium, at 1280 and 375 pixels wide, with an axe check on
every page: save part-way, confirm a figure far from last month's, see evidence still being
checked before submitting, make the declaration on check answers, see the confirmation panel,
then act on the commissioner's request for changes."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in
from tests.documents.files import pdf
from tests.helpers import run_jobs

pytestmark = pytest.mark.browser

JANUARY, FEBRUARY = date(2025, 1, 1), date(2025, 2, 1)


def _fill(page, measures, **values) -> None:
    for m in measures:
        value = values.get(m.code)
        if m.type == "text":
            page.locator(f"textarea[name='{m.code}']").fill(value or f"Evidence for {m.code}")
        else:
            default = {"integer": "7" if m.code.endswith(".ACHIEVED") else "10", "decimal": "120.5",
                       "percentage": "95"}[m.type]
            page.locator(f"input[name='{m.code}']").fill(value or default)


@pytest.mark.parametrize("width, height", [(1280, 900), (375, 812)])
def test_the_providers_return_at_both_widths(app, page, contract_setup, tmp_path, width, height):
    from portal.returns import queries
    from portal.tenants.context import tenant_context

    page.set_viewport_size({"width": width, "height": height})
    provider, contract = contract_setup["provider"], contract_setup["contract"]
    factories.submission(contract, JANUARY, on=date(2025, 2, 10))  # last month: 10 people supported
    ret = factories.return_of(contract, FEBRUARY)
    with app.app_context(), tenant_context(provider.id):
        tasks = [(t.key, t.name, list(t.measures)) for t in queries.task_list(queries.get_return(ret.id))]
    base = f"/o/{provider.slug}/returns/{ret.id}"

    sign_in(page, contract_setup["submitter"].email)
    page.goto(base)
    expect(page.locator("#sections-complete")).to_have_text("You have completed 0 of 10 sections.")
    expect(page.get_by_role("link", name="Safe from harm")).to_be_visible()
    check_accessibility(page)

    # Part-way: one figure now, the rest later.
    page.get_by_role("link", name="Safe from harm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Safe from harm")
    expect(page.get_by_text("People who use health and social care services are safe from harm.")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Enter the number of people whose progress towards this outcome was reviewed").fill("10")
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You can come back to it later")
    expect(page.locator("#sections-complete")).to_have_text("You have completed 0 of 10 sections.")

    for key, _name, measures in tasks:
        page.goto(f"{base}/tasks/{key}")
        _fill(page, measures, **({"DEL.PEOPLE": "40"} if key == "delivery" else {}))
        page.get_by_role("button", name="Save and continue").click()
        if key != "delivery":
            expect(page.locator(".govuk-notification-banner")).to_contain_text("Saved:")
    # 40 people against January's 10: the figure is kept and the page asks to confirm it.
    expect(page.get_by_text("40 is much higher than the 10 you gave for January 2025")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that the figures are right, or change them")
    check_accessibility(page)
    page.get_by_label("I have checked this figure and it is right").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#sections-complete")).to_have_text("You have completed 10 of 10 sections.")

    # Evidence still being checked: check answers says so, with the wait, before submitting.
    evidence = tmp_path / "february-outcomes.pdf"
    evidence.write_bytes(pdf(["Outcomes evidence, February 2025"]))
    page.get_by_label("Upload evidence files").set_input_files(str(evidence))
    page.get_by_role("button", name="Upload and attach").click()
    page.get_by_role("button", name="Check your answers and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting your return")
    expect(page.get_by_text(re.compile("We are still checking 1 document for viruses"))).to_be_visible()
    expect(page.get_by_text(re.compile("You confirmed this figure: it was 10 for January 2025"))).to_be_visible()
    check_accessibility(page)
    run_jobs(app)  # the worker checks the file; the section refreshes itself
    expect(page.locator("#check-documents")).to_contain_text("Ready", timeout=20_000)
    expect(page.get_by_text(re.compile("We are still checking"))).to_have_count(0)

    # The declaration is made here, with the submission.
    page.get_by_role("button", name="Accept and submit").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that the information in this return is accurate")
    check_accessibility(page)
    page.get_by_label(re.compile("I confirm that the information in this return is accurate")).check()
    page.get_by_role("button", name="Accept and submit").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Return submitted")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    check_accessibility(page)

    # The commissioner asks for changes to one section, by a date.
    factories.review(contract, FEBRUARY, "request_changes", on=date(2025, 3, 12), by=contract_setup["manager"],
                     comment="Please check the delivery figures.", tasks=["delivery"],
                     respond_by=date(2025, 3, 26), section_comments={"delivery": "Say why 40 people this month."})
    page.goto(base)
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("Important")
    expect(banner).to_contain_text("asked for changes on 12 Mar 2025")
    expect(banner).to_contain_text("Respond by 26 Mar 2025.")
    check_accessibility(page)
    banner.get_by_role("link", name="Service delivery").click()
    expect(page.get_by_text("Say why 40 people this month.")).to_be_visible()
    check_accessibility(page)
    page.get_by_label(re.compile("Enter the notes on delivery")).fill("New referrals from the hospital")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#sections-complete")).to_have_text("You have completed 10 of 10 sections.")
