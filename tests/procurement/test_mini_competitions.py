"""Mini-competitions: a tender restricted to an approved supplier list is read, once published,
by its commissioner and the providers who were members on the publication day, and by nobody
else, through every path: pages, search, the API, OCDS, interest, questions, documents, and the
database itself (everything listed about the tender takes the tender's audience)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import select

from tests import factories

LONDON = ZoneInfo("Europe/London")
TABLES = ("tenders", "tender_lots", "tender_amendments", "tender_clarifications", "tender_quality_questions",
          "tender_documents")


@pytest.fixture
def mini(app):
    """Glasgow's list with Fern (a member) on it, Oak not on it, and a published mini-competition
    with a lot, an amendment, a clarification, a quality question and a document; Aberdeen, another
    commissioner, and an open tender of Glasgow's for everyone."""
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    aberdeen = factories.organisation("commissioner", slug="aberdeen-hscp", name="Aberdeen City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    oak = factories.organisation("provider", slug="oak-care", name="Oak Care")
    approved = factories.supplier_list(glasgow, name="Glasgow care at home approved providers", members=[fern])
    tender = factories.mini_competition(approved, reference="GCH-MINI", title="Night support mini-competition")
    factories.amendment(tender, reason="Night visits are clearer.")
    factories.clarification(fern, tender, text="Members only: is TUPE likely?", answer_text="Members only: yes.")
    factories.quality_question(tender)
    factories.tender_document(tender, title="Members only specification")
    everyone = factories.tender(glasgow, reference="GCH-OPEN", title="Day services for everyone")
    people = {"officer": factories.user("officer@glasgow.example", memberships=[(glasgow, "procurement")]),
              "fern_user": factories.user("staff@fern.example", memberships=[(fern, "provider_admin")]),
              "oak_user": factories.user("staff@oak.example", memberships=[(oak, "provider_admin")]),
              "aberdeen_user": factories.user("admin@aberdeen.example",
                                              memberships=[(aberdeen, "commissioner_admin")])}
    return {"glasgow": glasgow, "aberdeen": aberdeen, "fern": fern, "oak": oak, "list": approved, "tender": tender,
            "everyone": everyone, **people}


def test_audience_is_the_lists_members_on_the_publication_day_at_its_edges(app):
    """Members from today and until today are in; from tomorrow, until yesterday and removed are out."""
    from portal.extensions import db
    from portal.procurement.models import Tender
    from portal.procurement.services import publish
    from portal.tenants.context import tenant_context

    glasgow = factories.organisation("commissioner")
    # Publication at 00:30 on a London day in summer (23:30 UTC the day before): the London day counts.
    day = date(2031, 7, 1)
    now = datetime.combine(day, time(0, 30), tzinfo=LONDON)
    providers = {name: factories.organisation("provider", slug=name) for name in (
        "from-today", "until-today", "from-tomorrow", "until-yesterday", "removed", "open-ended", "long-ago")}
    approved = factories.supplier_list(glasgow, starts_on=date(2030, 1, 1))
    factories.list_member(approved, providers["from-today"], starts_on=day)
    factories.list_member(approved, providers["until-today"], starts_on=date(2030, 1, 1), ends_on=day)
    factories.list_member(approved, providers["from-tomorrow"], starts_on=day + timedelta(days=1))
    factories.list_member(approved, providers["until-yesterday"], starts_on=date(2030, 1, 1),
                          ends_on=day - timedelta(days=1))
    factories.list_member(approved, providers["removed"], starts_on=date(2030, 1, 1), removed="Left the market")
    factories.list_member(approved, providers["open-ended"], starts_on=date(2030, 1, 1))
    factories.list_member(approved, providers["long-ago"], starts_on=date(2030, 1, 1), ends_on=date(2030, 6, 1))
    draft = factories.mini_competition(approved, published=False)
    with app.app_context(), tenant_context(glasgow.id):
        tender = db.session.get(Tender, draft.id)
        # The timetable is checked from the publication moment: move it along with the clock.
        # By whole calendar days, whatever the hour now, so every date keeps its place after the others.
        days = day - tender.published_at.astimezone(LONDON).date()
        for name in ("clarification_deadline", "answer_deadline", "submission_deadline", "standstill_end",
                     "evaluation_on", "award_on", "contract_start"):
            setattr(tender, name, getattr(tender, name) + days)
        publish(tender, actor=None, now=now)
        db.session.commit()
        audience = set(db.session.scalar(select(Tender.audience).where(Tender.id == draft.id)))
        db.session.rollback()
    assert audience == {providers[name].id for name in ("from-today", "until-today", "open-ended")}


def _sign_in(web, user):
    web.sign_in(user.email)


def test_a_non_member_meets_the_same_404_everywhere(app, web, client, api_token, mini):
    t = mini["tender"]
    _sign_in(web, mini["oak_user"])
    base = f"/o/oak-care/tenders/{t.id}"
    for url in (base, f"{base}/clarifications", f"{base}/clarifications.csv", f"{base}/questions/new",
                f"{base}/clarifications.docx", f"/o/oak-care/tenders/{t.id}/documents/1/download"):
        assert client.get(url).status_code == 404, url
    assert web.post(f"{base}/interest", {}, page="/o/oak-care/tenders/").status_code == 404
    assert web.post(f"{base}/questions/new", {"question": "Can we bid?"},
                    page="/o/oak-care/tenders/").status_code == 404
    listed = client.get("/o/oak-care/tenders/").get_data(as_text=True)
    assert "Day services for everyone" in listed and "Night support" not in listed
    assert "Night support" not in client.get("/o/oak-care/tenders/?q=night+support").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {api_token(mini['oak_user'].email)}"}
    for url in (f"/api/v1/tenders/{t.id}", f"/api/v1/tenders/{t.id}/ocds", f"/api/v1/tenders/{t.id}/clarifications",
                f"/api/v1/tenders/{t.id}/documents"):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 404 and answer.is_json, url
    assert client.post(f"/api/v1/tenders/{t.id}/interest", headers=headers).status_code == 404
    assert client.post(f"/api/v1/tenders/{t.id}/questions", headers=headers,
                       json={"question": "Can we bid?"}).status_code == 404
    everything = client.get("/api/v1/tenders?q=night", headers=headers).get_json()
    assert everything == []
    bulk = client.get("/api/v1/ocds/releases", headers=headers).get_data(as_text=True)
    assert "Day services for everyone" in bulk and "Night support" not in bulk and "Members only" not in bulk
    # Another commissioner is no member either.
    _sign_in(web, mini["aberdeen_user"])
    assert client.get(f"/o/aberdeen-hscp/tenders/{t.id}").status_code == 404
    assert "Night support" not in client.get("/o/aberdeen-hscp/tenders/?scope=all").get_data(as_text=True)


def test_a_member_reads_it_all_and_sees_who_it_is_for(app, web, client, api_token, mini):
    t = mini["tender"]
    _sign_in(web, mini["fern_user"])
    page = client.get(f"/o/fern-care/tenders/{t.id}").get_data(as_text=True)
    assert "Only for members of Glasgow care at home approved providers" in page
    assert "Members only specification" in page and "Members only: yes." in page and "Night visits are clearer." in page
    assert "Night support" in client.get("/o/fern-care/tenders/?q=night+support").get_data(as_text=True)
    registered = web.post(f"/o/fern-care/tenders/{t.id}/interest", {}, page=f"/o/fern-care/tenders/{t.id}")
    assert registered.status_code == 303
    headers = {"Authorization": f"Bearer {api_token(mini['fern_user'].email)}"}
    detail = client.get(f"/api/v1/tenders/{t.id}", headers=headers)
    assert detail.status_code == 200
    assert detail.get_json()["supplier_list"] == {"id": mini["list"].id,
                                                  "name": "Glasgow care at home approved providers"}
    assert "Night support" in client.get("/api/v1/ocds/releases", headers=headers).get_data(as_text=True)
    assert [d["title"] for d in client.get(f"/api/v1/tenders/{t.id}/documents", headers=headers).get_json()] == [
        "Members only specification"]
    # The commissioner's page says who it is for and how many providers see it.
    _sign_in(web, mini["officer"])
    page = client.get(f"/o/glasgow-hscp/tenders/{t.id}").get_data(as_text=True)
    assert "Only for members of Glasgow care at home approved providers" in page
    assert "1 provider was a member on the day it was published" in page


def test_the_database_holds_every_listed_row_to_the_audience(app, services, mini):
    """As the app role: each listed table's rows of the mini-competition are read by its members
    (and its commissioner) only; each row carries the tender's audience, copied by the database."""
    t, everyone = mini["tender"], mini["everyone"]
    plain = services.urls["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        for org, sees in ((mini["oak"], False), (mini["aberdeen"], False), (mini["fern"], True),
                          (mini["glasgow"], True)):
            conn.execute("select set_config('app.org_id', %s, true)", (str(org.id),))
            for table in TABLES:
                column = "id" if table == "tenders" else "tender_id"
                found = conn.execute(f"select count(*) from {table} where {column} = %s", (t.id,)).fetchone()[0]
                assert (found > 0) == sees, (org.slug, table, found)
            assert conn.execute("select count(*) from tenders where id = %s", (everyone.id,)).fetchone()[0] == 1
            conn.rollback()
        conn.execute("select set_config('app.org_id', %s, true)", (str(mini["glasgow"].id),))
        for table in TABLES:
            column = "id" if table == "tenders" else "tender_id"
            audiences = {tuple(r[0]) if r[0] is not None else None
                         for r in conn.execute(f"select audience from {table} where {column} = %s", (t.id,))}
            assert audiences == {(mini["fern"].id,)}, (table, audiences)
        # A lot written straight into the table takes the audience too, whatever the writer said.
        conn.execute("insert into tender_lots (tenant_id, tender_id, number, title, description, estimated_value, "
                     "places, listed, audience) values (%s, %s, 9, 'Extra', '', 1, 1, true, NULL)", (mini["glasgow"].id, t.id))
        assert conn.execute("select audience from tender_lots where number = 9").fetchone()[0] == [mini["fern"].id]
        # A published tender's audience and list never change.
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("update tenders set audience = NULL where id = %s", (t.id,))
        conn.rollback()


def test_the_audience_is_fixed_at_publication(app, web, client, mini):
    """A provider added afterwards does not see it; one removed afterwards still does."""
    factories.list_member(mini["list"], mini["oak"], starts_on=date.today() - timedelta(days=3))
    _sign_in(web, mini["oak_user"])
    assert client.get(f"/o/oak-care/tenders/{mini['tender'].id}").status_code == 404
    later = factories.mini_competition(mini["list"], reference="GCH-MINI-2", title="Second mini-competition")
    assert client.get(f"/o/oak-care/tenders/{later.id}").status_code == 200  # a member on that day


def test_restricting_is_for_drafts_to_running_lists_of_the_same_service(app, web, client, api_token, mini):
    from portal.procurement.models import Tender

    glasgow = mini["glasgow"]
    day_list = factories.supplier_list(glasgow, name="Day services list", service_type="day_opportunities",
                                       members=[mini["fern"]])
    ended = factories.supplier_list(glasgow, name="Old list", starts_on=date(2020, 1, 1), ends_on=date(2021, 1, 1))
    empty = factories.supplier_list(glasgow, name="Empty list")
    foreign = factories.supplier_list(mini["aberdeen"], name="Aberdeen list", members=[mini["fern"]])
    draft = factories.tender(glasgow, reference="GCH-DRAFT", published=False)
    _sign_in(web, mini["officer"])
    url = f"/o/glasgow-hscp/tenders/{draft.id}/supplier-list"
    choices = client.get(url).get_data(as_text=True)
    assert "Only members of Glasgow care at home approved providers" in choices and "Empty list" in choices
    assert "Day services list" not in choices and "Old list" not in choices and "Aberdeen list" not in choices
    for value, message in ((str(day_list.id), "Choose one of the options"), (str(foreign.id), "Choose one of the"),
                           ("nonsense", "Choose one of the options"), (str(2**70), "Choose one of the options")):
        answer = web.post(url, {"supplier_list": value}, page=url)
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), value
    headers = {"Authorization": f"Bearer {api_token(mini['officer'].email)}"}
    for list_id, message in ((day_list.id, "is a list for day opportunities"), (ended.id, "ended on 1 January 2021"),
                             (foreign.id, "Choose one of your approved supplier lists"), (2**62, "Choose one of your")):
        answer = client.post(f"/api/v1/tenders/{draft.id}/supplier-list", headers=headers,
                             json={"supplier_list_id": list_id})
        assert answer.status_code == 422 and message in answer.get_json()["message"], (list_id, answer.get_json())
    # An empty list: restricting is allowed, publishing is refused, and nothing is half-published.
    assert web.post(url, {"supplier_list": str(empty.id)}, page=url).status_code == 303
    page = client.get(f"/o/glasgow-hscp/tenders/{draft.id}").get_data(as_text=True)
    assert "Only for members of Empty list" in page
    refused = web.post(f"/o/glasgow-hscp/tenders/{draft.id}/publish", {}, page=f"/o/glasgow-hscp/tenders/{draft.id}")
    assert refused.status_code == 422
    assert "Nobody is a member of Empty list today" in refused.get_data(as_text=True)
    assert _status(app, glasgow.id, draft.id, Tender) == ("draft", None)
    opened = client.post(f"/api/v1/tenders/{draft.id}/supplier-list", headers=headers, json={"supplier_list_id": None})
    assert opened.status_code == 200 and opened.get_json()["supplier_list"] is None
    assert web.post(f"/o/glasgow-hscp/tenders/{draft.id}/publish", {},
                    page=f"/o/glasgow-hscp/tenders/{draft.id}").status_code == 303
    # Published: who can bid is fixed.
    fixed = client.post(f"/api/v1/tenders/{draft.id}/supplier-list", headers=headers,
                        json={"supplier_list_id": mini["list"].id})
    assert fixed.status_code == 409 and "fixed once the tender is published" in fixed.get_json()["message"]
    assert "Who can bid is fixed" in client.get(url).get_data(as_text=True)
    # A provider and another commissioner have no such page.
    _sign_in(web, mini["aberdeen_user"])
    assert client.get(f"/o/aberdeen-hscp/tenders/{mini['everyone'].id}/supplier-list").status_code == 404
    _sign_in(web, mini["fern_user"])
    assert client.get(f"/o/fern-care/tenders/{mini['tender'].id}/supplier-list").status_code == 404


def _status(app, org_id, tender_id, model):
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org_id):
        found = db.session.get(model, tender_id)
        result = (found.status, found.audience)
        db.session.rollback()
        return result


def test_publishing_needs_the_list_to_run_on_the_day(app):
    from portal.errors import Invalid
    from portal.extensions import db
    from portal.procurement.models import Tender
    from portal.procurement.services import publish
    from portal.tenants.context import tenant_context

    glasgow = factories.organisation("commissioner")
    fern = factories.organisation("provider")
    later = factories.supplier_list(glasgow, starts_on=date.today() + timedelta(days=10))
    factories.list_member(later, fern, starts_on=date.today() + timedelta(days=10))
    draft = factories.tender(glasgow, published=False)
    with app.app_context(), tenant_context(glasgow.id):
        tender = db.session.get(Tender, draft.id)
        tender.supplier_list_id = later.id
        db.session.flush()
        with pytest.raises(Invalid, match="starts on"):
            publish(tender, actor=None, now=datetime.now(timezone.utc))
        db.session.rollback()


def test_the_demo_has_a_list_a_mini_competition_and_documents_released_now_and_later(app):
    from portal.dev.demo import seed_demo
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.procurement.models import Tender
    from portal.procurement.tender_document_models import TenderDocument
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        seed_demo()
        db.session.commit()
        assert seed_demo()["supplier_lists"] == 0  # idempotent
        db.session.commit()
        seen = {}
        for slug in ("riverside-care", "hillview-support", "brightpath-support", "lochside-care"):
            with tenant_context(get_organisation_by_slug(slug).id):
                seen[slug] = set(db.session.scalars(select(Tender.reference)))
        assert all("GCH-2027-MC1" in seen[s] for s in ("riverside-care", "hillview-support"))
        assert all("GCH-2027-MC1" not in seen[s] for s in ("brightpath-support", "lochside-care"))
        assert all("GCH-2027-CAH" in refs for refs in seen.values())
        with tenant_context(get_organisation_by_slug("riverside-care").id):
            documents = db.session.execute(select(TenderDocument.title, TenderDocument.release_at).join(
                Tender, Tender.id == TenderDocument.tender_id).where(Tender.reference == "GCH-2027-CAH")
                .order_by(TenderDocument.id)).all()
        assert [title for title, _at in documents] == ["Service specification", "Market data on people supported"]
        assert documents[0][1] is None and timedelta(days=2) < documents[1][1] - utcnow() < timedelta(days=4)
        db.session.rollback()
