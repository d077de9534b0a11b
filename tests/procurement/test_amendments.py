"""Amendments: a change to an open tender is a numbered amendment every organisation reads, with
what it was before; interested providers are emailed; the regime decides when the deadline must
move with it; past dates and published tenders' publication never change."""
from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from tests.helpers import mailbox, run_jobs

LONDON = ZoneInfo("Europe/London")


def _day(value) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def _form(tender, **changes) -> dict:
    from portal.procurement.forms import MOMENTS
    from portal.procurement.regimes import FIELDS

    data = {"title": tender.title, "description": tender.description, "reason": "Night visits are added."}
    for name in FIELDS:
        if name == "published_at":
            continue
        value = getattr(tender, name)
        if name in MOMENTS:
            local = value.astimezone(LONDON)
            data[f"{name}_day"], data[f"{name}_time"] = _day(local.date()), local.strftime("%H:%M")
        else:
            data[name] = _day(value)
    data.update(changes)
    return data


def test_an_amendment_is_seen_by_everyone_and_emailed_to_the_interested(app, web, client, market_for_tenders):
    m = market_for_tenders
    tender = factories.tender(m["glasgow"], reference="GCH-AM", description="Day visits across the east.")
    factories.interest(m["fern"], tender)
    web.sign_in(m["officer"].email)
    url = f"/o/glasgow-hscp/tenders/{tender.id}/amend"
    assert "Why is the tender changing?" in client.get(url).get_data(as_text=True)
    unchanged = web.post(url, _form(tender))
    assert unchanged.status_code == 422 and "Nothing has changed" in unchanged.get_data(as_text=True)
    no_reason = web.post(url, _form(tender, reason="", description="Day and night visits across the east."))
    assert "Enter the reason for the change" in no_reason.get_data(as_text=True)
    done = web.post(url, _form(tender, description="Day and night visits across the east."))
    assert done.status_code == 303, done.get_data(as_text=True)[:3000]
    run_jobs(app)
    assert sorted(mail.to_address for mail in mailbox(app)) == ["admin@fern.example", "staff@fern.example"]
    body = mailbox(app)[0].body
    assert "amendment 1" in body and "Night visits are added." in body
    web.sign_in("staff@oak.example")  # not interested: reads the change on the tender all the same
    page = client.get(f"/o/oak-care/tenders/{tender.id}").get_data(as_text=True)
    assert "Amendment 1" in page and "Night visits are added." in page
    assert re.search(r'<ins class="portal-diff__added">.*?and night', page)
    assert client.get(f"/o/oak-care/tenders/{tender.id}/amend").status_code == 404  # a provider changes nothing


def test_a_late_change_needs_the_deadline_extended(app, market_for_tenders):
    from portal.errors import Invalid
    from portal.procurement.queries import get_tender
    from portal.procurement.services import amend
    from portal.tenants.context import tenant_context

    tender = factories.tender(market_for_tenders["glasgow"], reference="GCH-LATE", days_open=30)
    three_days_before = tender.submission_deadline - timedelta(days=3)
    with app.app_context(), tenant_context(market_for_tenders["glasgow"].id):
        fresh = get_tender(tender.id)
        with pytest.raises(Invalid) as refused:
            amend(fresh, {"description": "Changed late."}, "Late", actor=None, now=three_days_before)
        assert "less than 6 days before the submission deadline" in refused.value.message
        assert "extend the deadline" in refused.value.message
        later = {"submission_deadline": tender.submission_deadline + timedelta(days=7),
                 "evaluation_on": tender.evaluation_on + timedelta(days=7),
                 "award_on": tender.award_on + timedelta(days=7),
                 "standstill_end": tender.standstill_end + timedelta(days=7),
                 "contract_start": tender.contract_start + timedelta(days=7)}
        made = amend(fresh, {"description": "Changed late.", **later}, "Late, with more time", actor=None,
                     now=three_days_before)
        assert made.number == 1 and set(made.changes) == {"description", *later}
        assert fresh.answer_deadline == tender.answer_deadline  # nothing moved that was not asked
        with pytest.raises(Invalid, match="only dates still to come"):
            amend(fresh, {"clarification_deadline": tender.clarification_deadline + timedelta(days=1)}, "x",
                  actor=None, now=tender.clarification_deadline + timedelta(hours=1))
        with pytest.raises(Invalid, match="Only the title, the description"):
            amend(fresh, {"published_at": tender.published_at}, "x", actor=None)
        from portal.extensions import db

        db.session.rollback()


def test_the_api_amends_and_lists_amendments(app, client, market_for_tenders):
    m = market_for_tenders
    tender = factories.tender(m["glasgow"], reference="GCH-API-AM")
    officer = {"Authorization": f"Bearer {factories.api_token(m['officer'])}"}
    made = client.post(f"/api/v1/tenders/{tender.id}/amendments", headers=officer,
                       json={"reason": "A clearer title.", "title": "Care at home, east and centre"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["changes"]["title"] == {"label": "Title", "before": "Care at home, east",
                                                   "after": "Care at home, east and centre"}
    empty = client.post(f"/api/v1/tenders/{tender.id}/amendments", headers=officer, json={"reason": "x"})
    assert empty.status_code == 422 and "Nothing has changed" in empty.get_json()["message"]
    provider = {"Authorization": f"Bearer {factories.api_token(factories.user('p@oak.example', memberships=[(m['oak'], 'submitter')]))}"}
    detail = client.get(f"/api/v1/tenders/{tender.id}", headers=provider).get_json()
    assert [a["number"] for a in detail["amendments"]] == [1] and detail["title"] == "Care at home, east and centre"
    assert client.post(f"/api/v1/tenders/{tender.id}/amendments", headers=provider,
                       json={"reason": "x", "title": "y"}).status_code == 404
