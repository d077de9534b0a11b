"""Clarification questions: a provider asks until the deadline; the procurement team edits out
what identifies the asker and publishes a numbered clarification to every organisation, merges
duplicates, or answers privately with a reason. The asker is never named to another provider:
checked on the bytes of every page, API answer, file and email another provider receives."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, timedelta, timezone

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import update

from tests import factories
from tests.helpers import mailbox, run_jobs

ASKER_NAME, ASKER_SLUG = "Fernleigh Homecare", "fernleigh-homecare"
ORIGINAL = "Fernleigh Homecare already runs the Dalmarnock hub: may we keep our staff rota there?"
EDITED = "May a provider keep its existing staff rota at a hub it already runs?"


@pytest.fixture
def clar(app):
    """Glasgow's procurement officer and viewer; the asking provider Fernleigh and another, Oakwood,
    both interested in Glasgow's open two-lot tender."""
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    fern = factories.organisation("provider", slug=ASKER_SLUG, name=ASKER_NAME)
    oak = factories.organisation("provider", slug="oakwood-care", name="Oakwood Care")
    tender = factories.tender(glasgow, reference="GCH-2027-CAH", lots=[
        {"title": "North East", "description": "", "estimated_value": "4200000"},
        {"title": "East", "description": "", "estimated_value": "3600000"}])
    factories.interest(oak, tender)
    return {"glasgow": glasgow, "fern": fern, "oak": oak, "tender": tender,
            "officer": factories.user("officer@glasgow.example", memberships=[(glasgow, "procurement")]),
            "viewer": factories.user("viewer@glasgow.example", memberships=[(glasgow, "viewer")]),
            "asker": factories.user("staff@fernleigh.example", memberships=[(fern, "submitter")],
                                    full_name="Morag Fernleigh"),
            "finance": factories.user("finance@fernleigh.example", memberships=[(fern, "finance")]),
            "other": factories.user("admin@oakwood.example", memberships=[(oak, "provider_admin")])}


def _move(app, tender, **dates):
    """Change the tender's timetable directly (as its commissioner), to reach a deadline."""
    from portal.extensions import db
    from portal.procurement.models import Tender
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(tender.tenant_id):
        db.session.execute(update(Tender).where(Tender.id == tender.id).values(**dates))
        db.session.commit()


def _leaks(body: bytes) -> list[str]:
    lowered = body.lower()
    return [word for word in (ASKER_NAME, ASKER_SLUG, "Morag", "staff@fernleigh", "Dalmarnock")
            if word.lower().encode() in lowered]


def test_a_question_is_published_without_naming_the_asker_anywhere_another_provider_looks(app, client, web, clar):
    tender = clar["tender"]
    web.sign_in(clar["asker"].email)
    form = client.get(f"/o/{ASKER_SLUG}/tenders/{tender.id}/questions/new").get_data(as_text=True)
    assert "never shown to other providers" in form and "Lot 2: East" in form
    asked = web.post(f"/o/{ASKER_SLUG}/tenders/{tender.id}/questions/new", {"question": ORIGINAL, "lot": "2"})
    assert asked.status_code == 303, asked.get_data(as_text=True)[:2000]
    question_url = asked.headers["Location"]
    question_id = int(re.search(r"/questions/(\d+)", question_url).group(1))
    assert ORIGINAL in client.get(question_url).get_data(as_text=True)

    # Unanswered: another provider, and a commissioner's viewer, do not see it.
    web.sign_in(clar["other"].email)
    assert client.get(f"/o/oakwood-care/questions/{question_id}").status_code == 404
    assert "Dalmarnock" not in client.get("/o/oakwood-care/questions/").get_data(as_text=True)
    web.sign_in(clar["viewer"].email)
    assert client.get(f"/o/glasgow-hscp/questions/{question_id}").status_code == 403
    assert "Dalmarnock" not in client.get(f"/o/glasgow-hscp/tenders/{tender.id}").get_data(as_text=True)

    # The procurement team sees it in its inbox, with the asker, and publishes an edited text.
    web.sign_in(clar["officer"].email)
    inbox = client.get("/o/glasgow-hscp/questions/").get_data(as_text=True)
    assert ASKER_NAME in inbox and "Waiting for an answer" in inbox and "to the answer deadline" in inbox
    page = client.get(f"/o/glasgow-hscp/questions/{question_id}").get_data(as_text=True)
    assert "The question as it will be published" in page and "Dalmarnock" in page
    assert f'<a class="govuk-link" href="/o/glasgow-hscp/tenders/{tender.id}">GCH-2027-CAH</a>' in page
    answered = web.post(f"/o/glasgow-hscp/questions/{question_id}/answer",
                        {"question_text": EDITED, "answer": "Yes, where the rota meets the staffing levels.",
                         "audience": "all"}, page=f"/o/glasgow-hscp/questions/{question_id}")
    assert answered.status_code == 303, answered.get_data(as_text=True)[:3000]
    own = client.get(f"/o/glasgow-hscp/tenders/{tender.id}").get_data(as_text=True)
    assert "Clarification 1" in own and EDITED in own

    # The asker keeps its original and sees what was published.
    web.sign_in(clar["asker"].email)
    mine = client.get(question_url).get_data(as_text=True)
    assert ORIGINAL in mine and EDITED in mine and "Published as clarification 1" in mine

    # Another provider: every page, API answer, file and email, read as bytes.
    web.sign_in(clar["other"].email)
    seen = {}
    for url in (f"/o/oakwood-care/tenders/{tender.id}", f"/o/oakwood-care/tenders/{tender.id}/clarifications",
                f"/o/oakwood-care/tenders/{tender.id}/clarifications.csv",
                f"/o/oakwood-care/tenders/{tender.id}/clarifications.docx", "/o/oakwood-care/questions/",
                "/o/oakwood-care/tenders/"):
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = response.data
        assert "fern" not in response.headers.get("Content-Disposition", "").lower()
    headers = {"Authorization": f"Bearer {factories.api_token(clar['other'])}"}
    for url in (f"/api/v1/tenders/{tender.id}/clarifications", f"/api/v1/tenders/{tender.id}", "/api/v1/questions",
                "/api/v1/tenders"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        seen[url] = response.data
    items = client.get(f"/api/v1/tenders/{tender.id}/clarifications", headers=headers).get_json()
    assert items == [{"number": 1, "lot": 2, "question": EDITED, "answer": "Yes, where the rota meets the "
                      "staffing levels.", "published_at": items[0]["published_at"]}]
    assert client.get("/api/v1/questions", headers=headers).get_json() == []
    assert EDITED.encode() in seen[f"/o/oakwood-care/tenders/{tender.id}/clarifications.csv"]
    docx = seen[f"/o/oakwood-care/tenders/{tender.id}/clarifications.docx"]
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for name in archive.namelist():  # the document, its properties (author...) and every other part
            seen[f"docx:{name}"] = archive.read(name)
        assert b"Glasgow City HSCP" in archive.read("docProps/core.xml")
        assert b"python-docx" not in archive.read("docProps/core.xml")
    assert any(EDITED.encode() in body for key, body in seen.items() if key.startswith("docx:"))
    run_jobs(app)  # one job per interested provider, then the emails they queued
    run_jobs(app)
    to_other = mailbox(app, "admin@oakwood.example")
    assert len(to_other) == 1 and "Clarification 1" in to_other[0].body and EDITED in to_other[0].body
    seen["email"] = (to_other[0].subject + to_other[0].body).encode()
    leaks = {where: _leaks(body) for where, body in seen.items() if _leaks(body)}
    assert leaks == {}
    # The asker is interested (asking registered it) and is told too; its finance staff are not.
    assert len(mailbox(app, "staff@fernleigh.example")) == 1 and not mailbox(app, "finance@fernleigh.example")


def test_a_private_answer_needs_a_reason_and_reaches_the_asker_alone(app, client, web, clar):
    tender = clar["tender"]
    question = factories.question(clar["fern"], tender, text="Our prices for night visits: are they too high?",
                                  by=None)
    web.sign_in(clar["officer"].email)
    url = f"/o/glasgow-hscp/questions/{question.id}"
    form = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    # The reason sits under "the provider that asked, alone", revealed by CSS without JavaScript.
    conditional = form.select_one(".portal-reveal .govuk-radios__conditional")
    assert conditional is not None and conditional.select_one("textarea[name=reason]") is not None
    assert conditional.find_previous_sibling(class_="govuk-radios__item").select_one("input")["value"] == "asker"
    refused = web.post(f"{url}/answer", {"question_text": question.text, "answer": "They are within range.",
                                         "audience": "asker", "reason": "  "}, page=url)
    assert refused.status_code == 422 and "Enter the reason" in refused.get_data(as_text=True)
    assert "Waiting for an answer" in client.get(url).get_data(as_text=True)  # nothing half-written
    empty = web.post(f"{url}/answer", {"question_text": "", "answer": "", "audience": ""}, page=url)
    body = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "Enter the answer" in body and "Choose who the answer is for" in body
    nonsense = web.post(f"{url}/answer", {"question_text": "x", "answer": "y", "audience": "everyone",
                                          "duplicates": "99999"}, page=url)
    assert nonsense.status_code == 422 and "Choose who the answer is for" in nonsense.get_data(as_text=True)
    sent = web.post(f"{url}/answer", {"question_text": question.text, "answer": "They are within range.",
                                      "audience": "asker", "reason": "It is about the provider's own prices"},
                    page=url)
    assert sent.status_code == 303, sent.get_data(as_text=True)[:3000]
    assert "No clarifications have been published yet" in client.get(
        f"/o/glasgow-hscp/tenders/{tender.id}/clarifications").get_data(as_text=True)
    run_jobs(app)
    run_jobs(app)
    assert "They are within range." in mailbox(app, "staff@fernleigh.example")[0].body
    assert not mailbox(app, "admin@oakwood.example")
    web.sign_in(clar["asker"].email)
    page = client.get(f"/o/{ASKER_SLUG}/questions/{question.id}").get_data(as_text=True)
    assert "Answered privately" in page and "They are within range." in page
    web.sign_in(clar["other"].email)
    assert client.get(f"/o/oakwood-care/questions/{question.id}").status_code == 404
    headers = {"Authorization": f"Bearer {factories.api_token(clar['other'])}"}
    assert client.get(f"/api/v1/tenders/{tender.id}/clarifications", headers=headers).get_json() == []


def test_asking_closes_at_the_clarification_deadline_with_the_deadline_shown(app, client, web, clar):
    tender = clar["tender"]
    web.sign_in(clar["asker"].email)
    url = f"/o/{ASKER_SLUG}/tenders/{tender.id}/questions/new"
    empty = web.post(url, {"question": "   ", "lot": ""})
    assert empty.status_code == 422 and "Enter your question" in empty.get_data(as_text=True)
    long = web.post(url, {"question": "x" * 5001, "lot": "all"})
    assert long.status_code == 422 and "5,000 characters or fewer" in long.get_data(as_text=True)
    nonsense = web.post(url, {"question": "Fine?", "lot": "7"})
    assert nonsense.status_code == 422 and "Choose the part of the tender" in nonsense.get_data(as_text=True)
    _move(app, tender, clarification_deadline=factories.noon(date.today() - timedelta(days=1)))
    page = client.get(url).get_data(as_text=True)
    assert "The deadline for clarification questions was" in page and "Send the question" not in page
    late = web.post(url, {"question": "Too late?", "lot": "all"}, page=f"/o/{ASKER_SLUG}/tenders/{tender.id}")
    assert late.status_code == 409 and "questions can no longer be asked" in late.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {factories.api_token(clar['asker'])}"}
    api = client.post(f"/api/v1/tenders/{tender.id}/questions", json={"question": "Too late?"}, headers=headers)
    assert api.status_code == 409 and "The deadline for clarification questions was" in api.get_json()["message"]
    assert client.get(f"/o/{ASKER_SLUG}/questions/").get_data(as_text=True).count("Too late?") == 0


def test_duplicates_merge_under_one_clarification_and_numbers_follow_publication(app, client, clar):
    tender = clar["tender"]
    first = factories.question(clar["fern"], tender, text="Is TUPE expected to apply?")
    same = factories.question(clar["oak"], tender, text="Will staff transfer under TUPE?")
    other = factories.question(clar["oak"], tender, text="How are hours reported?", lot=1)
    merged = factories.answer(first, answer="Yes.", question_text="Does TUPE apply?", duplicates=[same.id])
    later = factories.answer(other, answer="Monthly, through the portal.")
    assert merged.clarification_id != later.clarification_id
    headers = {"Authorization": f"Bearer {factories.api_token(clar['officer'])}"}
    listed = client.get(f"/api/v1/tenders/{tender.id}/clarifications", headers=headers).get_json()
    assert [(c["number"], c["question"], c["lot"]) for c in listed] == [
        (1, "Does TUPE apply?", None), (2, "How are hours reported?", 1)]
    inbox = {q["id"]: q for q in client.get("/api/v1/questions", headers=headers).get_json()}
    assert inbox[same.id]["status"] == "published" and inbox[same.id]["clarification_number"] == 1
    assert inbox[same.id]["answer"] == "Yes."
    # A question already answered (the duplicate) cannot be answered again.
    again = client.post(f"/api/v1/questions/{same.id}/answer", json={"answer": "No.", "publish": True},
                        headers=headers)
    assert again.status_code == 409 and again.get_json()["message"] == "This question has already been answered"


def test_the_api_asks_lists_and_answers(app, client, clar):
    tender = clar["tender"]
    provider = {"Authorization": f"Bearer {factories.api_token(clar['asker'])}"}
    officer = {"Authorization": f"Bearer {factories.api_token(clar['officer'])}"}
    asked = client.post(f"/api/v1/tenders/{tender.id}/questions", json={"question": "Are weekends included?",
                                                                        "lot": 1}, headers=provider)
    assert asked.status_code == 201 and asked.get_json() == {"id": asked.get_json()["id"], "status": "open"}
    question_id = asked.get_json()["id"]
    for body, message in (({"question": "  "}, "Enter your question"), ({"question": "x", "lot": 9}, "Choose a lot"),
                          ({}, "Missing data")):
        refused = client.post(f"/api/v1/tenders/{tender.id}/questions", json=body, headers=provider)
        assert refused.status_code == 422 and message in str(refused.get_json()), refused.get_json()
    mine = client.get("/api/v1/questions", headers=provider).get_json()
    assert [q["id"] for q in mine] == [question_id] and mine[0]["answer"] is None
    assert client.get("/api/v1/questions", headers=officer).get_json()[0]["asked_by"]["slug"] == ASKER_SLUG
    # The provider cannot answer (no such permission for its kind: 404); the answer needs a reason when private.
    assert client.post(f"/api/v1/questions/{question_id}/answer", json={"answer": "x", "publish": True},
                       headers=provider).status_code == 404
    private = client.post(f"/api/v1/questions/{question_id}/answer", json={"answer": "Yes", "publish": False},
                          headers=officer)
    assert private.status_code == 422 and "reason" in private.get_json()["message"]
    done = client.post(f"/api/v1/questions/{question_id}/answer",
                       json={"answer": "Yes, weekends are included.", "publish": True,
                             "question_text": "Are weekends included in the hours?"}, headers=officer)
    assert done.status_code == 200 and done.get_json()["clarification_number"] == 1
    assert client.get(f"/api/v1/tenders/{tender.id}/clarifications", headers=provider).get_json()[0]["question"] \
        == "Are weekends included in the hours?"


def test_the_inbox_flags_questions_at_risk_and_the_tender_page_warns_at_the_answer_deadline(app, client, web, clar):
    tender = clar["tender"]
    factories.question(clar["fern"], tender, text="Who holds the keys?")
    web.sign_in(clar["officer"].email)
    assert "At risk" not in client.get("/o/glasgow-hscp/questions/").get_data(as_text=True)
    now = datetime.now(timezone.utc)
    _move(app, tender, answer_deadline=now + timedelta(hours=20))
    inbox = client.get("/o/glasgow-hscp/questions/").get_data(as_text=True)
    assert "At risk" in inbox and "hours left to the answer deadline" in inbox
    assert "1 question must be answered by" in client.get(f"/o/glasgow-hscp/tenders/{tender.id}").get_data(
        as_text=True)
    _move(app, tender, clarification_deadline=now - timedelta(days=2), answer_deadline=now - timedelta(hours=3))
    page = client.get(f"/o/glasgow-hscp/tenders/{tender.id}").get_data(as_text=True)
    assert "The deadline for answers passed on" in page and "with 1 question still unanswered" in page
    assert f'href="/o/glasgow-hscp/tenders/{tender.id}/amend">extend the deadline for bids</a>' in page
    assert "Overdue" in client.get("/o/glasgow-hscp/questions/").get_data(as_text=True)
    web.sign_in(clar["other"].email)  # the warning is the team's
    assert "The deadline for answers passed" not in client.get(
        f"/o/oakwood-care/tenders/{tender.id}").get_data(as_text=True)


def test_the_log_is_a_full_page_without_javascript_and_a_partial_for_htmx(app, client, web, clar):
    tender = clar["tender"]
    factories.clarification(clar["fern"], tender, text="=HYPERLINK(\"http://x\")", answer_text="+1 more")
    web.sign_in(clar["other"].email)
    url = f"/o/oakwood-care/tenders/{tender.id}/clarifications"
    full = client.get(url)
    assert b"<html" in full.data and b'hx-trigger="every 30s"' in full.data
    partial = client.get(url, headers={"HX-Request": "true"})
    assert b"<html" not in partial.data and b"Clarification 1" in partial.data
    assert "HX-Request" in partial.headers["Vary"]
    csv = client.get(f"{url}.csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in csv.get_data(as_text=True) and "'+1 more" in csv.get_data(as_text=True)
    assert 'filename="GCH-2027-CAH-clarifications.csv"' in csv.headers["Content-Disposition"]


def test_two_officers_publishing_at_once_take_numbers_one_after_the_other(app, clar, services):
    """The tender's row is locked while a number is taken: the second publisher waits for the
    first to commit, then takes the next number (without the lock both would take 1)."""
    import threading

    import psycopg

    from portal.extensions import db
    from portal.procurement.clarification_queries import get_question
    from portal.procurement.clarifications import answer_question
    from portal.tenants.context import tenant_context

    tender = clar["tender"]
    questions = [factories.question(clar["fern"], tender, text=f"Question {n}?") for n in (1, 2)]
    first_flushed, release, results = threading.Event(), threading.Event(), {}

    def publish(index: int, hold: bool) -> None:
        try:
            with app.app_context(), tenant_context(tender.tenant_id):
                answer_question(get_question(questions[index].id), "Answer", publish=True, actor=None)
                db.session.flush()
                if hold:
                    first_flushed.set()
                    release.wait(60)
                results[index] = get_question(questions[index].id).clarification.number
                db.session.commit()
        except Exception as exc:  # reported by the assertion below
            results[index] = exc
            first_flushed.set()

    holder = threading.Thread(target=publish, args=(0, True))
    holder.start()
    assert first_flushed.wait(60)
    waiter = threading.Thread(target=publish, args=(1, False))
    waiter.start()
    plain = services.urls["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:  # wait until the second publisher waits on the lock
        for _ in range(600):
            if conn.execute("select count(*) from pg_stat_activity where wait_event_type = 'Lock'").fetchone()[0]:
                break
            threading.Event().wait(0.1)
    release.set()
    holder.join(60)
    waiter.join(60)
    assert results == {0: 1, 1: 2}


def test_the_demo_tender_has_clarifications_from_several_providers(app):
    from sqlalchemy import select

    from portal.dev.demo import seed_demo
    from portal.extensions import db
    from portal.procurement.clarification_models import Question
    from portal.procurement.clarification_queries import clarifications_of
    from portal.procurement.models import Tender
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        seed_demo()
        db.session.commit()
        with tenant_context(get_organisation_by_slug("glasgow-hscp").id):
            tender = db.session.scalar(select(Tender).where(Tender.reference == "GCH-2027-CAH"))
            questions = db.session.scalars(select(Question).where(Question.tender_id == tender.id)).all()
            assert sorted(q.status for q in questions) == ["open", "private", "published", "published", "published"]
            assert len({q.tenant_id for q in questions if q.status == "published"}) == 3
            log = clarifications_of(tender)
            assert [c.number for c in log] == [1, 2, 3] and "Hillview" not in " ".join(c.question for c in log)
