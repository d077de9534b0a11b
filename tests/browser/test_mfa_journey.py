"""Multi-factor authentication in Chromium: set it up (QR code drawn on the server, the key as text),
sign out, sign in with a code, then with a recovery code; axe on every page."""
from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _password_step(page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _forget_used_step(app, email: str) -> None:
    """As if the next 30-second step had come: a code is accepted once per step (see factories.totp_code)."""
    from tests import factories

    factories.totp_code(email)


def test_set_up_mfa_then_sign_in_with_a_code_and_with_a_recovery_code(app, page, make_org, make_user):
    org = make_org("provider", slug="oak-care", name="Oak Care")
    make_user("sam@oak.example", memberships=[(org, "submitter")], full_name="Sam Lee")
    page.set_viewport_size({"width": 1280, "height": 900})
    _password_step(page, "sam@oak.example")
    expect(page).to_have_url(re.compile(r"/o/oak-care/$"))

    page.get_by_role("link", name=re.compile("Sam Lee")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    check_accessibility(page)
    page.get_by_role("link", name=re.compile("Manage.*multi-factor")).click()
    check_accessibility(page)
    page.get_by_role("link", name="Set up multi-factor authentication").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check_accessibility(page)
    page.screenshot(path="/tmp/auth_mfa_setup_1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path="/tmp/auth_mfa_setup_375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    # A wrong code is refused with the error summary; the right one turns MFA on.
    page.get_by_label("Code from your app").fill("000000")
    page.get_by_role("button", name="Turn on MFA").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is not right")
    check_accessibility(page)
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on MFA").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.locator(".portal-recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    check_accessibility(page)
    page.screenshot(path="/tmp/auth_recovery_codes_1280.png", full_page=True)

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    _password_step(page, "sam@oak.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your authenticator app")
    check_accessibility(page)
    page.screenshot(path="/tmp/auth_code_1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path="/tmp/auth_code_375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/o/oak-care/")  # half signed in: no page answers
    expect(page).to_have_url(re.compile(r"/sign-in"))
    page.goto("/sign-in/code")
    _forget_used_step(app, "sam@oak.example")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/o/oak-care/$"))

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    _password_step(page, "sam@oak.example")
    page.get_by_role("link", name="Use a recovery code").click()
    check_accessibility(page)
    page.get_by_label("Recovery code").fill("not-a-code")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("12 letters and digits")
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/o/oak-care/$"))


def test_someone_who_must_use_mfa_is_taken_to_set_it_up(app, page, make_org, make_user):
    from portal.accounts import mfa
    from portal.accounts.models import User
    from portal.extensions import db

    org = make_org("commissioner", slug="clyde-hscp", name="Clyde HSCP")
    person = make_user("fiona@clyde.example", memberships=[(org, "finance")], full_name="Fiona Reid")
    with app.app_context():
        mfa._clear(db.session.get(User, person.id))  # as if they had never set it up
        db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 900})
    _password_step(page, person.email)
    expect(page).to_have_url(re.compile(r"/account/mfa/set-up$"))
    expect(page.locator(".govuk-inset-text")).to_contain_text("finance staff in Clyde HSCP must use it")
    page.goto("/o/clyde-hscp/")
    expect(page).to_have_url(re.compile(r"/account/mfa/set-up$"))
    check_accessibility(page)
