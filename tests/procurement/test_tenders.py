"""Tenders: a commissioner's procurement team drafts, times, publishes and cancels them; every
provider finds the published ones and registers interest; drafts stay the commissioner's."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests import factories

LONDON = ZoneInfo("Europe/London")
LATER = (datetime.now(timezone.utc) + timedelta(days=60)).date()


@pytest.fixture
def market(app):
    """Glasgow's procurement officer and admin, Aberdeen's admin, and a provider's submitter and finance."""
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    aberdeen = factories.organisation("commissioner", slug="aberdeen-hscp", name="Aberdeen City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    return {"glasgow": glasgow, "aberdeen": aberdeen, "fern": fern,
            "officer": factories.user("officer@glasgow.example", memberships=[(glasgow, "procurement")]),
            "viewer": factories.user("viewer@glasgow.example", memberships=[(glasgow, "viewer")]),
            "aberdeen_admin": factories.user("admin@aberdeen.example",
                                             memberships=[(aberdeen, "commissioner_admin")]),
            "submitter": factories.user("staff@fern.example", memberships=[(fern, "submitter")]),
            "finance": factories.user("finance@fern.example", memberships=[(fern, "finance")])}


def _day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def _new_tender(web, slug, **changes):
    published = date.today() + timedelta(days=1)
    data = {"reference": "GCH-2027-014", "title": "Care at home, east", "description": "Care at home for older "
            "people in the east of the city.\nTwo lots may follow.", "service_type": "care_at_home",
            "regime": "scotland", "electronic": "y", "estimated_value": "1,250,000", "published_on": _day(published),
            "submission_day": _day(published + timedelta(days=40)), "submission_time": "12:00"}
    data.update(changes)
    return web.post(f"/o/{slug}/tenders/new", {k: v for k, v in data.items() if v is not None})


def test_a_draft_is_the_commissioners_alone_until_it_is_published(app, web, client, market):
    web.sign_in(market["officer"].email)
    created = _new_tender(web, "glasgow-hscp")
    assert created.status_code == 303, created.get_data(as_text=True)[:2000]
    url = created.headers["Location"]
    tender_id = int(re.search(r"/tenders/(\d+)", url).group(1))
    page = client.get(url).get_data(as_text=True)
    assert "Draft" in page and "£1,250,000.00" in page and "Deadline for clarification questions" in page
    assert "Deadline for answers to clarification questions" in page  # two different dates, both explained
    assert "Two lots may follow." in page
    # Nobody else sees the draft: not Aberdeen, not the provider (a 404, as for no tender at all).
    for email, slug in ((market["aberdeen_admin"].email, "aberdeen-hscp"), (market["submitter"].email, "fern-care")):
        other = factories.user(f"x{email}") and None
        web.sign_in(email)
        assert client.get(f"/o/{slug}/tenders/{tender_id}").status_code == 404
        assert "GCH-2027-014" not in client.get(f"/o/{slug}/tenders/?scope=all").get_data(as_text=True)
        del other
    web.sign_in(market["officer"].email)
    published = web.post(f"/o/glasgow-hscp/tenders/{tender_id}/publish", {})
    assert published.status_code == 303, published.get_data(as_text=True)[:3000]
    web.sign_in(market["submitter"].email)
    listed = client.get("/o/fern-care/tenders/").get_data(as_text=True)
    assert "Care at home, east" in listed and "Glasgow City HSCP" in listed and "Open" in listed
    assert "Care at home, east" in client.get("/o/fern-care/tenders/?q=older+people").get_data(as_text=True)
    assert "Care at home, east" not in client.get("/o/fern-care/tenders/?q=residential").get_data(as_text=True)
    assert "Care at home, east" not in client.get("/o/fern-care/tenders/?status=closed").get_data(as_text=True)
    page = client.get(f"/o/fern-care/tenders/{tender_id}").get_data(as_text=True)
    assert "Register interest" in page and "Publish the tender" not in page and "Cancel this tender" not in page
    # A provider cannot change a tender: the pages do not exist for it.
    assert web.post(f"/o/fern-care/tenders/{tender_id}/publish", {}).status_code == 404
    assert client.get(f"/o/fern-care/tenders/{tender_id}/timetable").status_code == 404
    # Another commissioner reads it but cannot change it.
    web.sign_in(market["aberdeen_admin"].email)
    assert client.get(f"/o/aberdeen-hscp/tenders/{tender_id}").status_code == 200
    assert client.get(f"/o/aberdeen-hscp/tenders/{tender_id}/cancel").status_code == 404
    assert web.post(f"/o/aberdeen-hscp/tenders/{tender_id}/publish", {}).status_code == 404


def test_interest_is_registered_once_and_seen_by_the_commissioner_alone(app, web, client, market):
    tender = factories.tender(market["glasgow"], reference="GCH-INT")
    web.sign_in(market["finance"].email)  # a provider's finance staff read tenders but do not follow them
    assert "Register interest" not in client.get(f"/o/fern-care/tenders/{tender.id}").get_data(as_text=True)
    assert web.post(f"/o/fern-care/tenders/{tender.id}/interest", {}).status_code == 403
    web.sign_in(market["submitter"].email)
    for _ in range(2):
        assert web.post(f"/o/fern-care/tenders/{tender.id}/interest", {}).status_code == 303
    page = client.get(f"/o/fern-care/tenders/{tender.id}").get_data(as_text=True)
    assert "Your organisation registered interest" in page and "Stop following this tender" in page
    web.sign_in(market["officer"].email)
    page = client.get(f"/o/glasgow-hscp/tenders/{tender.id}").get_data(as_text=True)
    assert page.count("Fern Care, since") == 1
    web.sign_in(market["aberdeen_admin"].email)  # another commissioner never learns who is interested
    assert "Fern Care" not in client.get(f"/o/aberdeen-hscp/tenders/{tender.id}").get_data(as_text=True)


def test_the_form_answers_empty_and_nonsense_input(app, web, client, market):
    web.sign_in(market["officer"].email)
    empty = web.post("/o/glasgow-hscp/tenders/new", {})
    text = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "There is a problem" in text
    for message in ("Enter the tender reference", "Enter the title", "Choose the type of service",
                    "Choose the rules the tender follows", "Enter the estimated value",
                    "Enter the publication date", "Enter the deadline for bids"):
        assert message in text, message
    nonsense = _new_tender(web, "glasgow-hscp", regime="moon", service_type="x", estimated_value="lots",
                           submission_time="25:99", published_on=["31", "2", "2027"])
    text = nonsense.get_data(as_text=True)
    assert "Choose the rules the tender follows" in text and "Choose the type of service" in text
    assert "as a time on the 24-hour clock" in text and "as a real date" in text
    before = _new_tender(web, "glasgow-hscp", submission_day=_day(date.today()))
    assert "There is a problem" in before.get_data(as_text=True)
    worth = _new_tender(web, "glasgow-hscp", estimated_value="lots")
    assert "Enter the estimated value as an amount in pounds" in worth.get_data(as_text=True)
    assert "GCH-2027-014" not in client.get("/o/glasgow-hscp/tenders/").get_data(as_text=True)  # nothing kept
    assert _new_tender(web, "glasgow-hscp").status_code == 303
    again = _new_tender(web, "glasgow-hscp")
    assert "You already have a tender with the reference GCH-2027-014" in again.get_data(as_text=True)


def test_the_timetable_refuses_a_date_the_rules_forbid_and_moves_no_other(app, web, client, market):
    tender = factories.tender(market["glasgow"], reference="GCH-TT", published=False)
    web.sign_in(market["officer"].email)
    url = f"/o/glasgow-hscp/tenders/{tender.id}/timetable"
    form = client.get(url).get_data(as_text=True)
    assert "It is not when you must answer" in form  # the clarification and answer deadlines explained apart
    fields = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', form))
    days = {name: value for name, value in fields.items() if name.endswith("_time")}
    assert days
    deadline = tender.submission_deadline.astimezone(LONDON).date()
    data = _timetable_data(tender)
    # The answers two days before the deadline for bids: the Scottish rule asks for six.
    data["answer_deadline_day"] = _day(deadline - timedelta(days=2))
    refused = web.post(url, data)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "6 days" in text and "Public Contracts (Scotland)" in text
    # A later deadline for bids moves nothing else: the evaluation would then start before it, so
    # the change is refused naming the evaluation's date...
    data = _timetable_data(tender)
    data["submission_deadline_day"] = _day(deadline + timedelta(days=7))
    refused = web.post(url, data).get_data(as_text=True)
    assert 'href="#evaluation_on' in refused
    # ...and saved as typed once the later dates are moved by hand.
    for name in ("evaluation_on", "award_on", "contract_start"):
        data[name] = _day(getattr(tender, name) + timedelta(days=7))
    data["standstill_end_day"] = _day(tender.standstill_end.astimezone(LONDON).date() + timedelta(days=7))
    saved = web.post(url, data)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    with app.app_context():
        from portal.procurement.models import Tender
        from portal.tenants.context import tenant_context
        from portal.extensions import db

        with tenant_context(market["glasgow"].id):
            moved = db.session.get(Tender, tender.id)
            assert moved.submission_deadline == tender.submission_deadline + timedelta(days=7)
            assert moved.answer_deadline == tender.answer_deadline
            assert moved.clarification_deadline == tender.clarification_deadline
            assert moved.evaluation_on == tender.evaluation_on + timedelta(days=7)


def _timetable_data(tender) -> dict:
    from zoneinfo import ZoneInfo

    from portal.procurement.forms import MOMENTS
    from portal.procurement.regimes import FIELDS

    data = {}
    for name in FIELDS:
        value = getattr(tender, name)
        if name in MOMENTS:
            local = value.astimezone(ZoneInfo("Europe/London"))
            data[f"{name}_day"], data[f"{name}_time"] = _day(local.date()), local.strftime("%H:%M")
        else:
            data[name] = _day(value)
    return data


def test_cancelling_needs_a_reason_and_is_audited(app, web, client, market):
    tender = factories.tender(market["glasgow"], reference="GCH-CAN")
    web.sign_in(market["viewer"].email)
    assert client.get(f"/o/glasgow-hscp/tenders/{tender.id}/cancel").status_code == 403
    web.sign_in(market["officer"].email)
    empty = web.post(f"/o/glasgow-hscp/tenders/{tender.id}/cancel", {"reason": "  "})
    assert "Enter the reason for cancelling" in empty.get_data(as_text=True)
    done = web.post(f"/o/glasgow-hscp/tenders/{tender.id}/cancel", {"reason": "The service is being redesigned."})
    assert done.status_code == 303
    web.sign_in(market["submitter"].email)
    page = client.get(f"/o/fern-care/tenders/{tender.id}").get_data(as_text=True)
    assert "Cancelled: The service is being redesigned." in page and "Register interest" not in page
    with app.app_context():
        from sqlalchemy import select

        from portal.audit.models import AuditEvent
        from portal.extensions import db
        from portal.tenants.context import tenant_context

        with tenant_context(market["glasgow"].id):
            actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-3:] == ["tender_created", "tender_published", "tender_cancelled"]


def test_the_api_creates_lists_and_publishes(app, client, market):
    officer = {"Authorization": f"Bearer {factories.api_token(market['officer'])}"}
    provider = {"Authorization": f"Bearer {factories.api_token(market['submitter'])}"}
    deadline = datetime(LATER.year, LATER.month, LATER.day, 12, tzinfo=timezone.utc)
    body = {"reference": "GCH-API", "title": "Supported living", "service_type": "supported_living",
            "regime": "england", "published_at": datetime.now(timezone.utc).isoformat(),
            "submission_deadline": deadline.isoformat(),
            "lots": [{"title": "North", "estimated_value": "400000.00"},
                     {"title": "South", "estimated_value": "350000.50", "description": "Two houses"}]}
    created = client.post("/api/v1/tenders", headers=officer, json=body)
    assert created.status_code == 201, created.get_json()
    tender = created.get_json()
    assert [lot["number"] for lot in tender["lots"]] == [1, 2] and tender["estimated_value"] == "750000.50"
    assert tender["status"] == "draft" and tender["commissioner"] == {"slug": "glasgow-hscp",
                                                                      "name": "Glasgow City HSCP"}
    assert client.get("/api/v1/tenders", headers=provider).get_json() == []
    assert client.get(f"/api/v1/tenders/{tender['id']}", headers=provider).status_code == 404
    assert client.post("/api/v1/tenders", headers=provider, json=body).status_code == 404  # providers make none
    published = client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=officer)
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    assert client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=officer).status_code == 409
    items = client.get("/api/v1/tenders?status=open", headers=provider).get_json()
    assert [t["reference"] for t in items] == ["GCH-API"]
    assert set(items[0]) == {"id", "reference", "title", "status", "regime", "service_type", "commissioner",
                             "published_at", "clarification_deadline", "answer_deadline", "submission_deadline"}
    assert client.get("/api/v1/orgs/fern-care/tenders?q=supported", headers=provider).get_json()[0]["id"] == \
        tender["id"]
    assert client.post(f"/api/v1/tenders/{tender['id']}/interest", headers=provider).status_code == 201
    naive = client.post("/api/v1/tenders", headers=officer, json={**body, "reference": "GCH-NAIVE",
                                                                   "submission_deadline": "2027-03-01T12:00:00"})
    assert naive.status_code == 422 and "submission_deadline" in naive.get_json()["errors"]["json"]
    short = client.post("/api/v1/tenders", headers=officer, json={
        **body, "reference": "GCH-SHORT", "submission_deadline": (datetime.now(timezone.utc)
                                                                  + timedelta(days=10)).isoformat()})
    assert short.status_code == 201  # a draft may be short of the rules; publishing it may not
    refused = client.post(f"/api/v1/tenders/{short.get_json()['id']}/publish", headers=officer)
    assert refused.status_code == 422
    assert any("25 days" in messages[0] for messages in refused.get_json()["errors"].values())


def test_refusals_on_the_tender_page_say_why(app, web, client, market):
    from portal.extensions import db
    from portal.procurement.queries import get_tender
    from portal.tenants.context import tenant_context

    short = factories.tender(market["glasgow"], reference="GCH-SHORT", regime="england", days_open=10,
                             published=False)
    web.sign_in(market["officer"].email)
    refused = web.post(f"/o/glasgow-hscp/tenders/{short.id}/publish", {})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "There is a problem" in text and "25 days" in text
    assert 'href="#timetable-submission_deadline"' in text
    closing = factories.tender(market["glasgow"], reference="GCH-CLOSING", days_open=40)
    with app.app_context(), tenant_context(market["glasgow"].id):
        tender = get_tender(closing.id)
        tender.submission_deadline = datetime.now(timezone.utc) - timedelta(minutes=1)  # as the clock passes it
        db.session.commit()
    web.sign_in(market["submitter"].email)
    late = web.post(f"/o/fern-care/tenders/{closing.id}/interest", {})
    text = late.get_data(as_text=True)
    assert late.status_code == 409 and "only be registered while the tender is open" in text and "Closed" in text


def test_evaluation_starts_after_the_deadline_and_unanswered_questions_need_a_reason(app, web, client, market):
    from sqlalchemy import select

    from portal.audit.models import AuditEvent
    from portal.extensions import db
    from portal.procurement.queries import get_tender
    from portal.tenants.context import tenant_context

    tender = factories.tender(market["glasgow"], reference="GCH-EVAL", days_open=40)
    factories.question(market["fern"], tender, text="Is the start date fixed?")
    web.sign_in(market["officer"].email)
    url = f"/o/glasgow-hscp/tenders/{tender.id}"
    early = web.post(f"{url}/evaluation", {"reason": "Keen to start"})
    assert early.status_code == 409 and "once the deadline for bids has passed" in early.get_data(as_text=True)
    with app.app_context(), tenant_context(market["glasgow"].id):
        get_tender(tender.id).submission_deadline = datetime.now(timezone.utc) - timedelta(hours=1)
        db.session.commit()
    assert "Start the evaluation" not in client.get(url).get_data(as_text=True)  # the bids are still sealed
    sealed = web.post(f"{url}/evaluation", {"reason": "Keen to start"})
    assert sealed.status_code == 409 and "Open the bids first" in sealed.get_data(as_text=True)
    factories.opened(tender)
    assert "Start the evaluation" in client.get(url).get_data(as_text=True)
    refused = web.post(f"{url}/evaluation", {"reason": " "})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "1 clarification question is still unanswered" in text
    assert 'href="#reason"' in text
    done = web.post(f"{url}/evaluation", {"reason": "The question was answered at the bidders' briefing."})
    assert done.status_code == 303
    assert "Being evaluated" in client.get(url).get_data(as_text=True)
    with app.app_context(), tenant_context(market["glasgow"].id):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tender_evaluation_started"))
        assert event.details == {"unanswered": 1, "reason": "The question was answered at the bidders' briefing."}
        db.session.rollback()
    again = client.post(f"/api/v1/tenders/{tender.id}/evaluation", json={},
                        headers={"Authorization": f"Bearer {factories.api_token(market['officer'])}"})
    assert again.status_code == 409 and "being evaluated" in again.get_json()["message"]
    web.sign_in(market["submitter"].email)
    assert web.post(f"/o/fern-care/tenders/{tender.id}/evaluation", {}).status_code == 404
