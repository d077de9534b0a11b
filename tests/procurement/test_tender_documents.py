"""Tender documents: attached from the commissioner's library (clean documents only, the bytes
copied to the tender's own key), released with the tender or from a set moment (server clock, to
the microsecond), released and announced by a periodic job in a real worker, and replaced or
withdrawn by an amendment once published."""
from __future__ import annotations

import os
import subprocess
import urllib.request
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from tests import factories
from tests.helpers import mailbox, queued, queues

LONDON = ZoneInfo("Europe/London")
SPEC = b"%PDF-1.4\n% the service specification\n"
DATA = b"locality,people,hours\nNorth East,310,5200\nEast,270,4400\n"


def _day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def docs(app):
    """Glasgow's officer with a specification and a market data file in its library; Fern (interested
    in Glasgow's open tender) and Oak (not interested), each with staff."""
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    oak = factories.organisation("provider", slug="oak-care", name="Oak Care")
    tender = factories.tender(glasgow, reference="GCH-DOCS", days_open=40)
    factories.interest(fern, tender)
    return {"glasgow": glasgow, "fern": fern, "oak": oak, "tender": tender,
            "spec": factories.stored_document(glasgow, filename="specification.pdf", content=SPEC),
            "data": factories.stored_document(glasgow, filename="market-data.csv", content=DATA,
                                              content_type="text/csv"),
            "officer": factories.user("officer@glasgow.example", memberships=[(glasgow, "procurement")]),
            "fern_staff": factories.user("staff@fern.example", memberships=[(fern, "submitter")]),
            "fern_admin": factories.user("admin@fern.example", memberships=[(fern, "provider_admin")]),
            "oak_staff": factories.user("staff@oak.example", memberships=[(oak, "submitter")])}


def _rows(app, org_id: int, tender_id: int) -> list:
    from portal.extensions import db
    from portal.procurement.tender_document_models import TenderDocument
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org_id):
        found = list(db.session.scalars(select(TenderDocument).where(TenderDocument.tender_id == tender_id)
                                        .order_by(TenderDocument.id)))
        for row in found:
            db.session.expunge(row)
        return found


def _jobs(app, name: str) -> int:
    from portal.extensions import db
    from portal.outbox import OutboxMessage

    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.job == name))
        db.session.rollback()
        return found


def _objects(app, prefix: str) -> list[str]:
    from flask import current_app

    from portal.storage import s3_client

    with app.app_context():
        found = s3_client().list_objects_v2(Bucket=current_app.config["S3_BUCKET"], Prefix=prefix)
    return [item["Key"] for item in found.get("Contents", [])]


def test_publication_releases_what_is_due_without_an_email(app, docs):
    """Attached to a draft: with the tender, a moment already passed and a moment to come. The
    first two are released by the publication itself; nobody is emailed about them."""
    from portal.extensions import db
    from portal.procurement.models import Tender
    from portal.procurement.services import publish
    from portal.tenants.context import tenant_context

    draft = factories.tender(docs["glasgow"], reference="GCH-DRAFT", published=False)
    now = datetime.now(timezone.utc)
    factories.tender_document(draft, docs["spec"], title="Service specification")
    factories.tender_document(draft, docs["data"], title="Market data, last year", release_at=now - timedelta(days=2))
    factories.tender_document(draft, docs["data"], title="Market data on people supported",
                              release_at=now + timedelta(days=3))
    assert [r.listed for r in _rows(app, docs["glasgow"].id, draft.id)] == [False] * 3
    with app.app_context(), tenant_context(docs["glasgow"].id):
        publish(db.session.get(Tender, draft.id), actor=None, now=now)
        db.session.commit()
    rows = _rows(app, docs["glasgow"].id, draft.id)
    assert [(r.title, r.listed, r.released_at == now) for r in rows] == [
        ("Service specification", True, True), ("Market data, last year", True, True),
        ("Market data on people supported", True, False)]
    assert all(r.storage_key.startswith(f"t/{docs['glasgow'].id}/tenders/{draft.id}/documents/") for r in rows)
    assert _jobs(app, "notify_documents_released") == 0


def test_a_reader_downloads_from_the_release_moment_to_the_microsecond(app, web, client, api_token, docs):
    from portal.errors import Conflict
    from portal.extensions import db
    from portal.procurement.models import Tender
    from portal.procurement.tender_document_models import TenderDocument
    from portal.procurement.tender_documents import download_url
    from portal.tenants.context import tenant_context

    tender = docs["tender"]
    moment = datetime.now(LONDON).replace(microsecond=0) + timedelta(hours=2)
    released = factories.tender_document(tender, docs["spec"], title="Service specification")
    waiting = factories.tender_document(tender, docs["data"], title="Market data on people supported",
                                        release_at=moment)
    with app.app_context(), tenant_context(docs["fern"].id):
        found, item = db.session.get(Tender, tender.id), db.session.get(TenderDocument, waiting.id)
        with pytest.raises(Conflict, match=f"Released on {moment.day} {moment:%B %Y} at {moment:%H:%M}"):
            download_url(found, item, actor=None, now=moment - timedelta(microseconds=1))
        assert "X-Amz-Signature" in download_url(found, item, actor=None, now=moment)
        db.session.rollback()

    web.sign_in(docs["fern_staff"].email)
    page = client.get(f"/o/fern-care/tenders/{tender.id}").get_data(as_text=True)
    assert "Market data on people supported" in page and "Service specification" in page
    assert f"Released on {moment.day} {moment:%B %Y} at {moment:%H:%M}" in page
    assert f"/documents/{waiting.id}/download" not in page  # the file is not offered before its release
    assert f"/documents/{released.id}/download" in page
    early = client.get(f"/o/fern-care/tenders/{tender.id}/documents/{waiting.id}/download")
    assert early.status_code == 409 and "not released yet" in early.get_data(as_text=True)
    ready = client.get(f"/o/fern-care/tenders/{tender.id}/documents/{released.id}/download")
    assert ready.status_code == 303
    with urllib.request.urlopen(ready.headers["Location"], timeout=30) as fetched:
        assert fetched.read() == SPEC
        assert "specification.pdf" in fetched.headers["Content-Disposition"]
    headers = {"Authorization": f"Bearer {api_token(docs['fern_staff'].email)}"}
    listed = client.get(f"/api/v1/tenders/{tender.id}/documents", headers=headers).get_json()
    assert [(d["title"], d["released"], d["filename"]) for d in listed] == [
        ("Service specification", True, "specification.pdf"), ("Market data on people supported", False, None)]
    assert listed[1]["release_at"] == moment.astimezone(timezone.utc).isoformat()
    early = client.get(f"/api/v1/tenders/{tender.id}/documents/{waiting.id}/download", headers=headers)
    assert early.status_code == 409 and "Released on" in early.get_json()["message"]
    assert client.get(f"/api/v1/tenders/{tender.id}/documents/{released.id}/download",
                      headers=headers).status_code == 303
    # The commissioner downloads its own documents before their release.
    web.sign_in(docs["officer"].email)
    assert client.get(f"/o/glasgow-hscp/tenders/{tender.id}/documents/{waiting.id}/download").status_code == 303


def _run_worker() -> None:
    from portal.jobs import worker_command

    result = subprocess.run(worker_command(os.environ["REDIS_URL"], burst=True), env=dict(os.environ),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    for queue in queues():
        failed = queue.failed_job_registry
        assert failed.count == 0, [queue.fetch_job(job_id).exc_info for job_id in failed.get_job_ids()]
    assert queued() == 0


def test_the_release_job_releases_and_tells_interested_providers_in_a_worker(app, docs):
    from portal.audit.models import AuditEvent
    from portal.extensions import db
    from portal.jobs import DEFAULT
    from portal.procurement.tender_document_jobs import release_tender_documents
    from portal.tenants.context import tenant_context

    tender = docs["tender"]
    moment = datetime.now(timezone.utc) + timedelta(hours=1)
    waiting = factories.tender_document(tender, docs["data"], title="Market data on people supported",
                                        release_at=moment)
    later = factories.tender_document(tender, docs["spec"], title="Staffing data",
                                      release_at=moment + timedelta(days=2))
    Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # the amendments' emails are not what this test is about
    housekeeping = Queue(DEFAULT, connection=Redis.from_url(os.environ["REDIS_URL"]))
    housekeeping.enqueue(release_tender_documents, now=moment - timedelta(microseconds=1))  # not yet
    housekeeping.enqueue(release_tender_documents, now=moment)
    housekeeping.enqueue(release_tender_documents, now=moment + timedelta(minutes=1))  # nothing more to do

    _run_worker()

    rows = {r.id: r for r in _rows(app, docs["glasgow"].id, tender.id)}
    assert rows[waiting.id].released_at == moment and rows[later.id].released_at is None
    with app.app_context(), tenant_context(docs["glasgow"].id):
        released = list(db.session.scalars(select(AuditEvent.object_id).where(
            AuditEvent.action == "tender_document_released")))
        db.session.rollback()
    assert released == [str(waiting.id)]
    sent = sorted((m.to_address, m.subject) for m in mailbox(app) if m.subject.startswith("Documents released"))
    assert sent == [(email, "Documents released on GCH-DOCS: Care at home, east")
                    for email in ("admin@fern.example", "staff@fern.example")]
    body = next(m.body for m in mailbox(app) if m.subject.startswith("Documents released"))
    assert "Market data on people supported (market-data.csv)" in body and "/o/fern-care/tenders/" in body
    assert "Staffing data" not in body


def test_replacing_and_withdrawing_a_published_document_are_amendments(app, web, client, docs):
    from portal.procurement.tender_documents import describe

    tender = docs["tender"]
    original = factories.tender_document(tender, docs["data"], title="Market data on people supported")
    replacement = factories.stored_document(docs["glasgow"], filename="market-data-v2.csv",
                                            content=DATA + b"West,12,200\n", content_type="text/csv")
    emails_before = _jobs(app, "notify_interested")
    web.sign_in(docs["officer"].email)
    url = f"/o/glasgow-hscp/tenders/{tender.id}/documents/{original.id}/replace"
    form = client.get(url).get_data(as_text=True)
    assert "market-data-v2.csv" in form and "Why is the tender changing?" in form
    missing = web.post(url, {"document_id": str(replacement.id), "title": "Market data on people supported"})
    assert missing.status_code == 422 and "Enter the reason for the change" in missing.get_data(as_text=True)
    done = web.post(url, {"document_id": str(replacement.id), "title": "Market data on people supported",
                          "reason": "The data now includes the West locality."})
    assert done.status_code == 303, done.get_data(as_text=True)[:3000]
    rows = _rows(app, docs["glasgow"].id, tender.id)
    assert [(r.filename, r.status) for r in rows] == [("market-data.csv", "replaced"),
                                                      ("market-data-v2.csv", "current")]
    assert _jobs(app, "notify_interested") == emails_before + 1  # Fern, the interested provider
    amendment = _latest_amendment(app, docs["fern"].id, tender.id)
    change = amendment.changes[f"document_{rows[1].id}"]
    assert change == {"label": "Document replaced: Market data on people supported",
                      "before": describe(rows[0]), "after": describe(rows[1])}
    assert change["before"] == f"market-data.csv, {len(DATA)} bytes, SHA-256 {rows[0].sha256[:12]}"
    assert rows[1].amendment_number == amendment.number and amendment.reason.startswith("The data now includes")

    web.sign_in(docs["fern_staff"].email)
    page = client.get(f"/o/fern-care/tenders/{tender.id}").get_data(as_text=True)
    assert "market-data-v2.csv" in page and "Document replaced: Market data on people supported" in page
    assert f"SHA-256 {rows[0].sha256[:12]}" in page  # the amendment shows the file before and after
    old = client.get(f"/o/fern-care/tenders/{tender.id}/documents/{original.id}/download")
    assert old.status_code == 409 and "was replaced" in old.get_data(as_text=True)

    web.sign_in(docs["officer"].email)
    withdraw = f"/o/glasgow-hscp/tenders/{tender.id}/documents/{rows[1].id}/withdraw"
    assert web.post(withdraw, {"reason": ""}).status_code == 422
    assert web.post(withdraw, {"reason": "Published by mistake."}).status_code == 303
    assert _latest_amendment(app, docs["fern"].id, tender.id).changes[f"document_{rows[1].id}"]["after"] == "withdrawn"
    web.sign_in(docs["fern_staff"].email)
    page = client.get(f"/o/fern-care/tenders/{tender.id}").get_data(as_text=True)
    assert "This tender has no documents." in page and "Document withdrawn: Market data on people supported" in page
    assert client.get(f"/o/fern-care/tenders/{tender.id}/documents/{rows[1].id}/download").status_code == 409


def _latest_amendment(app, org_id: int, tender_id: int):
    from portal.extensions import db
    from portal.procurement.models import Amendment
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org_id):
        found = db.session.scalar(select(Amendment).where(Amendment.tender_id == tender_id)
                                  .order_by(Amendment.number.desc()).limit(1))
        db.session.expunge(found)
        return found


def test_a_late_change_waits_for_the_deadline_to_be_extended(app, docs):
    """Scotland: a document change less than 6 days before the deadline for bids is refused (and the
    copy in S3 goes with the rollback) until the tender is amended with a later deadline."""
    from portal.errors import Invalid
    from portal.extensions import db
    from portal.procurement.queries import get_tender
    from portal.procurement.services import amend
    from portal.procurement.tender_documents import attach
    from portal.tenants.context import tenant_context

    late = factories.tender(docs["glasgow"], reference="GCH-LATE", days_open=30)
    three_days_before = late.submission_deadline - timedelta(days=3)
    prefix = f"t/{docs['glasgow'].id}/tenders/{late.id}/"
    before = set(_objects(app, prefix))  # the bucket outlives each test's database
    with app.app_context(), tenant_context(docs["glasgow"].id):
        with pytest.raises(Invalid) as refused:
            attach(get_tender(late.id), docs["spec"].id, title="Service specification", reason="Added late.",
                   actor=None, now=three_days_before)
        assert "less than 6 days before the submission deadline" in refused.value.message
        assert "Change the tender first to extend the deadline for bids" in refused.value.message
        db.session.rollback()
    assert _rows(app, docs["glasgow"].id, late.id) == []
    assert set(_objects(app, prefix)) == before  # the copy went with the rollback
    with app.app_context(), tenant_context(docs["glasgow"].id):
        fresh = get_tender(late.id)
        amend(fresh, {name: getattr(late, name) + timedelta(days=7) for name in (
            "submission_deadline", "evaluation_on", "award_on", "standstill_end", "contract_start")},
            "More time for bids", actor=None, now=three_days_before)
        made = attach(fresh, docs["spec"].id, title="Service specification", reason="Added late.", actor=None,
                      now=three_days_before)
        db.session.commit()
        assert made.amendment_number == 2
    assert set(_objects(app, prefix)) - before == {_rows(app, docs["glasgow"].id, late.id)[0].storage_key}


def test_every_document_form_answers_bad_input_and_keeps_nothing(app, web, client, api_token, docs):
    tender = docs["tender"]
    pending = factories.document(docs["glasgow"], filename="checking.pdf", status="pending", scan_status=None)
    theirs = factories.stored_document(docs["fern"], filename="fern.pdf")
    draft = factories.tender(docs["glasgow"], reference="GCH-DRAFT", published=False)
    stored = set(_objects(app, f"t/{docs['glasgow'].id}/tenders/"))  # the bucket outlives each test's database
    web.sign_in(docs["officer"].email)
    choices = client.get(f"/o/glasgow-hscp/tenders/{draft.id}/documents/new").get_data(as_text=True)
    assert "specification.pdf" in choices and "checking.pdf" not in choices and "fern.pdf" not in choices
    assert "Why is the tender changing?" not in choices  # a draft's documents change without an amendment
    soon = date.today() + timedelta(days=5)
    good = {"document_id": str(docs["spec"].id), "title": "Service specification", "release_on": ["", "", ""],
            "release_time": "09:00"}
    for url, changes, message in (
            ("draft", {"document_id": ""}, "Choose a document from your library"),
            ("draft", {"document_id": str(pending.id)}, "Choose a document from your library"),
            ("draft", {"document_id": str(theirs.id)}, "Choose a document from your library"),
            ("draft", {"document_id": "9" * 30}, "Choose a document from your library"),
            ("draft", {"title": ""}, "Enter the document’s title"),
            ("draft", {"title": "x" * 201}, "The title must be 200 characters or fewer"),
            ("draft", {"release_on": ["31", "2", "2027"]}, "Enter the release date (optional) as a real date"),
            ("draft", {"release_on": _day(soon), "release_time": "25:99"}, "as a time on the 24-hour clock"),
            ("draft", {"release_on": ["1", "1", "2099"]}, "Release the document before the deadline for bids"),
            ("open", {"reason": "Added."} | {"release_on": _day(date.today() - timedelta(days=1))},
             "That moment has passed"),
            ("open", {"reason": ""}, "Enter the reason for the change"),
            ("open", {"reason": "x" * 2001}, "The reason must be 2,000 characters or fewer"),
            ("open", {"reason": "Added.", "release_on": _day(soon), "release_time": "noon"},
             "as a time on the 24-hour clock")):
        target = draft if url == "draft" else tender
        address = f"/o/glasgow-hscp/tenders/{target.id}/documents/new"
        answer = web.post(address, {**good, **changes}, page=address)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 422, (changes, answer.status_code, text[:500])
        assert "govuk-error-summary" in text and message in text, (changes, text[:5000])
    assert _rows(app, docs["glasgow"].id, draft.id) == [] and _rows(app, docs["glasgow"].id, tender.id) == []
    assert set(_objects(app, f"t/{docs['glasgow'].id}/tenders/")) == stored
    headers = {"Authorization": f"Bearer {api_token(docs['officer'].email)}"}
    address = f"/api/v1/tenders/{tender.id}/documents"
    for body in ({"title": "X", "reason": "Added."}, {"document_id": docs["spec"].id, "reason": "Added."},
                 {"document_id": docs["spec"].id, "title": "X"},
                 {"document_id": docs["spec"].id, "title": "X", "reason": "R", "release_at": "2027-03-02T09:00:00"},
                 {"document_id": -1, "title": "X", "reason": "R"}, {"document_id": 2**70, "title": "X", "reason": "R"},
                 {"document_id": pending.id, "title": "X", "reason": "R"},
                 {"document_id": docs["spec"].id, "title": "X", "reason": "R", "release_at": "9999-12-31T00:00:00Z"}):
        answer = client.post(address, headers=headers, json=body)
        assert answer.status_code == 422 and answer.get_json()["message"], (body, answer.get_json())
    made = client.post(address, headers=headers, json={"document_id": docs["spec"].id, "title": "Specification",
                                                       "reason": "The specification is published."})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["amendment"] == 1 and made.get_json()["sha256"] == _rows(
        app, docs["glasgow"].id, tender.id)[0].sha256
    item = made.get_json()["id"]
    assert client.post(f"{address}/{item}/withdraw", headers=headers, json={}).status_code == 422
    assert client.post(f"{address}/{item}/replace", headers=headers,
                       json={"document_id": docs["data"].id}).status_code == 422
    # A provider has no such routes, and cannot write a document into the tender.
    provider = {"Authorization": f"Bearer {api_token(docs['fern_staff'].email)}"}
    assert client.post(address, headers=provider, json={"document_id": theirs.id, "title": "X"}).status_code == 404
    assert client.post(f"{address}/{item}/withdraw", headers=provider, json={"reason": "No"}).status_code == 404
