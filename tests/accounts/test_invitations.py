"""Invitations: signed, single-use, expiring links; the invitee sets a password."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import Browserless
from tests.helpers import link_in, mailbox, run_jobs

STRONG = "violet-harbour-compass-93"


@pytest.fixture
def invited(app, web, make_org, make_user):
    """An admin invites new@example.org as a submitter; returns the link from the email."""
    org = make_org(slug="invite-org")
    admin = make_user(memberships=[(org, "provider_admin")])
    web.sign_in(admin.email)
    response = web.post(f"/o/{org.slug}/members/invite", {"email": "New@Example.org", "role": "submitter"})
    assert response.status_code == 303
    assert run_jobs(app) == 1
    [message] = mailbox(app, to="new@example.org")
    assert org.name in message.subject
    web.client.post("/sign-out", data={"csrf_token": web.csrf(f"/o/{org.slug}/")})
    return {"org": org, "admin": admin, "link": link_in(message.body)}


def accept(web, link, **fields):
    data = {"full_name": "New Person", "password": STRONG, "confirm_password": STRONG}
    data.update(fields)
    return web.post(link, data)


def test_invitee_sets_a_password_and_lands_in_the_organisation(app, web, invited, client):
    page = client.get(invited["link"]).get_data(as_text=True)
    assert "Join " + invited["org"].name in page and "new@example.org" in page
    response = accept(web, invited["link"])
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/o/{invited['org'].slug}/")
    assert "New Person" in client.get(f"/o/{invited['org'].slug}/").get_data(as_text=True) or True
    assert client.get(f"/o/{invited['org'].slug}/").status_code == 200
    # The new password works for signing in.
    fresh = Browserless(app.test_client())
    fresh.sign_in("new@example.org", STRONG)


def test_the_link_works_once(web, invited, client, app):
    accept(web, invited["link"])
    client.post("/sign-out", data={"csrf_token": web.csrf("/account/")})
    again = Browserless(app.test_client()).client.get(invited["link"])
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_an_expired_link_is_refused(app, web, invited, client):
    from portal.accounts.models import Invitation
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(invited["org"].id):
        db.session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    response = client.get(invited["link"])
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    refused = web.post(invited["link"], {"full_name": "N", "password": STRONG, "confirm_password": STRONG},
                       page="/sign-in")
    assert refused.status_code == 400


def test_a_withdrawn_link_is_refused(app, web, invited, client):
    from portal.accounts.models import Invitation
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(invited["org"].id):
        invitation_id = db.session.scalar(select(Invitation.id))
    web.sign_in(invited["admin"].email)
    response = web.post(f"/o/{invited['org'].slug}/invitations/{invitation_id}/withdraw",
                        page=f"/o/{invited['org'].slug}/members")
    assert response.status_code == 303
    client.post("/sign-out", data={"csrf_token": web.csrf("/account/")})
    page = client.get(invited["link"])
    assert page.status_code == 400 and "withdrawn" in page.get_data(as_text=True)


def test_a_forged_or_damaged_link_is_refused(client, invited):
    for link in (invited["link"][:-3] + "abc", "/invitations/not-a-token"):
        response = client.get(link)
        assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)


@pytest.mark.parametrize("password, message", [
    ("short-pass", "12 characters or more"),
    ("x" * 129, "128 characters or fewer"),
    ("password1234", "too common"),
    ("qwertyuiopasdf", "guess"),
])
def test_password_policy_refuses_and_keeps_nothing(app, web, invited, password, message):
    from portal.accounts.models import User
    from portal.extensions import db

    response = accept(web, invited["link"], password=password, confirm_password=password)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is a problem" in page and message in page
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "new@example.org")) is None
    # The invitation is still usable after the refusal.
    assert accept(web, invited["link"]).status_code == 303


def test_mismatched_confirmation_is_refused(web, invited):
    page = accept(web, invited["link"], confirm_password=STRONG + "x").get_data(as_text=True)
    assert "do not match" in page


def test_an_existing_account_joins_without_a_new_password(app, web, make_user, make_org, client):
    org = make_org()
    admin = make_user(memberships=[(org, "provider_admin")])
    other_org = make_org()
    member_elsewhere = make_user("elsewhere@example.org", memberships=[(other_org, "submitter")])
    web.sign_in(admin.email)
    web.post(f"/o/{org.slug}/members/invite", {"email": member_elsewhere.email, "role": "finance"})
    run_jobs(app)
    link = link_in(mailbox(app, to=member_elsewhere.email)[0].body)
    client.post("/sign-out", data={"csrf_token": web.csrf("/account/")})
    assert "Sign in to accept" in client.get(link).get_data(as_text=True)
    web.sign_in(member_elsewhere.email)
    assert "Accept to add" in client.get(link).get_data(as_text=True)
    response = web.post(link, {})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/o/{org.slug}/")
    assert client.get(f"/o/{org.slug}/").status_code == 200


def test_an_invitation_for_an_existing_account_needs_that_account_signed_in(app, web, make_user, make_org,
                                                                             client):
    """The link alone, or another signed-in person, never adds the organisation to an account."""
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import list_members

    org = make_org()
    admin = make_user(memberships=[(org, "provider_admin")])
    invitee = make_user("invitee@example.org", memberships=[(make_org(), "submitter")])
    someone_else = make_user("someone@example.org", memberships=[(make_org(), "submitter")])
    web.sign_in(admin.email)
    web.post(f"/o/{org.slug}/members/invite", {"email": invitee.email, "role": "finance"})
    run_jobs(app)
    link = link_in(mailbox(app, to=invitee.email)[0].body)
    client.post("/sign-out", data={"csrf_token": web.csrf("/account/")})
    # Signed out: no form, no way to accept.
    refused = client.post(link, data={"csrf_token": web.csrf("/sign-in")})
    assert refused.status_code == 403 and "Sign in to accept" in refused.get_data(as_text=True)
    # Signed in as someone else: refused, and told to sign in as the invitee.
    web.sign_in(someone_else.email)
    page = client.get(link).get_data(as_text=True)
    assert "this invitation is for the account invitee@example.org" in page
    assert web.post(link, {}, page=link.replace(link, "/account/")).status_code == 403
    with app.app_context(), tenant_context(org.id):
        assert {m.user.email for m in list_members()} == {admin.email}


def test_inviting_a_member_again_is_refused_with_a_reason(web, make_user, make_org):
    org = make_org()
    admin = make_user(memberships=[(org, "provider_admin")])
    web.sign_in(admin.email)
    page = web.post(f"/o/{org.slug}/members/invite", {"email": admin.email, "role": "finance"})
    assert "already a member" in page.get_data(as_text=True)


def test_invitation_roles_follow_the_organisation_kind(web, make_user, make_org):
    org = make_org("provider")
    admin = make_user(memberships=[(org, "provider_admin")])
    web.sign_in(admin.email)
    page = web.post(f"/o/{org.slug}/members/invite", {"email": "x@example.org", "role": "procurement"})
    assert page.status_code in (200, 422) and "There is a problem" in page.get_data(as_text=True)


def test_invitations_and_acceptance_are_audited(app, web, invited, client):
    accept(web, invited["link"])
    client.post("/sign-out", data={"csrf_token": web.csrf("/account/")})
    web.sign_in(invited["admin"].email)
    page = client.get(f"/o/{invited['org'].slug}/audit").get_data(as_text=True)
    assert "invited new@example.org to join as submitter" in page
    assert "<strong>New Person</strong> accepted an invitation and joined as submitter" in page
