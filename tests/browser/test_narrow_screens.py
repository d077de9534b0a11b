"""Pages at 375 px: nothing scrolls sideways (measured in the browser), the header's name and
the service name do not collide, axe finds nothing serious; the audit log read and filtered as a
council officer would; a warm page costs one request. (The pages of this part of the portal:
the audit log, members, account, documents, contracts and frameworks lists, returns, search,
platform administration and the error page.)"""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import answer_code_if_asked, assert_no_horizontal_scroll, check_accessibility
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NARROW = {"width": 375, "height": 800}
WIDE = {"width": 1280, "height": 800}
LONG_NAME = "Llŷr Gwynedd-Ò Chaluim Featherstonehaugh-Wilson"


def _sign_in(page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    answer_code_if_asked(page, email)
    expect(page.get_by_role("banner")).to_contain_text("Sign out")


@pytest.fixture
def fern(contract_setup, make_user):
    """Fern Care (provider) and Clyde HSCP (commissioner) with a submitted return, a reviewed one,
    a file that was not scanned and a long-named administrator on each side."""
    s = contract_setup
    provider_admin = make_user("llyr@fern.example", memberships=[(s["provider"], "provider_admin")],
                               full_name=LONG_NAME)
    clyde_admin = make_user("morag@clyde.example", memberships=[(s["commissioner"], "commissioner_admin")],
                            full_name="Morag Campbell", platform_admin=True)
    factories.submission(s["contract"], date(2025, 4, 1), by=s["submitter"], on=date(2025, 5, 2))
    factories.review(s["contract"], date(2025, 4, 1), "request_changes", by=clyde_admin, tasks=["delivery"],
                     comment="The hours delivered look low against the plan for April: check them, please.")
    factories.document(s["provider"], filename="a-very-long-file-name-for-the-quarterly-outcomes-evidence.pdf",
                       scan_status="not_scanned")
    factories.invitation(s["provider"], email="someone.with.a.long.address@fern-care-services.example",
                         role="finance")
    factories.dev_mail(to="someone.with.a.long.address@fern-care-services.example", subject="You are invited")
    return {**s, "provider_admin": provider_admin, "clyde_admin": clyde_admin}


def _check(page, url: str) -> None:
    page.goto(url)
    expect(page.locator("h1")).to_be_visible()
    assert_no_horizontal_scroll(page)
    check_accessibility(page)


def _header_does_not_collide(page) -> None:
    service = page.locator(".portal-header__link").bounding_box()
    account = page.locator(".portal-header__account").bounding_box()
    apart = (service["x"] + service["width"] <= account["x"] or service["y"] + service["height"] <= account["y"])
    assert apart, f"the service name {service} and the account {account} overlap"
    header = page.locator(".portal-header").bounding_box()
    assert account["y"] + account["height"] <= header["y"] + header["height"] + 1, "the account spills out"


def test_provider_pages_fit_a_phone(page, live_server, fern):
    page.set_viewport_size(NARROW)
    _sign_in(page, fern["provider_admin"].email)
    _header_does_not_collide(page)
    slug = fern["provider"].slug
    ret = factories.return_of(fern["contract"], date(2025, 4, 1))
    for url in (f"/o/{slug}/audit", f"/o/{slug}/members", f"/o/{slug}/members/invite",
                f"/o/{slug}/members/{factories.membership_id(fern['provider'], fern['submitter'])}",
                f"/o/{slug}/documents/", f"/o/{slug}/documents/upload", f"/o/{slug}/contracts/",
                f"/o/{slug}/returns/", f"/o/{slug}/search?q=care", "/account/",
                f"/o/{slug}/returns/{ret.id + 1000}"):
        _check(page, url)
    _header_does_not_collide(page)
    page.goto(f"/o/{slug}/documents/")
    page.get_by_role("link", name="a-very-long-file-name-for-the-quarterly-outcomes-evidence.pdf").click()
    expect(page.get_by_text("so this file was not checked for viruses")).to_be_visible()
    expect(page.get_by_text("SHA-256")).to_be_hidden()  # under "Technical details", closed
    assert_no_horizontal_scroll(page)
    check_accessibility(page)


def test_commissioner_and_platform_pages_fit_a_phone(page, live_server, fern):
    page.set_viewport_size(NARROW)
    _sign_in(page, fern["clyde_admin"].email)
    slug = fern["commissioner"].slug
    framework = factories.framework(fern["commissioner"], code="CLYDE", name="Clyde's own outcomes")
    message = factories.dev_mail(to="someone@clyde.example", subject="A message with a long subject line here")
    for url in (f"/o/{slug}/audit", f"/o/{slug}/contracts/", f"/o/{slug}/contracts/new", f"/o/{slug}/returns/",
                f"/o/{slug}/frameworks/", f"/o/{slug}/frameworks/new", f"/o/{slug}/frameworks/{framework.id}",
                f"/o/{slug}/frameworks/{framework.id}/measures/new", f"/o/{slug}/documents/", "/account/",
                "/admin/", "/admin/organisations/new", "/admin/mailbox", f"/admin/mailbox/{message.id}",
                "/admin/events"):
        _check(page, url)


def test_a_wide_table_scrolls_in_its_own_region_that_a_keyboard_can_reach(page, live_server, fern):
    page.set_viewport_size(NARROW)
    _sign_in(page, fern["provider_admin"].email)
    page.goto(f"/o/{fern['provider'].slug}/members")
    region = page.get_by_role("region", name="Invitations")
    expect(region).to_have_attribute("tabindex", "0")
    wide = region.evaluate("el => el.scrollWidth > el.clientWidth")
    assert wide, "at 375 px the invitations table is wider than the screen: it should scroll in its region"
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())  # the arrow keys scroll it
    assert_no_horizontal_scroll(page)


def test_an_officer_filters_the_audit_log_and_opens_the_return(page, live_server, fern):
    page.set_viewport_size(NARROW)
    _sign_in(page, fern["clyde_admin"].email)
    page.goto(f"/o/{fern['commissioner'].slug}/audit")
    entry = page.locator("li.portal-audit__entry").filter(has_text="asked for changes")
    expect(entry).to_contain_text("Status: changed from Submitted to Changes requested")
    expect(entry).to_contain_text("Sections to change: Service delivery")

    page.get_by_text("Filter by person, kind of action or date").click()
    page.get_by_label("Who").select_option(label="Morag Campbell")
    page.get_by_label("What").select_option(label="Returns reviewed")
    page.get_by_role("group", name="From").get_by_label("Day").fill("31")
    page.get_by_role("group", name="From").get_by_label("Month").fill("2")
    page.get_by_role("group", name="From").get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Filter the log").click()
    expect(page.get_by_role("alert")).to_contain_text("The start date must be a real date")
    assert page.title().startswith("Error: ")
    assert_no_horizontal_scroll(page)
    check_accessibility(page)

    page.get_by_role("group", name="From").get_by_label("Day").fill("")
    page.get_by_role("group", name="From").get_by_label("Month").fill("")
    page.get_by_role("group", name="From").get_by_label("Year").fill("")
    page.get_by_role("button", name="Filter the log").click()
    expect(page.get_by_role("heading", name="Events matching the filters")).to_be_visible()
    expect(page.locator("li.portal-audit__entry")).to_have_count(1)
    check_accessibility(page)
    page.get_by_role("link", name="the return for April 2025 (CLY-001)").click()
    expect(page).to_have_url(f"{live_server}/o/{fern['commissioner'].slug}/returns/"
                             f"{factories.return_of(fern['contract'], date(2025, 4, 1)).id}")


def test_the_header_keeps_apart_at_full_width_and_a_warm_page_is_one_request(page, live_server, fern):
    page.set_viewport_size(WIDE)
    _sign_in(page, fern["provider_admin"].email)
    _header_does_not_collide(page)
    first = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter(r => r.name.includes('/static/')).map(r => ({name: r.name, encoded: r.encodedBodySize,
                                                               decoded: r.decodedBodySize}))""")
    css = [r for r in first if r["name"].endswith(".css")]
    assert css and all(r["encoded"] < r["decoded"] for r in css), f"the stylesheet came uncompressed: {css}"
    page.get_by_role("link", name="Documents", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    warm = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter(r => r.name.includes('/static/')).map(r => ({name: r.name, transferred: r.transferSize}))""")
    assert warm, "the page loaded no static files?"
    fetched = [r["name"] for r in warm if r["transferred"] > 0]
    assert fetched == [], f"a warm page fetched these again instead of using the cache: {fetched}"
