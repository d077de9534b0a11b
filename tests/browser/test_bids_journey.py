"""A provider bids for a lot on its pages (leaving the price empty once), uploads a method statement
and submits with the declaration, and gets a receipt; at Glasgow the bids are sealed; after the
deadline two procurement officers each confirm the opening and the second reads the bid. Headless
Chromium, axe on every page (and at 375 px). The browser cannot move the server's clock: once the
bid is in, the test moves the tender's deadline for bids to just after it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in, sign_out

pytestmark = pytest.mark.browser


def _deadline_passes(app, tender, provider) -> None:
    """The deadline for bids becomes the moment just after the provider's bid was submitted."""
    from portal.extensions import db
    from portal.procurement.bid_models import Bid
    from portal.procurement.models import Tender
    from portal.tenants.context import tenant_context

    with app.app_context():
        with tenant_context(provider.id):
            submitted = db.session.scalar(select(Bid.submitted_at).where(Bid.tender_id == tender.id))
        with tenant_context(tender.tenant_id):
            db.session.get(Tender, tender.id).submission_deadline = submitted + timedelta(microseconds=1)
            db.session.commit()


def test_bid_with_a_document_get_a_receipt_and_two_people_open(app, page, tmp_path):
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    first = factories.user("iain@glasgow.example", memberships=[(glasgow, "procurement")], full_name="Iain Fraser")
    second = factories.user("alasdair@glasgow.example", memberships=[(glasgow, "commissioner_admin")],
                            full_name="Alasdair Grant")
    staff = factories.user("staff@fern.example", memberships=[(fern, "submitter")], full_name="Tom Wilson")
    tender = factories.tender(glasgow, reference="GCH-2027-CAH", title="Care at home, north east", lots=[
        {"title": "North East", "description": "", "estimated_value": "4200000"},
        {"title": "East", "description": "", "estimated_value": "3600000"}])
    factories.quality_question(tender, text="How will you help people stay well at home?", weight=100,
                               word_limit=300)
    statement = tmp_path / "method-statement.pdf"
    statement.write_bytes(factories.BID_PDF)

    sign_in(page, staff.email)
    page.get_by_role("link", name="Tenders").first.click()
    page.get_by_role("link", name="Care at home, north east").click()
    expect(page.get_by_role("heading", name="Your bids")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Start a bid for lot 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your bid for lot 1")
    check_accessibility(page)
    page.get_by_role("link", name="Price").click()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your price in pounds")
    check_accessibility(page)
    page.get_by_label("Your price, in pounds").fill("4,150,000")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Quality questions").click()
    check_accessibility(page)
    page.get_by_label("1. How will you help people stay well at home?").fill(
        "We plan each person's support with them and review it every month.")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("main").get_by_role("link", name="Documents", exact=True).click()
    check_accessibility(page)
    page.locator("input[type=file]").set_input_files(str(statement))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("checked, sealed and added to your bid")
    check_accessibility(page)
    page.get_by_role("link", name="Back to your bid").first.click()
    page.get_by_role("link", name="Check your bid and submit").click()
    expect(page.get_by_text("£4,150,000.00")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Submit your bid").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm the declaration")
    page.get_by_label("I declare that this bid is made on behalf of my organisation").check()
    page.get_by_role("button", name="Submit your bid").click()
    panel = page.locator(".govuk-panel")
    expect(panel).to_contain_text("Bid submitted")
    expect(panel).to_contain_text("Your receipt")
    page.get_by_text("How to check this receipt").click()
    check_accessibility(page)
    sign_out(page)

    _deadline_passes(app, tender, fern)
    sign_in(page, first.email)
    page.get_by_role("link", name="Tenders").first.click()
    page.get_by_role("link", name="Care at home, north east").click()
    expect(page.locator("#sealed-notice")).to_contain_text("2 more confirmations are needed")
    expect(page.get_by_text("Fern Care")).to_have_count(0)
    check_accessibility(page)
    page.get_by_role("link", name="Confirm the opening of the bids").click()
    check_accessibility(page)
    page.get_by_role("button", name="Confirm the opening").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("A different person")
    check_accessibility(page)
    sign_out(page)

    sign_in(page, second.email)
    page.get_by_role("link", name="Tenders").first.click()
    page.get_by_role("link", name="Care at home, north east").click()
    page.get_by_role("link", name="Confirm the opening of the bids").click()
    expect(page.get_by_text("Iain Fraser")).to_be_visible()
    page.get_by_role("button", name="Confirm the opening").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The bids are open")
    expect(page.get_by_role("table")).to_contain_text("Fern Care")
    expect(page.get_by_role("table")).to_contain_text("Withheld until quality is moderated")
    check_accessibility(page)
    page.get_by_role("link", name="Fern Care").click()
    expect(page.get_by_text("We plan each person's support")).to_be_visible()
    check_accessibility(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="method-statement.pdf").click()
    assert open(download.value.path(), "rb").read() == factories.BID_PDF
