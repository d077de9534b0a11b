"""A commissioner's finance officer builds a payment run on its pages, a colleague who approved
none of its invoices confirms it, downloads the payment file and marks it paid; the provider's
finance person sees the remittance advice. Headless Chromium, axe on every page (and at 375 px)."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import run_queued_jobs, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_build_confirm_download_and_pay_a_run_and_the_provider_sees_the_remittance(app, page):
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    approver = factories.user("morag@glasgow.example", memberships=[(glasgow, "finance")], full_name="Morag Campbell")
    releaser = factories.user("fiona@glasgow.example", memberships=[(glasgow, "finance")], full_name="Fiona Reid")
    payee = factories.user("grace@fern.example", memberships=[(fern, "finance")], full_name="Grace Okafor")
    contract = factories.contract(commissioner=glasgow, provider=fern, reference="GCH-CAH-001",
                                  title="Care at home, north east", end=date(2027, 3, 31))
    submitted = datetime(2026, 4, 2, 12, tzinfo=timezone.utc)
    first = factories.approved_invoice(contract, approver, number="FERN-101", submitted_at=submitted,
                                       lines=(("Care", "100", "hour", "22.50"),))
    factories.approved_invoice(contract, approver, number="FERN-CN-7", kind="credit_note", corrects=first,
                               submitted_at=submitted, lines=(("Missed visit", "2", "hour", "22.50"),))

    sign_in(page, approver.email)
    page.get_by_role("link", name="Payments").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments")
    check_accessibility(page)
    page.get_by_role("button", name="Build a payment run").click()
    page.get_by_role("button", name="Find invoices").click()
    expect(page.get_by_role("link", name="Enter the date invoices must be due by")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("5")
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Find invoices").click()
    expect(page.get_by_text("Fern Care: £2,205.00")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Build the payment run").click()
    expect(page.get_by_text(re.compile("You approved FERN-CN-7, FERN-101"))).to_be_visible()
    check_accessibility(page)
    run_url = page.url
    sign_out(page)

    sign_in(page, releaser.email)
    page.goto(run_url)
    page.get_by_role("button", name="Confirm the payment run").click()
    expect(page.get_by_text("its invoices are scheduled for payment")).to_be_visible()
    check_accessibility(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the payment file (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert [(r["Invoice number"], r["Total"]) for r in rows] == [("FERN-CN-7", "-45.00"), ("FERN-101", "2250.00"),
                                                                 ("", "2205.00")]
    page.get_by_role("button", name="Mark paid and send remittance advice").click()
    expect(page.get_by_role("link", name="Enter the date the payment was made")).to_be_visible()
    check_accessibility(page)
    today = date.today()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Payment reference").fill("BACS-2026-05")
    page.get_by_role("button", name="Mark paid and send remittance advice").click()
    expect(page.get_by_text("each provider has been sent its remittance advice")).to_be_visible()
    check_accessibility(page)
    sign_out(page)
    run_queued_jobs(app)

    sign_in(page, payee.email)
    page.get_by_role("link", name="Payments").first.click()
    check_accessibility(page)
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("BACS-2026-05")).to_be_visible()
    expect(page.get_by_role("row", name="FERN-CN-7")).to_contain_text("−£45.00")
    check_accessibility(page)
