"""Bids per lot: a provider prepares one on its pages (price, quality answers with word limits, a
document, check and submit with a declaration) and gets a receipt whose SHA-256 anyone can
recompute; the deadline for bids is refused at its second, for each regime; a replacement in
progress leaves the submitted bid standing; the API submits, lists and withdraws."""
from __future__ import annotations

import hashlib
import io
import re
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests import factories
from tests.helpers import mailbox, run_jobs

PDF = factories.BID_PDF


@contextmanager
def acting_as(app, org, user=None):
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org.id, user.id if user else None):
        yield db.session
        db.session.rollback()


def _bid_page(response) -> str:
    match = re.search(r"/bids/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_a_provider_bids_on_its_pages_and_gets_a_receipt_it_can_check(app, web, bidding):
    b = bidding
    tender, slug = b["tender"], "fern-care"
    web.sign_in(b["staff"].email)
    page = web.client.get(f"/o/{slug}/tenders/{tender.id}").get_data(as_text=True)
    assert "Your bids" in page and "Start a bid" in page and "Not started" in page
    started = web.post(f"/o/{slug}/tenders/{tender.id}/bids", {"lot": "1"}, page=f"/o/{slug}/tenders/{tender.id}")
    assert started.status_code == 303
    bid_url = f"/o/{slug}/bids/{_bid_page(started)}"
    tasks = web.client.get(bid_url).get_data(as_text=True)
    assert "Your bid for lot 1" in tasks and "Cannot start yet" in tasks

    assert web.post(f"{bid_url}/price", {"price": ""}).status_code == 422
    nonsense = web.post(f"{bid_url}/price", {"price": "about four million"})
    assert nonsense.status_code == 422 and "Enter your price as an amount in pounds" in nonsense.get_data(as_text=True)
    assert web.post(f"{bid_url}/price", {"price": "£4,150,000"}).status_code == 303

    too_long = " ".join(["word"] * 60)
    refused = web.post(f"{bid_url}/answers", {"answer_1": "We visit daily.", "answer_2": too_long})
    assert refused.status_code == 422
    assert "is 60 words: the limit is 50. Shorten it by 10 words" in refused.get_data(as_text=True)
    assert web.post(f"{bid_url}/answers", {"answer_1": "We visit daily and plan with each person.",
                                           "answer_2": "We pay the Real Living Wage."}).status_code == 303

    empty = web.post(f"{bid_url}/documents", {"files": (io.BytesIO(b""), "method.pdf")})
    assert empty.status_code == 422 and "method.pdf is empty" in empty.get_data(as_text=True)
    renamed = web.post(f"{bid_url}/documents", {"files": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 300), "method.pdf")})
    assert renamed.status_code == 422 and "method.pdf" in renamed.get_data(as_text=True)
    assert web.post(f"{bid_url}/documents", {"files": (io.BytesIO(PDF), "method.pdf")}).status_code == 303

    check = web.client.get(f"{bid_url}/check").get_data(as_text=True)
    assert "£4,150,000.00" in check and "We pay the Real Living Wage." in check and hashlib.sha256(PDF).hexdigest() in check
    undeclared = web.post(f"{bid_url}/check", {})
    assert undeclared.status_code == 422 and "Confirm the declaration" in undeclared.get_data(as_text=True)
    submitted = web.post(f"{bid_url}/check", {"declaration": "y"})
    assert submitted.status_code == 303 and "/receipt" in submitted.headers["Location"]
    receipt_page = web.client.get(submitted.headers["Location"]).get_data(as_text=True)
    assert "Bid submitted" in receipt_page and "How to check this receipt" in receipt_page

    downloaded = web.client.get(f"{bid_url}/receipt.json")
    digest = hashlib.sha256(downloaded.data).hexdigest()
    assert digest in receipt_page  # the file's SHA-256 is the receipt shown
    from portal.procurement.bid_models import Bid

    with acting_as(app, b["fern"]) as session:
        bid = session.scalar(select(Bid))
        assert (bid.status, bid.version, bid.receipt_sha256, bid.price) == ("submitted", 1, digest, 4150000)
    run_jobs(app)
    mails = {mail.to_address: mail for mail in mailbox(app)}
    assert set(mails) == {"staff@fern.example", "admin@fern.example"}
    assert digest in mails["staff@fern.example"].body and "4,150,000" not in mails["staff@fern.example"].body
    assert mails["staff@fern.example"].subject == "Bid submitted: GCH-BID, lot 1"


@pytest.mark.parametrize("regime", ["scotland", "england", "below_threshold"])
def test_the_deadline_is_refused_at_its_second_by_the_server_clock(app, regime):
    from portal.errors import Conflict
    from portal.procurement import bids
    from portal.procurement.bid_models import Bid
    from portal.procurement.queries import get_tender

    glasgow = factories.organisation("commissioner", slug="glasgow-hscp")
    fern = factories.organisation("provider", slug="fern-care")
    tender = factories.tender(glasgow, regime=regime, days_open=40)
    draft = factories.bid(fern, tender, submit=False)
    deadline = tender.submission_deadline
    for moment in (deadline, deadline + timedelta(seconds=1)):
        with acting_as(app, fern) as session, pytest.raises(Conflict, match="The deadline for bids was midday on"):
            bids.submit(session.get(Bid, draft.id), declaration=True, actor=None, now=moment)
        with acting_as(app, fern) as session, pytest.raises(Conflict, match="can no longer be submitted"):
            bids.start_bid(_org(session, fern), get_tender(tender.id), 1, actor=None, now=moment)
    with acting_as(app, fern) as session:
        receipt = bids.submit(session.get(Bid, draft.id), declaration=True, actor=None,
                              now=deadline - timedelta(seconds=1))
        session.commit()
        assert receipt.contents["time"] == (deadline - timedelta(seconds=1)).isoformat()
    with acting_as(app, fern) as session, pytest.raises(Conflict, match="can no longer be submitted, changed or "
                                                                          "withdrawn"):
        bids.withdraw(session.get(Bid, draft.id), actor=None, now=deadline)
    with acting_as(app, fern) as session:
        bids.withdraw(session.get(Bid, draft.id), actor=None, now=deadline - timedelta(microseconds=1))


def _org(session, org):
    from portal.tenants.models import Organisation

    return session.get(Organisation, org.id)


def test_the_receipt_hash_is_recomputed_from_the_stored_contents(app, bidding):
    from portal.procurement import bids
    from portal.procurement.bid_models import Bid, BidReceipt
    from portal.procurement.bid_receipts import canonical

    b = bidding
    made = factories.bid(b["fern"], b["tender"], price="4150000.00", members=[b["birch"]])
    with acting_as(app, b["fern"]) as session:
        [first] = session.scalars(select(BidReceipt)).all()
        assert hashlib.sha256(canonical(first.contents)).hexdigest() == first.sha256 == made.receipt_sha256
        contents, first_sha = first.contents, first.sha256
        assert contents["tender"]["reference"] == "GCH-BID" and contents["lot"]["number"] == 1
        assert contents["provider"] == {"slug": "fern-care", "name": "Fern Care"}
        assert (contents["price"], contents["version"], contents["action"]) == ("4150000.00", 1, "submitted")
        assert [a["question"] for a in contents["answers"]] == [1, 2]
        assert contents["documents"] == [{"name": "method.pdf", "size_bytes": len(PDF),
                                          "sha256": hashlib.sha256(PDF).hexdigest()}]
        assert [(m["organisation"], m["share"]) for m in contents["members"]] == [("birch-support", "25.00")]
        assert canonical(contents) == canonical(dict(reversed(list(contents.items()))))  # key order does not matter
        bid = session.get(Bid, made.id)
        bids.save_price(bid, "3990000", actor=None)
        bids.submit(bid, declaration=True, actor=None)
        session.commit()
    with acting_as(app, b["fern"]) as session:
        receipts = session.scalars(select(BidReceipt).order_by(BidReceipt.number)).all()
        assert [(r.number, r.contents["action"], r.contents["version"], r.contents["price"]) for r in receipts] == [
            (1, "submitted", 1, "4150000.00"), (2, "replaced", 2, "3990000.00")]
        assert receipts[0].sha256 == first_sha  # the first receipt is kept as it was
        assert all(hashlib.sha256(canonical(r.contents)).hexdigest() == r.sha256 for r in receipts)


def test_a_replacement_in_progress_leaves_the_submitted_bid_standing(app, bidding, api_token, client):
    from portal.procurement import bid_documents, bids
    from portal.procurement.bid_models import Bid
    from werkzeug.datastructures import FileStorage

    b = bidding
    made = factories.bid(b["fern"], b["tender"], price="4150000.00")
    with acting_as(app, b["fern"]) as session:
        bid = session.get(Bid, made.id)
        bids.save_price(bid, "1.00", actor=None)
        bid_documents.upload(bid, [FileStorage(io.BytesIO(PDF.replace(b"tests", b"draft")), filename="draft.pdf")],
                             actor=None)
        session.commit()
        assert session.get(Bid, made.id).price == 4150000  # the bid itself is unchanged
    factories.opened(b["tender"])
    headers = {"Authorization": f"Bearer {api_token(b['officers'][0].email)}"}
    [seen] = client.get(f"/api/v1/tenders/{b['tender'].id}/bids", headers=headers).get_json()
    # The price is withheld until quality is moderated: the receipt shows it is the submitted version.
    assert (seen["price_withheld"], seen["receipt_sha256"], seen["version"], [d["filename"] for d in seen["documents"]]) == (
        True, made.receipt_sha256, 1, ["method.pdf"])


def test_prices_and_answers_are_checked_with_messages_that_say_what_to_do(app, bidding):
    from portal.errors import Invalid
    from portal.procurement import bids

    for value, message in (("", "Enter your price in pounds"), ("four million", "as an amount in pounds"),
                           ("0", "more than £0"), ("-5", "more than £0"), ("NaN", "more than £0"),
                           ("1e20", "at most £9,999,999,999.99"), ("12.345", "pounds and pence"),
                           (None, "Enter your price"), (True, "Enter your price")):
        with pytest.raises(Invalid, match=message) as refused:
            bids.parse_price(value)
        assert refused.value.field == "price"
    assert str(bids.parse_price("£1,250,000.5")) == "1250000.50"
    b = bidding
    draft = factories.bid(b["fern"], b["tender"], submit=False, answers={})
    from portal.procurement.bid_models import Bid

    with acting_as(app, b["fern"]) as session:
        bid = session.get(Bid, draft.id)
        with pytest.raises(Invalid, match="This lot has no question 7"):
            bids.save_answers(bid, {"7": "An answer"}, actor=None)
        with pytest.raises(Invalid, match="Write your answer to question 1 as text"):
            bids.save_answers(bid, {"1": 42}, actor=None)
        with pytest.raises(Invalid, match="Answer quality questions 1, 2"):
            bids.submit(bid, declaration=True, actor=None)


def _closed_tender(app, commissioner, reference: str = "GCH-PAST"):
    """A tender published 45 days ago whose deadline for bids was yesterday at noon (services' ``now``)."""
    from portal.procurement import services
    from portal.tenants.models import Organisation

    now = datetime.now(timezone.utc)
    deadline = factories.noon((now - timedelta(days=1)).date())
    published = deadline - timedelta(days=45)
    with acting_as(app, commissioner) as session:
        tender = services.create_tender(session.get(Organisation, commissioner.id), reference=reference,
                                        title="Care at home, past", description="", service_type="care_at_home",
                                        regime="scotland", published_at=published, submission_deadline=deadline,
                                        estimated_value="100000", actor=None)
        services.publish(tender, actor=None, now=published)
        session.commit()
        return tender.id


def test_the_api_submits_lists_and_withdraws_and_refuses_late_bids(app, client, api_token, bidding):
    b = bidding
    tender = b["tender"]
    headers = {"Authorization": f"Bearer {api_token(b['staff'].email)}"}
    body = {"lot": 2, "price": "3500000.00", "answers": {"1": "Daily visits.", "2": "Real Living Wage."}}
    created = client.post(f"/api/v1/tenders/{tender.id}/bids", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    answer = created.get_json()
    assert (answer["lot"], answer["status"]) == (2, "submitted") and re.fullmatch(r"[0-9a-f]{64}",
                                                                                  answer["receipt"]["sha256"])
    assert answer["receipt"]["submitted_at"]
    assert client.post(f"/api/v1/orgs/fern-care/tenders/{tender.id}/bids", json={**body, "price": "-1"},
                       headers=headers).get_json()["errors"] == {"price": [
        "Enter your price in pounds and pence, more than £0 and at most £9,999,999,999.99"]}
    listed = client.get(f"/api/v1/tenders/{tender.id}/bids", headers=headers).get_json()
    assert [(item["lot"], item["price"], item["answers"]) for item in listed] == [
        (2, "3500000.00", {"1": "Daily visits.", "2": "Real Living Wage."})]
    oak = {"Authorization": f"Bearer {api_token(b['oak_staff'].email)}"}
    assert client.get(f"/api/v1/tenders/{tender.id}/bids", headers=oak).get_json() == []
    assert client.post(f"/api/v1/tenders/{tender.id}/bids/{answer['id']}/withdraw", headers=oak).status_code == 404
    withdrawn = client.post(f"/api/v1/tenders/{tender.id}/bids/{answer['id']}/withdraw", headers=headers)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert withdrawn.get_json()["receipt"]["action"] == "withdrawn"

    past = _closed_tender(app, b["glasgow"])
    late = client.post(f"/api/v1/tenders/{past}/bids", json={**body, "lot": 1}, headers=headers)
    assert late.status_code == 409 and "The deadline for bids was midday on" in late.get_json()["message"]


def test_discarding_a_draft_deletes_its_sealed_objects(app, web, bidding):
    from portal.storage import s3_client

    b = bidding

    def keys() -> set[str]:  # the bucket outlives each test's database: compare with what was there
        with app.app_context():
            listed = s3_client().list_objects_v2(Bucket=app.config["S3_BUCKET"], Prefix=f"t/{b['fern'].id}/bids/")
            return {item["Key"] for item in listed.get("Contents", [])}

    before = keys()
    draft = factories.bid(b["fern"], b["tender"], submit=False)
    made = keys() - before
    assert len(made) == 1
    web.sign_in(b["staff"].email)
    assert web.post(f"/o/fern-care/bids/{draft.id}/discard", {}).status_code == 303
    assert not made & keys()
    assert web.client.get(f"/o/fern-care/bids/{draft.id}").status_code == 404


def test_uploads_are_checked_in_the_request_before_anything_is_sealed(app, web, bidding, monkeypatch, tmp_path):
    """A virus, a file over the size limit, and a scanner that does not answer are each refused with
    what to do, and nothing is kept (the worker can never read a sealed file, so the checks run here)."""
    import shutil
    import subprocess

    from portal.procurement.bid_models import BidDocument
    from tests.documents.files import eicar

    b = bidding
    draft = factories.bid(b["fern"], b["tender"], submit=False, document=False)
    url = f"/o/fern-care/bids/{draft.id}/documents"
    web.sign_in(b["staff"].email)

    database = tmp_path / "clamav"
    database.mkdir()
    sample = tmp_path / "Eicar-Test-Signature"
    sample.write_bytes(eicar())
    sigtool = shutil.which("sigtool")
    assert sigtool, "ClamAV is not installed: `make test` installs it"
    signature = subprocess.run([sigtool, "--md5", str(sample)], capture_output=True, text=True, check=True).stdout
    (database / "portal-test.hdb").write_text(signature)
    monkeypatch.setenv("DOCUMENT_SCANNER", "clamscan")
    monkeypatch.setenv("CLAMAV_DATABASE_DIR", str(database))
    infected = web.post(url, {"files": (io.BytesIO(eicar()), "rota.csv")})
    assert infected.status_code == 422 and "A virus was found in rota.csv" in infected.get_data(as_text=True)
    assert web.post(url, {"files": (io.BytesIO(b"name,hours\nA,4\n"), "rota.csv")}).status_code == 303

    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 50)
    large = web.post(url, {"files": (io.BytesIO(PDF), "method.pdf")})
    assert large.status_code == 413 and "method.pdf is larger than 50 bytes" in large.get_data(as_text=True)
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 50 * 1024 * 1024)
    monkeypatch.setenv("DOCUMENT_SCANNER", "clamd")
    monkeypatch.setenv("CLAMD_SOCKET", str(tmp_path / "no-clamd.sock"))
    down = web.post(url, {"files": (io.BytesIO(PDF), "method.pdf")})
    assert down.status_code == 503 and "virus checker is not answering" in down.get_data(as_text=True)
    with acting_as(app, b["fern"]) as session:
        assert [d.filename for d in session.scalars(select(BidDocument))] == ["rota.csv"]
