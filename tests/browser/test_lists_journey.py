"""A procurement officer keeps an approved supplier list (leaving its forms empty once), restricts a
draft tender to it, attaches a document released in two days and one released with the tender,
and publishes it: a member reads "Only for members of" and "Released on"; a provider that is not
a member never finds it. Headless Chromium, axe on every page (and the 375 px check)."""
from __future__ import annotations

import re
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


def _choose_document(page, filename: str) -> None:
    choice = page.locator("option", has_text=filename).get_attribute("value")
    page.get_by_label("Document from your library").select_option(choice)


def test_keep_a_list_run_a_mini_competition_and_release_a_document(app, page):
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    oak = factories.organisation("provider", slug="oak-care", name="Oak Care")
    factories.organisation("provider", slug="elm-care", name="Elm Care")
    officer = factories.user("officer@glasgow.example", memberships=[(glasgow, "procurement")])
    member = factories.user("staff@fern.example", memberships=[(fern, "submitter")])
    outsider = factories.user("staff@oak.example", memberships=[(oak, "submitter")])
    draft = factories.tender(glasgow, reference="GCH-2027-MC1", title="Overnight support, north west",
                             published=False)
    factories.stored_document(glasgow, filename="specification.pdf")
    factories.stored_document(glasgow, filename="market-data.csv", content=b"locality,people\nNorth West,40\n",
                              content_type="text/csv")

    sign_in(page, officer.email)
    page.get_by_role("link", name="Supplier lists").first.click()
    check_accessibility(page)
    page.get_by_role("button", name="Create a list").click()
    page.get_by_label("Name of the list").fill("")
    page.get_by_role("button", name="Save the list").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the name of the list")
    check_accessibility(page)
    page.get_by_label("Name of the list").fill("Care at home approved providers")
    page.get_by_label("Care at home").check()
    _date(page, "First day of the list", date.today() - timedelta(days=30))
    page.get_by_role("button", name="Save the list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care at home approved providers")
    check_accessibility(page)
    for name in ("Fern Care", "Oak Care"):
        page.get_by_role("button", name="Add a provider").click()
        if name == "Fern Care":
            page.get_by_role("button", name="Add to the list").click()
            expect(page.get_by_role("alert")).to_contain_text("Choose the provider to add")
            check_accessibility(page)
        page.get_by_label("Provider").select_option(label=name)
        page.get_by_role("button", name="Add to the list").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{name} has been added")
    page.get_by_role("link", name="Remove Oak Care").click()
    check_accessibility(page)
    page.get_by_label("Why is the provider being removed?").fill("Its registration lapsed.")
    page.get_by_role("button", name="Remove from the list").click()
    expect(page.get_by_text("Its registration lapsed.")).to_be_visible()
    check_accessibility(page)

    page.goto(f"/o/glasgow-hscp/tenders/{draft.id}")
    page.get_by_role("link", name="Change who can see and bid for this tender").click()
    check_accessibility(page)
    page.get_by_label("Only members of Care at home approved providers").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#audience")).to_contain_text("Only for members of Care at home approved providers")
    page.get_by_role("link", name="Add a document from your library").click()
    check_accessibility(page)
    page.get_by_role("button", name="Add the document").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a document from your library")
    check_accessibility(page)
    _choose_document(page, "market-data.csv")
    page.get_by_label("Title").fill("Market data on people supported")
    release = date.today() + timedelta(days=2)
    _date(page, "Release date (optional)", release)
    page.get_by_label("Time of release").fill("09:00")
    page.get_by_role("button", name="Add the document").click()
    expect(page.get_by_role("table", name="Documents")).to_contain_text(
        f"Released on {release.day} {release:%B %Y} at 09:00")
    page.get_by_role("link", name="Add a document from your library").click()
    _choose_document(page, "specification.pdf")
    page.get_by_label("Title").fill("Service specification")
    page.get_by_role("button", name="Add the document").click()
    check_accessibility(page)
    page.get_by_role("button", name="Publish the tender").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is published")
    expect(page.locator("#audience")).to_contain_text("1 provider was a member on the day it was published")
    check_accessibility(page)
    sign_out(page)

    sign_in(page, member.email)
    page.get_by_role("link", name="Tenders").first.click()
    page.get_by_role("link", name="Overnight support, north west").click()
    expect(page.locator("#audience")).to_contain_text("Only for members of Care at home approved providers")
    expect(page.get_by_text(f"Released on {release.day} {release:%B %Y} at 09:00")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Download Service specification"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Download Market data"))).to_have_count(0)
    check_accessibility(page)
    page.get_by_role("link", name="Supplier lists").first.click()
    expect(page.get_by_role("link", name="Care at home approved providers")).to_be_visible()
    check_accessibility(page)
    sign_out(page)

    sign_in(page, outsider.email)
    page.get_by_role("link", name="Tenders").first.click()
    expect(page.get_by_text("Overnight support, north west")).to_have_count(0)
    response = page.goto(f"/o/oak-care/tenders/{draft.id}")
    assert response.status == 404
    page.goto("/o/oak-care/supplier-lists/")
    expect(page.get_by_text("Removed")).to_be_visible()
    expect(page.get_by_text("Its registration lapsed.")).to_be_visible()  # its own membership, with the reason
    check_accessibility(page)
