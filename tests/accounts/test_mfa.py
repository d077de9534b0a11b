"""Multi-factor authentication: setting it up, signing in with a code or a recovery code, no half
signed-in state, codes used once, password reset cannot bypass it, the API's token exchange."""
from __future__ import annotations

import re

import pyotp
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests import factories
from tests.conftest import PASSWORD, Browserless
from tests.helpers import link_in, mailbox, run_jobs


def _user_row(app, email):
    from portal.accounts.models import MfaRecoveryCode, User
    from portal.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        codes = list(db.session.scalars(select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id)))
        db.session.expunge_all()
        return user, codes


def _platform_events(app, action):
    from portal.audit.models import PlatformAuditEvent
    from portal.extensions import db

    with app.app_context():
        return list(db.session.scalars(select(PlatformAuditEvent).where(PlatformAuditEvent.action == action)))


def _set_up(web, email) -> tuple[str, list[str]]:
    """Set MFA up from the account pages; the secret and the recovery codes shown."""
    page = web.client.get("/account/mfa/set-up")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert soup.select_one(".portal-qr svg") is not None, "no QR code drawn on the server"
    secret = soup.select_one("#mfa-secret").get_text().replace(" ", "")
    done = web.post("/account/mfa/set-up", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.get_data(as_text=True)[:2000]
    codes = [c.get_text() for c in BeautifulSoup(done.get_data(as_text=True), "html.parser")
             .select(".portal-recovery-codes code")]
    return secret, codes


def test_setting_up_mfa_stores_the_secret_encrypted_and_the_codes_hashed(app, web, make_user):
    user = make_user("ruth@oak.example")
    web.sign_in(user.email)
    page = web.client.get("/account/mfa/set-up").get_data(as_text=True)
    for nonsense, message in (("", "Enter the 6-digit code"), ("12ab56", "Enter the code as 6 digits"),
                              ("000000", "The code is not right")):
        refused = web.post("/account/mfa/set-up", {"code": nonsense})
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), nonsense
        assert not _user_row(app, user.email)[0].has_mfa  # nothing half-written
    assert "Set up multi-factor authentication" in page
    secret, codes = _set_up(web, user.email)
    assert len(codes) == 10 and len(set(codes)) == 10 and all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}", c)
                                                              for c in codes)
    row, stored = _user_row(app, user.email)
    assert row.has_mfa and secret not in row.mfa_secret and len(stored) == 10
    assert not any(code.replace("-", "") in s.code_hash for code in codes for s in stored)
    assert _platform_events(app, "mfa_enabled")


def test_sign_in_asks_for_the_code_and_no_page_answers_before_it(app, client, make_user, make_org):
    org = make_org("provider", slug="oak-care")
    user = make_user("sam@oak.example", memberships=[(org, "submitter")])
    factories.enrol_mfa(user)
    web = Browserless(client)
    first = web.post("/sign-in", {"email": user.email, "password": PASSWORD})
    assert first.status_code == 303 and first.headers["Location"].endswith("/sign-in/code")
    for url in ("/o/oak-care/", "/account/", "/account/mfa", "/choose-organisation"):  # half signed in
        assert client.get(url).status_code in (302, 303), url
        assert "/sign-in" in client.get(url).headers["Location"], url
    assert client.get("/api/v1/me").status_code == 401
    for nonsense, message in (("", "Enter the 6-digit code"), ("abcdef", "Enter the code as 6 digits"),
                              ("000000", "The code is not right")):
        refused = web.post("/sign-in/code", {"code": nonsense})
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
        assert client.get("/account/").status_code != 200
    code = factories.totp_code(user.email)
    done = web.post("/sign-in/code", {"code": code})
    assert done.status_code == 303 and done.headers["Location"].endswith("/o/oak-care/")
    assert client.get("/o/oak-care/").status_code == 200
    # The same code does not sign in a second time (its time step is remembered).
    web.post("/sign-out", {}, page="/account/")
    web.post("/sign-in", {"email": user.email, "password": PASSWORD})
    replay = web.post("/sign-in/code", {"code": code})
    assert replay.status_code == 422 and "already been used" in replay.get_data(as_text=True)
    assert client.get("/account/").status_code != 200


def test_a_recovery_code_signs_in_once_and_is_audited_and_emailed(app, client, make_user):
    user = make_user("lee@oak.example")
    web = Browserless(client)
    web.sign_in(user.email)
    _secret, codes = _set_up(web, user.email)
    web.post("/sign-out", {}, page="/account/")
    run_jobs(app)
    before = len(mailbox(app, user.email))
    web.post("/sign-in", {"email": user.email, "password": PASSWORD})
    assert web.post("/sign-in/recovery-code", {"recovery_code": ""}).status_code == 422
    assert "12 letters" in web.post("/sign-in/recovery-code", {"recovery_code": "nonsense"}).get_data(as_text=True)
    assert web.post("/sign-in/recovery-code", {"recovery_code": codes[0].upper().replace("-", " ")}).status_code == 303
    assert client.get("/account/").status_code == 200
    run_jobs(app)
    mails = mailbox(app, user.email)[before:]
    assert any("recovery code was used" in m.subject and "9 recovery codes left" in m.body for m in mails)
    assert _platform_events(app, "mfa_recovery_code_used")
    web.post("/sign-out", {}, page="/account/")
    web.post("/sign-in", {"email": user.email, "password": PASSWORD})
    again = web.post("/sign-in/recovery-code", {"recovery_code": codes[0]})
    assert again.status_code == 422 and "already been used" in again.get_data(as_text=True)


def test_a_password_reset_neither_signs_in_nor_removes_mfa(app, client, make_user):
    user = make_user("kim@oak.example")
    factories.enrol_mfa(user)
    web = Browserless(client)
    web.post("/password/forgot", {"email": user.email})
    run_jobs(app)
    link = link_in(mailbox(app, user.email)[-1].body)
    new_password = "violet-harbour-compass-93"
    reset = web.post(link, {"password": new_password, "confirm_password": new_password})
    assert reset.status_code == 303 and reset.headers["Location"].endswith("/sign-in")
    assert client.get("/account/").status_code != 200  # the reset signed nobody in
    assert _user_row(app, user.email)[0].has_mfa
    step = web.post("/sign-in", {"email": user.email, "password": new_password})
    assert step.headers["Location"].endswith("/sign-in/code")
    assert client.get("/account/").status_code != 200


def test_a_reset_between_the_two_steps_ends_the_half_finished_sign_in(app, client, make_user):
    user = make_user("jo@oak.example")
    factories.enrol_mfa(user)
    web = Browserless(client)
    web.post("/sign-in", {"email": user.email, "password": PASSWORD})
    other = Browserless(app.test_client())
    other.post("/password/forgot", {"email": user.email})
    run_jobs(app)
    new_password = "violet-harbour-compass-93"
    other.post(link_in(mailbox(app, user.email)[-1].body), {"password": new_password, "confirm_password": new_password})
    late = web.post("/sign-in/code", {"code": factories.totp_code(user.email)}, page="/sign-in")
    assert late.status_code == 303 and late.headers["Location"].endswith("/sign-in")
    assert client.get("/account/").status_code != 200


def test_the_api_token_exchange_needs_the_code_of_a_person_with_mfa(app, client, make_org, make_user):
    user = make_user("api@oak.example", memberships=[(make_org("provider"), "finance")])
    factories.enrol_mfa(user)
    body = {"email": user.email, "password": PASSWORD}
    missing = client.post("/api/v1/auth/tokens", json=body)
    assert missing.status_code == 422 and "code" in missing.get_json()["errors"]
    wrong = client.post("/api/v1/auth/tokens", json={**body, "code": "000000"})
    assert wrong.status_code == 401
    right = client.post("/api/v1/auth/tokens", json={**body, "code": factories.totp_code(user.email)})
    assert right.status_code == 201 and right.get_json()["token"].startswith("pt_")
