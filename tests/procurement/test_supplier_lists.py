"""Approved supplier lists: the procurement team keeps lists and their members with dates (pages,
API, audit); a provider reads only its own memberships, in pages, the API and the database."""
from __future__ import annotations

from datetime import date, timedelta

import psycopg
import pytest
from sqlalchemy import func, select

from tests import factories

TODAY = date.today()


def _day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def lists_market(app):
    """Glasgow (procurement officer, viewer), Aberdeen (admin), and three providers with staff."""
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    aberdeen = factories.organisation("commissioner", slug="aberdeen-hscp", name="Aberdeen City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    oak = factories.organisation("provider", slug="oak-care", name="Oak Care")
    elm = factories.organisation("provider", slug="elm-care", name="Elm Care")
    return {"glasgow": glasgow, "aberdeen": aberdeen, "fern": fern, "oak": oak, "elm": elm,
            "officer": factories.user("officer@glasgow.example", memberships=[(glasgow, "procurement")]),
            "viewer": factories.user("viewer@glasgow.example", memberships=[(glasgow, "viewer")]),
            "aberdeen_admin": factories.user("admin@aberdeen.example", memberships=[(aberdeen, "commissioner_admin")]),
            "fern_staff": factories.user("staff@fern.example", memberships=[(fern, "submitter")]),
            "oak_staff": factories.user("staff@oak.example", memberships=[(oak, "provider_admin")])}


def _list_form(**changes) -> dict:
    data = {"name": "Care at home approved providers", "description": "Approved after the 2026 tender.",
            "service_type": "care_at_home", "starts_on": _day(TODAY - timedelta(days=30)), "ends_on": ["", "", ""]}
    data.update(changes)
    return data


def _audit(app, org_id: int) -> list[str]:
    from portal.audit.models import AuditEvent
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org_id):
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        db.session.rollback()
        return actions


def _count(app, org_id: int, model) -> int:
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org_id):
        found = db.session.scalar(select(func.count()).select_from(model))
        db.session.rollback()
        return found


def test_the_procurement_team_keeps_a_list_and_its_members(app, web, client, lists_market):
    from portal.procurement.supplier_list_models import SupplierListMember

    m = lists_market
    web.sign_in(m["officer"].email)
    assert "Create a list" in client.get("/o/glasgow-hscp/supplier-lists/").get_data(as_text=True)
    created = web.post("/o/glasgow-hscp/supplier-lists/new", _list_form())
    assert created.status_code == 303, created.get_data(as_text=True)[:2000]
    url = created.headers["Location"]
    list_id = int(url.rstrip("/").rsplit("/", 1)[-1])
    for provider, starts in (("fern-care", TODAY - timedelta(days=10)), ("oak-care", TODAY + timedelta(days=5))):
        added = web.post(f"{url}/members/new", {"provider": provider, "starts_on": _day(starts),
                                                "ends_on": _day(TODAY + timedelta(days=300))})
        assert added.status_code == 303, added.get_data(as_text=True)[:2000]
    page = client.get(url).get_data(as_text=True)
    assert "Fern Care" in page and "Oak Care" in page and "Starts later" in page and "Member" in page
    listed = client.get("/o/glasgow-hscp/supplier-lists/").get_data(as_text=True)
    assert "Care at home approved providers" in listed
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in listed  # Oak starts later

    members = {m_.provider.slug: m_ for m_ in _members(app, m["glasgow"].id, list_id)}
    changed = web.post(f"{url}/members/{members['oak-care'].id}/edit",
                       {"starts_on": _day(TODAY), "ends_on": ["", "", ""]})
    assert changed.status_code == 303, changed.get_data(as_text=True)[:2000]
    removed = web.post(f"{url}/members/{members['fern-care'].id}/remove", {"reason": "Did not renew insurance."})
    assert removed.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "Removed" in page and "Did not renew insurance." in page
    assert "Change dates<span class=\"govuk-visually-hidden\"> of Fern Care" not in page  # removed: no actions
    # Fern can be added again: a new membership, the removed one kept.
    again = web.post(f"{url}/members/new", {"provider": "fern-care", "starts_on": _day(TODAY), "ends_on": ["", "", ""]})
    assert again.status_code == 303
    assert _count(app, m["glasgow"].id, SupplierListMember) == 3
    edited = web.post(f"{url}/edit", _list_form(name="Care at home approved providers 2026",
                                                ends_on=_day(TODAY + timedelta(days=900))))
    assert edited.status_code == 303, edited.get_data(as_text=True)[:2000]
    assert _audit(app, m["glasgow"].id) == [
        "supplier_list_created", "supplier_list_member_added", "supplier_list_member_added",
        "supplier_list_member_changed", "supplier_list_member_removed", "supplier_list_member_added",
        "supplier_list_changed"]
    # A viewer reads the lists but changes nothing; another commissioner does not even see them.
    web.sign_in(m["viewer"].email)
    assert client.get(url).status_code == 200
    assert "Add a provider" not in client.get(url).get_data(as_text=True)
    assert client.get(f"{url}/edit").status_code == 403
    web.sign_in(m["aberdeen_admin"].email)
    assert client.get(f"/o/aberdeen-hscp/supplier-lists/{list_id}").status_code == 404
    assert "Care at home approved" not in client.get("/o/aberdeen-hscp/supplier-lists/").get_data(as_text=True)


def _members(app, org_id: int, list_id: int):
    from portal.extensions import db
    from portal.procurement.supplier_list_models import SupplierListMember
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org_id):
        rows = list(db.session.scalars(select(SupplierListMember).where(SupplierListMember.list_id == list_id)))
        for row in rows:
            row.provider  # noqa: B018  (loaded before the session closes)
            db.session.expunge(row)
        return rows


def test_a_provider_reads_its_own_memberships_and_nothing_else(app, web, client, api_token, lists_market):
    m = lists_market
    approved = factories.supplier_list(m["glasgow"], name="Glasgow care at home", members=[m["fern"], m["oak"]])
    other = factories.supplier_list(m["glasgow"], name="Glasgow day services", service_type="day_opportunities",
                                    members=[m["oak"]])
    fern_row = next(r for r in _members(app, m["glasgow"].id, approved.id) if r.provider.slug == "fern-care")
    oak_row = next(r for r in _members(app, m["glasgow"].id, approved.id) if r.provider.slug == "oak-care")
    web.sign_in(m["fern_staff"].email)
    page = client.get("/o/fern-care/supplier-lists/").get_data(as_text=True)
    assert "Glasgow care at home" in page and "Glasgow City HSCP" in page and "Glasgow day services" not in page
    shown = client.get(f"/o/fern-care/supplier-lists/{approved.id}").get_data(as_text=True)
    assert "Your membership" in shown and "Fern Care" in shown and "Oak Care" not in shown
    assert client.get(f"/o/fern-care/supplier-lists/{other.id}").status_code == 404
    assert client.get(f"/o/fern-care/supplier-lists/{approved.id}/members/{oak_row.id}/edit").status_code == 404
    assert client.get(f"/o/fern-care/supplier-lists/{approved.id}/members/{fern_row.id}/remove").status_code == 404
    assert client.get("/o/fern-care/supplier-lists/new").status_code == 404  # a provider keeps no lists
    headers = {"Authorization": f"Bearer {api_token(m['fern_staff'].email)}"}
    body = client.get("/api/v1/supplier-lists", headers=headers).get_json()
    assert [(item["name"], [row["provider"]["slug"] for row in item["members"]]) for item in body] == [
        ("Glasgow care at home", ["fern-care"])]
    assert body[0]["members"][0]["status"] == "current"
    assert client.get(f"/api/v1/supplier-lists/{other.id}", headers=headers).status_code == 404
    refused = client.post(f"/api/v1/supplier-lists/{approved.id}/members", headers=headers,
                          json={"provider": "elm-care", "starts_on": TODAY.isoformat()})
    assert refused.status_code == 404  # a provider has no such route


def test_the_database_shows_a_provider_its_own_rows_only(app, services, lists_market):
    m = lists_market
    approved = factories.supplier_list(m["glasgow"], name="Glasgow care at home", members=[m["fern"], m["oak"]])
    factories.supplier_list(m["glasgow"], name="Glasgow day services", service_type="day_opportunities")
    plain = services.urls["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        assert conn.execute("select count(*) from supplier_lists").fetchone()[0] == 0  # no organisation set
        conn.rollback()
        conn.execute("select set_config('app.org_id', %s, true)", (str(m["fern"].id),))
        assert [r[0] for r in conn.execute("select name from supplier_lists")] == ["Glasgow care at home"]
        assert {r[0] for r in conn.execute("select provider_id from supplier_list_members")} == {m["fern"].id}
        assert conn.execute("update supplier_list_members set ends_on = starts_on").rowcount == 0  # read only
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into supplier_list_members (tenant_id, list_id, provider_id, starts_on, "
                         "removed_reason, created_at) values (%s, %s, %s, current_date, '', now())",
                         (m["glasgow"].id, approved.id, m["fern"].id))
        conn.rollback()
        conn.execute("select set_config('app.org_id', %s, true)", (str(m["elm"].id),))
        assert conn.execute("select count(*) from supplier_lists").fetchone()[0] == 0
        assert conn.execute("select count(*) from supplier_list_members").fetchone()[0] == 0
        conn.rollback()
        conn.execute("select set_config('app.org_id', %s, true)", (str(m["glasgow"].id),))
        assert conn.execute("select count(*) from supplier_list_members").fetchone()[0] == 2
        assert conn.execute("select count(*) from supplier_lists").fetchone()[0] == 2
        conn.rollback()


def test_every_list_form_answers_empty_and_nonsense_input_and_keeps_nothing(app, web, client, lists_market):
    from portal.procurement.supplier_list_models import SupplierList, SupplierListMember

    m = lists_market
    web.sign_in(m["officer"].email)
    base = "/o/glasgow-hscp/supplier-lists"
    for changes, message in (
            ({"name": ""}, "Enter the name of the list"),
            ({"name": "x" * 201}, "The name must be 200 characters or fewer"),
            ({"service_type": ""}, "Choose the type of service the list is for"),
            ({"service_type": "spaceships"}, "Choose the type of service the list is for"),
            ({"starts_on": ["", "", ""]}, "Enter the first day of the list as a real date"),
            ({"starts_on": ["31", "2", "2026"]}, "Enter the first day of the list as a real date"),
            ({"starts_on": ["1", "1", "9999"]}, "Enter the day the list starts between 2000 and 2099"),
            ({"ends_on": ["x", "y", "z"]}, "Enter the last day of the list (optional) as a real date"),
            ({"ends_on": _day(TODAY - timedelta(days=60))}, "The last day of the list must be on or after its first")):
        answer = web.post(f"{base}/new", _list_form(**changes), page=f"{base}/new")
        text = answer.get_data(as_text=True)
        assert answer.status_code == 422, (changes, answer.status_code)
        assert "govuk-error-summary" in text and message in text, (changes, text[:300])
    assert _count(app, m["glasgow"].id, SupplierList) == 0
    approved = factories.supplier_list(m["glasgow"], name="Glasgow care at home", members=[m["fern"]])
    duplicate = web.post(f"{base}/new", _list_form(name="glasgow CARE at home"), page=f"{base}/new")
    assert duplicate.status_code == 409 and "You already have a list called" in duplicate.get_data(as_text=True)

    url = f"{base}/{approved.id}"
    for data, message in (
            ({"provider": "", "starts_on": _day(TODAY)}, "Choose the provider to add"),
            ({"provider": "glasgow-hscp", "starts_on": _day(TODAY)}, "Choose the provider to add"),
            ({"provider": "no-such-care", "starts_on": _day(TODAY)}, "Choose the provider to add"),
            ({"provider": "oak-care", "starts_on": ["", "", ""]}, "Enter the first day of membership"),
            ({"provider": "oak-care", "starts_on": ["1", "13", "2026"]}, "Enter the first day of membership"),
            ({"provider": "oak-care", "starts_on": _day(TODAY), "ends_on": _day(TODAY - timedelta(days=1))},
             "The last day of the membership must be on or after its first day"),
            ({"provider": "fern-care", "starts_on": _day(TODAY)}, "Fern Care is already on this list")):
        answer = web.post(f"{url}/members/new", data, page=f"{url}/members/new")
        text = answer.get_data(as_text=True)
        assert answer.status_code in (409, 422), (data, answer.status_code)
        assert "govuk-error-summary" in text and message in text, (data, text[:3000])
    assert _count(app, m["glasgow"].id, SupplierListMember) == 1
    fern_row = _members(app, m["glasgow"].id, approved.id)[0]
    dates = f"{url}/members/{fern_row.id}/edit"
    for data in ({"starts_on": ["", "", ""]}, {"starts_on": ["0", "0", "0"]},
                 {"starts_on": _day(TODAY), "ends_on": _day(TODAY - timedelta(days=3))}):
        answer = web.post(dates, data, page=dates)
        assert answer.status_code == 422 and "govuk-error-summary" in answer.get_data(as_text=True), data
    remove = f"{url}/members/{fern_row.id}/remove"
    for reason, message in (("", "Enter the reason for removing the provider"), ("   ", "Enter the reason"),
                            ("x" * 2001, "The reason must be 2,000 characters or fewer")):
        answer = web.post(remove, {"reason": reason}, page=remove)
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), reason
    assert _members(app, m["glasgow"].id, approved.id)[0].removed_at is None
    assert _members(app, m["glasgow"].id, approved.id)[0].starts_on == fern_row.starts_on


def test_the_api_keeps_lists_and_members(app, client, api_token, lists_market):
    m = lists_market
    headers = {"Authorization": f"Bearer {api_token(m['officer'].email)}"}
    created = client.post("/api/v1/supplier-lists", headers=headers, json={
        "name": "Glasgow care at home", "service_type": "care_at_home", "starts_on": TODAY.isoformat()})
    assert created.status_code == 201, created.get_json()
    list_id = created.get_json()["id"]
    added = client.post(f"/api/v1/supplier-lists/{list_id}/members", headers=headers,
                        json={"provider": "fern-care", "starts_on": (TODAY + timedelta(days=1)).isoformat()})
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["status"] == "upcoming" and added.get_json()["provider"]["name"] == "Fern Care"
    member_id = added.get_json()["id"]
    changed = client.put(f"/api/v1/supplier-lists/{list_id}/members/{member_id}", headers=headers,
                         json={"starts_on": TODAY.isoformat(), "ends_on": TODAY.isoformat()})
    assert changed.status_code == 200 and changed.get_json()["status"] == "current"
    assert client.post(f"/api/v1/supplier-lists/{list_id}/members/{member_id}/remove", headers=headers,
                       json={"reason": " "}).status_code == 422
    removed = client.post(f"/api/v1/supplier-lists/{list_id}/members/{member_id}/remove", headers=headers,
                          json={"reason": "Left the market."})
    assert removed.status_code == 200 and removed.get_json()["status"] == "removed"
    assert client.post(f"/api/v1/supplier-lists/{list_id}/members/{member_id}/remove", headers=headers,
                       json={"reason": "Again."}).status_code == 409
    for body in ({"name": "", "service_type": "care_at_home", "starts_on": TODAY.isoformat()},
                 {"name": "X", "service_type": "nonsense", "starts_on": TODAY.isoformat()},
                 {"name": "X", "service_type": "care_at_home", "starts_on": "2026-02-30"},
                 {"name": "X", "service_type": "care_at_home", "starts_on": "9999-12-31"},
                 {"name": "X", "service_type": "care_at_home", "starts_on": TODAY.isoformat(),
                  "ends_on": (TODAY - timedelta(days=1)).isoformat()}):
        answer = client.put(f"/api/v1/supplier-lists/{list_id}", headers=headers, json=body)
        assert answer.status_code == 422 and answer.get_json()["message"], (body, answer.get_json())
    for body in ({"provider": "glasgow-hscp", "starts_on": TODAY.isoformat()}, {"provider": "fern-care"},
                 {"provider": "", "starts_on": TODAY.isoformat()}):
        answer = client.post(f"/api/v1/supplier-lists/{list_id}/members", headers=headers, json=body)
        assert answer.status_code == 422 and answer.get_json()["message"], (body, answer.get_json())
    listed = client.get("/api/v1/supplier-lists", headers=headers).get_json()
    assert [item["name"] for item in listed] == ["Glasgow care at home"]
    assert [row["status"] for row in listed[0]["members"]] == ["removed"]
    other = {"Authorization": f"Bearer {api_token(m['aberdeen_admin'].email)}"}
    assert client.get(f"/api/v1/supplier-lists/{list_id}", headers=other).status_code == 404
    assert client.put(f"/api/v1/supplier-lists/{list_id}", headers=other, json={
        "name": "Taken", "service_type": "care_at_home", "starts_on": TODAY.isoformat()}).status_code == 404
