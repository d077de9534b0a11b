"""The platform administrator creates organisations; organisation admins manage members."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import Browserless
from tests.helpers import link_in, mailbox, run_jobs

STRONG = "violet-harbour-compass-93"


def test_platform_admin_creates_an_organisation_and_invites_its_first_admin(app, web, make_user, client):
    admin = make_user("root@portal.example", platform_admin=True)
    response = web.sign_in(admin.email)
    assert response.headers["Location"].endswith("/admin/")
    response = web.post("/admin/organisations/new", {
        "name": "Clyde Care", "slug": "clyde-care", "kind": "provider", "admin_email": "boss@clyde.example"})
    assert response.status_code == 303
    assert "Clyde Care" in client.get("/admin/").get_data(as_text=True)
    run_jobs(app)
    [message] = mailbox(app, to="boss@clyde.example")
    assert "Clyde Care" in message.subject
    assert "boss@clyde.example" in client.get("/admin/mailbox").get_data(as_text=True)
    assert "/invitations/" in client.get(f"/admin/mailbox/{message.id}").get_data(as_text=True)

    newcomer = Browserless(app.test_client())
    link = link_in(message.body)
    response = newcomer.post(link, {"full_name": "Clyde Boss", "password": STRONG, "confirm_password": STRONG})
    assert response.headers["Location"].endswith("/o/clyde-care/")
    assert newcomer.client.get("/o/clyde-care/members").status_code == 200  # an administrator


def test_organisation_form_explains_bad_input_and_keeps_nothing(app, web, make_user, make_org):
    from portal.extensions import db
    from portal.tenants.models import Organisation

    make_org(slug="taken-slug")
    admin = make_user(platform_admin=True)
    web.sign_in(admin.email)
    page = web.post("/admin/organisations/new", {
        "name": "X", "slug": "Not A Slug!", "kind": "provider", "admin_email": "a@b.example"}).get_data(as_text=True)
    assert "lower-case letters" in page
    page = web.post("/admin/organisations/new", {
        "name": "X", "slug": "taken-slug", "kind": "provider", "admin_email": "a@b.example"}).get_data(as_text=True)
    assert "already taken" in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Organisation.id))) == 1


def test_admin_pages_are_hidden_from_everyone_else(web, make_user, make_org, client):
    org = make_org()
    user = make_user(memberships=[(org, "provider_admin")])
    web.sign_in(user.email)
    for url in ("/admin/", "/admin/mailbox", "/admin/organisations/new", "/admin/events"):
        assert client.get(url).status_code == 404, url


def test_admin_changes_a_role_and_removes_a_member(app, web, make_user, make_org, client):
    org = make_org()
    admin = make_user(memberships=[(org, "provider_admin")])
    staff = make_user(memberships=[(org, "submitter")])
    web.sign_in(admin.email)
    members = client.get(f"/o/{org.slug}/members").get_data(as_text=True)
    assert staff.email in members
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.models import Membership

    with app.app_context(), tenant_context(org.id):
        staff_membership = db.session.scalar(select(Membership.id).where(Membership.user_id == staff.id))
        admin_membership = db.session.scalar(select(Membership.id).where(Membership.user_id == admin.id))
    url = f"/o/{org.slug}/members/{staff_membership}"
    assert web.post(url, {"role": "finance"}).status_code == 303
    assert "Finance" in client.get(f"/o/{org.slug}/members").get_data(as_text=True)
    # The last administrator cannot step down or be removed.
    page = web.post(f"/o/{org.slug}/members/{admin_membership}", {"role": "finance"}).get_data(as_text=True)
    assert "at least one administrator" in page
    refused = web.post(f"/o/{org.slug}/members/{admin_membership}/remove", page=url)
    assert refused.status_code == 409
    assert web.post(f"/o/{org.slug}/members/{staff_membership}/remove", page=url).status_code == 303
    page = client.get(f"/o/{org.slug}/members").get_data(as_text=True)
    assert f'<td class="govuk-table__cell">{staff.email}</td>' not in page
    audit = client.get(f"/o/{org.slug}/audit").get_data(as_text=True)
    assert "changed the role of" in audit and "Role: changed from <strong>Submitter</strong> to <strong>Finance</strong>" in audit
    assert f"removed {staff.email} (finance) from the organisation" in audit


def test_demo_data_is_idempotent(app):
    from portal.dev.demo import seed_demo
    from portal.extensions import db

    with app.app_context():
        first = seed_demo()
        db.session.commit()
        second = seed_demo()
        db.session.commit()
    assert first["organisations"] == 8 and first["memberships"] == 14
    assert first["contracts"] == 7
    assert first["collaboratives"] == 1 and first["tenders"] == 2 and first["threads"] == 1 and first["awards"] == 1
    assert first["supplier_lists"] == 4  # the list, the mini-competition and the open tender's two documents
    assert second == {"organisations": 0, "users": 0, "memberships": 0, "contracts": 0, "collaboratives": 0,
                      "tenders": 0, "bids": 0, "supplier_lists": 0, "threads": 0, "awards": 0, "payment_runs": 0}
    assert first["payment_runs"] == 2  # a paid run and a draft one
    from portal.returns.models import Return
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        states, late = set(), 0
        for slug in ("riverside-care", "hillview-support", "oakfield-care", "northgate-living", "brightpath-support",
                     "lochside-care"):
            with tenant_context(get_organisation_by_slug(slug).id):
                rows = db.session.scalars(select(Return)).all()
                states |= {r.status for r in rows}
                late += sum(r.submitted_late for r in rows)
    assert states == {"draft", "submitted", "accepted", "changes_requested", "resubmitted"}
    from portal.returns.models import ReturnVersion

    with app.app_context(), tenant_context(get_organisation_by_slug("hillview-support").id):
        versions = db.session.scalars(select(ReturnVersion)).all()
        assert versions and all(v.documents and v.documents[0]["sha256"] for v in versions)
    assert late > 0
    fresh = Browserless(app.test_client())
    response = fresh.sign_in("staff@riverside-care.example", "demo-pass-2026")
    assert response.headers["Location"].endswith("/o/riverside-care/")
