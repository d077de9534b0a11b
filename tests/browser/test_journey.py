"""End-to-end journeys in headless Chromium, with an axe check on every page visited."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import answer_code_if_asked, check_accessibility
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "violet-harbour-compass-93"


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    answer_code_if_asked(page, email)


def sign_out(page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Portal")
    expect(page.get_by_text("You have signed out")).to_be_visible()


def run_queued_jobs(app) -> None:
    """Run every job waiting in the portal's RQ queues, here and now, then fail if any failed."""
    from tests.helpers import queued, queues, run_jobs

    assert queued() > 0, "no job was queued"
    run_jobs(app)
    for queue in queues():
        failed = queue.failed_job_registry
        assert failed.count == 0, [queue.fetch_job(job_id).exc_info for job_id in failed.get_job_ids()]


def mailed_link(app, to: str, base_url: str) -> str:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.notifications.models import DevMailboxMessage

    with app.app_context():
        bodies = list(db.session.scalars(select(DevMailboxMessage.body).where(DevMailboxMessage.to_address == to)))
        db.session.rollback()
    assert len(bodies) == 1, f"expected one email to {to}, found {len(bodies)}"
    match = re.search(r"http://testserver/\S+", bodies[0])
    assert match, f"no link in the email:\n{bodies[0]}"
    return base_url + match.group(0).removeprefix("http://testserver")


def test_invite_a_colleague_who_joins_and_signs_in(app, live_server, page, make_org, make_user):
    org = make_org("provider", slug="riverside-care", name="Riverside Care")
    admin = make_user("admin@riverside.example", memberships=[(org, "provider_admin")], full_name="Ada Admin")
    invitee = "sam@riverside.example"

    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Portal")
    check_accessibility(page)

    sign_in(page, admin.email)
    expect(page).to_have_url(f"{live_server}/o/riverside-care/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Care")
    expect(page.get_by_text(f"You are signed in as {admin.email}, organisation administrator.")).to_be_visible()
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))  # the CSP lets the page's script run
    check_accessibility(page)

    page.get_by_role("link", name="Members", exact=True).click()
    expect(page).to_have_url(f"{live_server}/o/riverside-care/members")
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    expect(page.get_by_role("cell", name=admin.email, exact=True)).to_be_visible()
    check_accessibility(page)

    page.get_by_role("button", name="Invite someone").click()  # a link styled as a button
    expect(page).to_have_url(f"{live_server}/o/riverside-care/members/invite")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite someone to Riverside Care")
    check_accessibility(page)

    # An email address that is not one: the error summary names the problem and links to the field.
    page.get_by_label("Email address").fill("sam-at-riverside")
    page.get_by_role("radio", name="Submitter").check()
    page.get_by_role("button", name="Send invitation").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link", name=re.compile("Enter an email address in the correct format"))) \
        .to_have_attribute("href", "#email")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("#email-error")).to_contain_text("Enter an email address in the correct format")
    expect(page.get_by_role("radio", name="Submitter")).to_be_checked()
    check_accessibility(page)

    page.get_by_label("Email address").fill(invitee)
    page.get_by_role("radio", name="Submitter").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page).to_have_url(f"{live_server}/o/riverside-care/members")
    expect(page.get_by_text(f"Invitation sent to {invitee}")).to_be_visible()
    invitation_row = page.get_by_role("row").filter(has_text=invitee)
    expect(invitation_row).to_contain_text("Submitter")
    expect(invitation_row).to_contain_text("Pending")
    check_accessibility(page)

    run_queued_jobs(app)
    link = mailed_link(app, invitee, live_server)

    sign_out(page)
    check_accessibility(page)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Riverside Care")
    expect(page.get_by_text(f"You have been invited as {invitee}")).to_be_visible()
    check_accessibility(page)

    page.get_by_label("Full name").fill("Sam Submitter")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Accept invitation").click()
    expect(page).to_have_url(f"{live_server}/o/riverside-care/")
    expect(page.get_by_text("Welcome to Riverside Care")).to_be_visible()
    expect(page.get_by_text(f"You are signed in as {invitee}, submitter.")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Sam Submitter")
    # A submitter is not an administrator: no Members page in the navigation.
    expect(page.get_by_role("link", name="Members", exact=True)).to_have_count(0)
    check_accessibility(page)

    sign_out(page)
    check_accessibility(page)

    # The link works once; the new password works for signing in again.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Join Riverside Care")
    sign_in(page, invitee, NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server}/o/riverside-care/")


def test_sign_in_and_out_without_javascript(browser, live_server, make_org, make_user):
    org = make_org("provider", slug="no-script-care", name="No Script Care")
    user = make_user(memberships=[(org, "provider_admin")])
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_in(page, user.email)
        expect(page).to_have_url(f"{live_server}/o/no-script-care/")
        expect(page.get_by_role("heading", level=1)).to_have_text("No Script Care")
        expect(page.get_by_text(f"You are signed in as {user.email}")).to_be_visible()
        expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))  # scripts really are off
        # (axe cannot run here: page.evaluate never returns in a context with JavaScript disabled)
        sign_out(page)
    finally:
        context.close()


def test_account_and_choose_organisation_pages(live_server, page, make_org, make_user):
    provider = make_org("provider", slug="hillside-care", name="Hillside Care")
    council = make_org("commissioner", slug="north-council", name="North Council")
    # A viewer at the council who submits for the provider: one role that uses the API is enough for tokens.
    user = make_user(memberships=[(provider, "submitter"), (council, "viewer")], full_name="Morgan Two-Hats")

    sign_in(page, user.email)
    expect(page).to_have_url(f"{live_server}/choose-organisation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose an organisation")
    expect(page.get_by_role("link", name="Hillside Care")).to_be_visible()
    expect(page.get_by_role("link", name="North Council")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="North Council").click()
    expect(page).to_have_url(f"{live_server}/o/north-council/")
    expect(page.get_by_text(f"You are signed in as {user.email}, viewer.")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("banner").get_by_role("link", name="Morgan Two-Hats").click()
    expect(page).to_have_url(f"{live_server}/account/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text(user.email)).to_be_visible()
    check_accessibility(page)

    # The error state of the token form, and a token created (for one organisation, read only).
    page.get_by_role("link", name="Manage your API tokens").click()
    expect(page).to_have_url(f"{live_server}/account/tokens/")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the token")
    check_accessibility(page)
    page.get_by_label("Name for this token").fill("finance system")
    organisations = page.get_by_role("group", name="Which organisation is it for?")
    if organisations.count():  # asked only of someone whose roles use the API in several organisations
        organisations.get_by_role("radio").first.check()
    page.get_by_role("group", name="What may it do?").get_by_role("radio").first.check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Token created")).to_be_visible()
    expect(page.get_by_role("cell", name="finance system", exact=True)).to_be_visible()
    check_accessibility(page)
