"""The access trail (portal.audit.access, recorded by portal.http.audit_trail): every download
and every refused attempt across organisations is recorded with ids, the route, the outcome,
the time and a hashed, truncated address: never a name, an email, a file name or free text.
A refusal stays recorded although its request is rolled back."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from portal.tenants.models import COMMISSIONER, PROVIDER
from tests import factories
from tests.conftest import Browserless
from tests.security.access_routes import fill, methods_of, organisation_rules

ADMINS = {PROVIDER: "provider_admin", COMMISSIONER: "commissioner_admin"}


def events(owner_engine, **where) -> list[dict]:
    clause = " and ".join(f"{k} = :{k}" for k in where) or "true"
    with owner_engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(f"select * from access_events where {clause} order by id"),
                                                       where)]


def personal_values(world) -> set[str]:
    """Everything the trail must never hold: emails, names, file names and slugs of people's organisations."""
    values = {"own.pdf", "b.pdf", "roles.csv"}
    for user in world["users"].values():
        values |= {user.email, user.email.split("@")[0], user.full_name}
    return {v for v in values if v and len(v) > 3}


def assert_no_personal_data(rows, world) -> None:
    forbidden = personal_values(world)
    for row in rows:
        for column, value in row.items():
            if isinstance(value, str):
                assert not any(p in value for p in forbidden), f"{column}={value!r} holds personal data"
        assert row["address"] is None or (len(row["address"]) == 16 and "127.0.0" not in row["address"])


def test_every_file_answered_on_a_get_route_is_recorded_as_a_download(app, world, owner_engine):
    """Generated from the URL map: each organisation's administrator tries every GET route of
    their organisation; each answer that is a file (Content-Disposition, a file type, or a
    redirect to a presigned link) leaves exactly one 'downloaded' event, and no page does."""
    files, pages = 0, 0
    for kind, role in ADMINS.items():
        user = world["users"][(kind, role)]
        client = app.test_client()
        Browserless(client).sign_in(user.email)
        token = factories.api_token(user, scopes=["read"])
        org = world["orgs"][kind]
        for rule, _permission in organisation_rules(app):
            if "GET" not in methods_of(rule):
                continue
            url = fill(rule, org.slug, world["ids"][kind])
            headers = {"Authorization": f"Bearer {token}"} if rule.rule.startswith("/api/") else {}
            before = len(events(owner_engine, outcome="downloaded"))
            response = client.get(url, headers=headers)
            after = events(owner_engine, outcome="downloaded")[before:]
            is_file = response.status_code < 400 and (
                "Content-Disposition" in response.headers
                or "Signature=" in response.headers.get("Location", "")
                or (response.status_code < 300 and response.mimetype not in ("text/html", "application/json")))
            where = f"{kind} {role}: GET {url} -> {response.status_code} {response.mimetype}"
            if is_file:
                assert len(after) == 1, f"{where}: no download recorded"
                [event] = after
                assert event["endpoint"] == rule.endpoint and event["organisation_id"] == org.id, where
                assert event["user_id"] == user.id and event["status"] == response.status_code, where
                if rule.rule.startswith("/api/"):
                    assert event["token_id"] is not None, where
                files += 1
            else:
                assert after == [], f"{where}: a page recorded as a download"
                pages += 1
    assert files >= 15 and pages > 50, (files, pages)
    assert_no_personal_data(events(owner_engine), world)


def test_a_document_download_names_the_document_by_id_only(app, world, owner_engine):
    user = world["users"][(PROVIDER, "provider_admin")]
    client = app.test_client()
    Browserless(client).sign_in(user.email)
    document_id = world["ids"][PROVIDER]["document_id"]
    response = client.get(f"/o/{world['orgs'][PROVIDER].slug}/documents/{document_id}/download")
    assert response.status_code in (302, 303), response.status_code
    [event] = events(owner_engine, outcome="downloaded")
    assert (event["object_kind"], event["object_id"]) == ("document", str(document_id))
    assert event["endpoint"] == "documents.download" and event["method"] == "GET"
    assert_no_personal_data([event], world)


@pytest.fixture
def two(app):
    """Two unrelated organisations, each with an administrator and a contract of its own."""
    a = factories.organisation(PROVIDER, slug="trail-a")
    b = factories.organisation(COMMISSIONER, slug="trail-b")
    user_a = factories.user("a@trail.example", full_name="Alice Trail", memberships=[(a, "provider_admin")])
    user_b = factories.user("b@trail.example", memberships=[(b, "commissioner_admin")])
    document_b = factories.document(b, filename="secret-plan.pdf")
    return {"a": a, "b": b, "user_a": user_a, "user_b": user_b, "document_b": document_b}


def test_refused_attempts_are_recorded_though_the_request_is_rolled_back(app, two, owner_engine):
    client = app.test_client()
    web = Browserless(client)
    web.sign_in(two["user_a"].email)
    slug_a, slug_b, doc = two["a"].slug, two["b"].slug, two["document_b"].id
    member_b = factories.membership_id(two["b"], two["user_b"])
    csrf = web.csrf(f"/o/{slug_a}/")
    # Another organisation's objects at one's own address (a read, then a change): 404 each.
    assert client.get(f"/o/{slug_a}/documents/{doc}").status_code == 404
    assert client.post(f"/o/{slug_a}/members/{member_b}/remove", data={"csrf_token": csrf}).status_code == 404
    # An organisation one is not in.
    assert client.get(f"/o/{slug_b}/").status_code == 404
    refused = events(owner_engine)
    assert [(e["outcome"], e["organisation_id"], e["object_kind"], e["object_id"], e["status"]) for e in refused] == [
        ("refused_object", two["a"].id, "document", str(doc), 404),
        ("refused_object", two["a"].id, "membership", str(member_b), 404),
        ("refused_organisation", two["b"].id, None, None, 404)]
    assert {e["user_id"] for e in refused} == {two["user_a"].id}
    assert [e["method"] for e in refused] == ["GET", "POST", "GET"]
    assert_no_personal_data(refused, {"users": {0: two["user_a"], 1: two["user_b"]}})
    assert not any("secret-plan" in str(v) for e in refused for v in e.values())


def test_a_token_used_for_another_organisation_or_beyond_its_scope_is_recorded(app, two, owner_engine, make_user):
    both = make_user("both@trail.example", memberships=[(two["a"], "provider_admin"), (two["b"], "commissioner_admin")])
    read_a = factories.api_token(both, organisation=two["a"], scopes=["read"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {read_a}"}
    assert client.get(f"/api/v1/orgs/{two['b'].slug}/documents", headers=headers).status_code == 404
    assert client.get(f"/api/v1/documents/{two['document_b'].id}", headers=headers).status_code == 404
    refused = client.post("/api/v1/documents", headers=headers, data={})
    assert refused.status_code == 403 and "'write' scope" in refused.get_json()["message"]
    trail = [(e["outcome"], e["organisation_id"], e["object_kind"]) for e in events(owner_engine)]
    assert trail == [("refused_token_organisation", two["b"].id, None),
                     ("refused_object", two["a"].id, "document"),
                     ("refused_scope", two["a"].id, None)]
    assert {e["token_id"] for e in events(owner_engine)} == {factories.api_token_ids(both)[0]}


def test_the_address_is_truncated_and_hashed(app, two, owner_engine):
    client = app.test_client()
    Browserless(client).sign_in(two["user_a"].email)
    for address in ("203.0.113.7", "203.0.113.200", "198.51.100.7"):
        client.get(f"/o/{two['b'].slug}/", environ_base={"REMOTE_ADDR": address})
    first, same_network, other = [e["address"] for e in events(owner_engine)]
    assert first == same_network != other
    assert all(len(a) == 16 and "203" not in a and "198" not in a for a in (first, other))


def test_the_trail_is_append_only_for_the_app(app, two, owner_engine):
    from sqlalchemy.exc import DBAPIError

    from portal.extensions import db

    client = app.test_client()
    Browserless(client).sign_in(two["user_a"].email)
    client.get(f"/o/{two['b'].slug}/")
    with app.app_context():
        for statement in ("update access_events set outcome = 'downloaded'", "delete from access_events"):
            with pytest.raises(DBAPIError):
                db.session.execute(text(statement))
            db.session.rollback()
    assert len(events(owner_engine)) == 1


def test_pages_and_own_objects_leave_no_trail(app, two, owner_engine):
    client = app.test_client()
    Browserless(client).sign_in(two["user_b"].email)
    slug = two["b"].slug
    for url in (f"/o/{slug}/", f"/o/{slug}/documents/", f"/o/{slug}/documents/{two['document_b'].id}"):
        assert client.get(url).status_code == 200, url
    assert events(owner_engine) == []
