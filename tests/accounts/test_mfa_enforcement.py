"""Who must use MFA (platform administrators, a commissioner's finance and procurement staff, an
organisation that requires it), what someone who has not set it up can reach, resets by
administrators, and "confirm it's you" before changing email, password or MFA."""
from __future__ import annotations

import time

import pyotp
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests import factories
from tests.conftest import PASSWORD, Browserless
from tests.helpers import link_in, mailbox, run_jobs


def _without_mfa(app, person):
    """The person as if they had never set MFA up (the factories enrol whoever must have it)."""
    from portal.accounts import mfa
    from portal.accounts.models import User
    from portal.extensions import db

    with app.app_context():
        mfa._clear(db.session.get(User, person.id))
        db.session.commit()


def _has_mfa(app, email) -> bool:
    from portal.accounts.models import User
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email)).has_mfa


def _audit(app, action, tenant_id=None):
    from portal.audit.models import AuditEvent, PlatformAuditEvent
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(tenant_id):
        model = AuditEvent if tenant_id else PlatformAuditEvent
        return list(db.session.scalars(select(model).where(model.action == action)))


def test_someone_who_must_use_mfa_reaches_only_the_set_up_page(app, client, make_org, make_user):
    org = make_org("commissioner", slug="clyde-hscp")
    person = make_user("fiona@clyde.example", memberships=[(org, "procurement")])
    before = Browserless(app.test_client())
    before.sign_in(person.email)  # an API token from before the requirement applied to them
    token = app.test_client().post("/api/v1/auth/tokens", json={"email": person.email, "password": PASSWORD,
                                                                "code": factories.totp_code(person.email)})
    _without_mfa(app, person)
    web = Browserless(client)
    signed = web.post("/sign-in", {"email": person.email, "password": PASSWORD})
    assert signed.headers["Location"].endswith("/account/mfa/set-up")
    for url in ("/o/clyde-hscp/", "/o/clyde-hscp/tenders/", "/account/", "/account/password", "/choose-organisation"):
        answer = client.get(url)
        assert answer.status_code == 303 and answer.headers["Location"].endswith("/account/mfa/set-up"), url
    page = client.get("/account/mfa/set-up").get_data(as_text=True)
    assert "procurement officer staff in" in page or "must use multi-factor" in page
    refused = client.post("/api/v1/auth/tokens", json={"email": person.email, "password": PASSWORD})
    assert refused.status_code == 403 and "set it up" in refused.get_json()["message"]
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    old = client.get("/api/v1/me", headers=bearer)
    assert old.status_code == 403 and "set it up" in old.get_json()["message"]
    # Once set up, everything answers again.
    secret = BeautifulSoup(page, "html.parser").select_one("#mfa-secret").get_text().replace(" ", "")
    assert web.post("/account/mfa/set-up", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert client.get("/o/clyde-hscp/").status_code == 200
    assert client.get("/api/v1/me", headers=bearer).status_code == 200


def test_an_organisation_admin_requires_mfa_for_everyone_audited(app, client, make_org, make_user):
    org = make_org("provider", slug="oak-care")
    admin = make_user("admin@oak.example", memberships=[(org, "provider_admin")])
    staff = make_user("staff@oak.example", memberships=[(org, "submitter")])
    web = Browserless(client)
    web.sign_in(admin.email)
    assert web.post("/o/oak-care/security", {}).status_code == 422  # nothing chosen
    assert web.post("/o/oak-care/security", {"require_mfa": "maybe"}).status_code == 422
    assert web.post("/o/oak-care/security", {"require_mfa": "yes"}).status_code == 303
    assert _audit(app, "mfa_requirement_changed", org.id)
    # The administrator is now required too: the next page asks them to set it up.
    assert client.get("/o/oak-care/members").headers["Location"].endswith("/account/mfa/set-up")
    other = Browserless(app.test_client())
    assert other.post("/sign-in", {"email": staff.email, "password": PASSWORD}).headers["Location"].endswith(
        "/account/mfa/set-up")


def test_an_organisation_admin_resets_a_members_mfa_audited_and_emailed(app, client, make_org, make_user):
    org = make_org("commissioner", slug="clyde-hscp")
    admin = make_user("admin@clyde.example", memberships=[(org, "commissioner_admin")])
    finance = make_user("fin@clyde.example", memberships=[(org, "finance")])
    platform = make_user("root@portal.example", memberships=[(org, "viewer")], platform_admin=True)
    assert _has_mfa(app, finance.email)
    web = Browserless(client)
    web.sign_in(admin.email)
    member_id = factories.membership_id(org, finance)
    assert web.post(f"/o/clyde-hscp/members/{member_id}/reset-mfa", {}).status_code == 303
    assert not _has_mfa(app, finance.email)
    assert _audit(app, "mfa_reset", org.id) and _audit(app, "mfa_reset")
    run_jobs(app)
    assert any("was reset" in m.subject for m in mailbox(app, finance.email))
    # Not a platform administrator's: only another platform administrator may.
    refused = web.post(f"/o/clyde-hscp/members/{factories.membership_id(org, platform)}/reset-mfa", {})
    assert refused.status_code == 403 and _has_mfa(app, platform.email)


def test_a_platform_admin_resets_anyones_mfa(app, client, make_user):
    root = make_user("root@portal.example", platform_admin=True)
    person = make_user("lost@oak.example")
    factories.enrol_mfa(person)
    web = Browserless(client)
    web.sign_in(root.email)
    assert web.post("/admin/reset-mfa", {"email": ""}).status_code == 422
    assert "No account" in web.post("/admin/reset-mfa", {"email": "nobody@oak.example"}).get_data(as_text=True)
    assert web.post("/admin/reset-mfa", {"email": person.email}).status_code == 303
    assert not _has_mfa(app, person.email)


def test_mfa_that_is_required_cannot_be_turned_off(app, web, make_org, make_user):
    person = make_user("fin@clyde.example", memberships=[(make_org("commissioner"), "finance")])
    web.sign_in(person.email)
    refused = web.post("/account/mfa/turn-off", {})
    assert refused.status_code == 403 and _has_mfa(app, person.email)


def _stale(client) -> None:
    """The last full authentication was more than ten minutes ago."""
    with client.session_transaction() as session:
        session["verified_at"] = time.time() - 11 * 60


def test_changes_to_password_email_and_mfa_need_a_recent_authentication(app, client, make_user):
    person = make_user("kim@oak.example")
    factories.enrol_mfa(person)
    web = Browserless(client)
    web.sign_in(person.email)
    _stale(client)
    for url in ("/account/password", "/account/email", "/account/mfa/recovery-codes", "/account/mfa/turn-off"):
        answer = client.get(url)
        assert answer.status_code == 303 and "/account/confirm" in answer.headers["Location"], url
    assert web.post("/account/mfa/turn-off", {}, page="/account/").status_code == 303 and _has_mfa(app, person.email)
    confirm = "/account/confirm?next=/account/mfa/turn-off"
    empty = web.post(confirm, {"password": "", "code": ""})
    assert empty.status_code == 422 and "Enter your password" in empty.get_data(as_text=True)
    wrong = web.post(confirm, {"password": "not-my-password-1", "code": factories.totp_code(person.email)})
    assert wrong.status_code == 422 and "password is not right" in wrong.get_data(as_text=True)
    no_code = web.post(confirm, {"password": PASSWORD, "code": "12"})
    assert no_code.status_code == 422 and "6 digits" in no_code.get_data(as_text=True)
    done = web.post(confirm, {"password": PASSWORD, "code": factories.totp_code(person.email)})
    assert done.status_code == 303 and done.headers["Location"].endswith("/account/mfa/turn-off")
    assert web.post("/account/mfa/turn-off", {}).status_code == 303 and not _has_mfa(app, person.email)


def test_changing_email_sends_a_link_to_the_new_address_and_a_notice_to_the_old(app, client, make_user):
    person = make_user("old@oak.example")
    other = make_user("taken@oak.example")
    web = Browserless(client)
    web.sign_in(person.email)
    assert web.post("/account/email", {"email": ""}).status_code == 422
    assert web.post("/account/email", {"email": "not an address"}).status_code == 422
    assert "already uses" in web.post("/account/email", {"email": other.email}).get_data(as_text=True)
    assert web.post("/account/email", {"email": "New@Oak.example"}).status_code == 200
    run_jobs(app)
    assert any("change the email address" in m.subject for m in mailbox(app, "old@oak.example"))
    link = link_in(mailbox(app, "new@oak.example")[-1].body)
    assert web.post(link, {}).status_code == 303
    assert "new@oak.example" in client.get("/account/").get_data(as_text=True)
    assert web.post(link, {}).status_code == 400  # once only
    fresh = Browserless(app.test_client())
    assert fresh.post("/sign-in", {"email": "new@oak.example", "password": PASSWORD}).status_code == 303


def test_the_demo_accounts_that_must_use_mfa_have_the_documented_secret(app, client):
    """README: the platform administrator and Glasgow's procurement and finance officers share the demo
    secret, whose current code `portal demo-code` prints; the others have no MFA."""
    from portal.accounts import mfa
    from portal.accounts.models import User
    from portal.dev.demo import DEMO_TOTP_SECRET, seed_demo
    from portal.extensions import db

    with app.app_context():
        seed_demo()
        db.session.commit()
        enrolled = {u.email: mfa.decrypt_secret(u.mfa_secret) for u in db.session.scalars(select(User)) if u.has_mfa}
    assert enrolled == {email: DEMO_TOTP_SECRET for email in (
        "admin@portal.example", "procurement@glasgow-hscp.example", "finance@glasgow-hscp.example")}
    web = Browserless(client)
    step = web.post("/sign-in", {"email": "finance@glasgow-hscp.example", "password": "demo-pass-2026"})
    assert step.headers["Location"].endswith("/sign-in/code")
    done = web.post("/sign-in/code", {"code": pyotp.TOTP(DEMO_TOTP_SECRET).now()})
    assert done.status_code == 303 and client.get("/o/glasgow-hscp/").status_code == 200
