"""Upload to processed, end to end: real S3 (SeaweedFS), real Redis and RQ workers, real clamd."""
from __future__ import annotations

import hashlib

from tests.documents import files
from tests.documents.conftest import audit_actions, documents_of, s3_keys
from tests.helpers import run_jobs


def test_a_clean_pdf_is_scanned_typed_indexed_and_counted(app, org_member, upload, client):
    org, user = org_member
    content = files.pdf(["Outcome evidence for Mrs Patel", "Second page: wellbeing improved"])
    response = upload(org.slug, ("care-review.pdf", content))
    assert response.status_code == 303
    [document] = documents_of(app, org)
    assert response.headers["Location"].endswith(f"/o/{org.slug}/documents/{document.id}")
    assert document.status == "pending" and document.scan_status is None
    assert document.storage_key.startswith(f"t/{org.id}/documents/")

    assert run_jobs(app) == 1
    [document] = documents_of(app, org)
    assert document.status == "clean"
    assert document.scan_status == "clean"
    assert document.detected_type == "pdf" and document.content_type == "application/pdf"
    assert document.page_count == 2
    assert "Mrs Patel" in document.text_content and "wellbeing improved" in document.text_content
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size_bytes == len(content)
    assert document.uploaded_by_id == user.id
    assert audit_actions(app, org, "document_uploaded") == 1
    assert audit_actions(app, org, "document_checked") == 1

    page = client.get(f"/o/{org.slug}/documents/{document.id}").get_data(as_text=True)
    assert "Ready" in page and "No virus found" in page and ">2<" in page.replace(" ", "").replace("\n", "")
    assert "Download" in page


def test_docx_text_is_extracted(app, org_member, upload):
    org, _user = org_member
    upload(org.slug, ("plan.docx", files.docx(["Personal outcomes plan", "Goal: walk to the shops weekly"])))
    run_jobs(app)
    [document] = documents_of(app, org)
    assert document.status == "clean" and document.detected_type == "docx"
    assert "walk to the shops weekly" in document.text_content
    assert document.page_count is None


def test_xlsx_text_is_extracted_in_read_only_mode(app, org_member, upload):
    org, _user = org_member
    upload(org.slug, ("outcomes.xlsx", files.xlsx([["Person", "Outcome", "Hours"], ["A. Brown", "Lives at home", 12]])))
    run_jobs(app)
    [document] = documents_of(app, org)
    assert document.status == "clean" and document.detected_type == "xlsx"
    assert "Lives at home" in document.text_content and "Outcomes" in document.text_content


def test_odt_csv_png_and_jpeg_are_accepted(app, org_member, upload):
    org, _user = org_member
    response = upload(org.slug, ("minutes.odt", files.odt("Review meeting minutes")),
                      ("hours.csv", "Week,Hours\n1,12\n2,14 – café\n".encode()),
                      ("photo.png", files.png()), ("scan.JPG", files.jpeg()))
    assert response.status_code == 303
    assert run_jobs(app) == 4
    by_name = {d.filename: d for d in documents_of(app, org)}
    assert {name: d.status for name, d in by_name.items()} == {
        "minutes.odt": "clean", "hours.csv": "clean", "photo.png": "clean", "scan.JPG": "clean"}
    assert by_name["minutes.odt"].text_content == "Review meeting minutes"
    assert "café" in by_name["hours.csv"].text_content
    assert by_name["scan.JPG"].detected_type == "jpeg" and by_name["photo.png"].content_type == "image/png"


def test_spoofed_types_are_rejected_with_a_reason(app, org_member, upload, client):
    org, _user = org_member
    before = set(s3_keys(app))
    upload(org.slug, ("invoice.pdf", files.exe()), ("chart.pdf", files.png()), ("fake.docx", files.pdf(["x"])),
           ("data.csv", b"\x89\x00\xff\xfe binary \x00"))
    run_jobs(app)
    by_name = {d.filename: d for d in documents_of(app, org)}
    assert {d.status for d in by_name.values()} == {"rejected"}
    assert "Windows program" in by_name["invoice.pdf"].rejection_reason
    assert "really a PNG image" in by_name["chart.pdf"].rejection_reason
    assert "really a PDF" in by_name["fake.docx"].rejection_reason
    assert "CSV UTF-8" in by_name["data.csv"].rejection_reason
    # Rejected bytes are not kept: the discard job removed them after the commit.
    assert set(s3_keys(app)) == before
    assert all(d.object_deleted_at is not None for d in by_name.values())
    document = by_name["invoice.pdf"]
    page = client.get(f"/o/{org.slug}/documents/{document.id}").get_data(as_text=True)
    assert "Rejected" in page and "Windows program" in page
    response = client.get(f"/o/{org.slug}/documents/{document.id}/download")
    assert response.status_code == 409 and "rejected" in response.get_data(as_text=True)


def test_a_zip_bomb_is_rejected_without_being_opened(app, org_member, upload):
    org, _user = org_member
    bomb = files.zip_bomb_docx(60 * 1024 * 1024)
    assert len(bomb) < 200 * 1024
    upload(org.slug, ("report.docx", bomb))
    run_jobs(app)
    [document] = documents_of(app, org)
    assert document.status == "rejected" and "zip bomb" in document.rejection_reason
    assert document.text_content is None


def test_an_archive_past_the_total_size_limit_is_rejected(app, org_member, upload, monkeypatch):
    org, _user = org_member
    monkeypatch.setitem(app.config, "DOCUMENT_ZIP_MAX_UNCOMPRESSED_BYTES", 64 * 1024)
    upload(org.slug, ("plan.docx", files.docx(["fine on its own, but larger than this test's limit"])))
    run_jobs(app)
    [document] = documents_of(app, org)
    assert document.status == "rejected" and "expands to" in document.rejection_reason


def test_eicar_is_infected_and_never_downloadable(app, org_member, upload, client, api_token):
    org, user = org_member
    before = set(s3_keys(app))
    # Named .csv: its bytes are valid UTF-8 CSV, so only the virus scan can catch it.
    upload(org.slug, ("evidence.csv", files.eicar()))
    run_jobs(app)
    [document] = documents_of(app, org)
    assert document.status == "infected" and document.scan_status == "infected"
    assert document.scan_result == "Eicar-Test-Signature.UNOFFICIAL"
    assert "virus" in document.rejection_reason
    assert set(s3_keys(app)) == before  # the bytes were deleted after the commit

    page = client.get(f"/o/{org.slug}/documents/{document.id}").get_data(as_text=True)
    assert "Virus found" in page and "Download" not in page
    response = client.get(f"/o/{org.slug}/documents/{document.id}/download")
    assert response.status_code == 409 and "virus" in response.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {api_token(user.email)}"}
    response = client.get(f"/api/v1/orgs/{org.slug}/documents/{document.id}/download", headers=headers)
    assert response.status_code == 409 and "virus" in response.get_json()["message"]


def test_without_a_scanner_the_document_says_not_scanned(app, org_member, upload, client, monkeypatch):
    org, _user = org_member
    monkeypatch.setenv("DOCUMENT_SCANNER", "none")
    upload(org.slug, ("letter.pdf", files.pdf(["Thank you"])))
    run_jobs(app)
    [document] = documents_of(app, org)
    assert document.status == "clean" and document.scan_status == "not_scanned"
    page = client.get(f"/o/{org.slug}/documents/{document.id}").get_data(as_text=True)
    assert "Not scanned" in page and "no virus scanner set up, so this file was not checked for viruses" in page
    assert "SHA-256" not in page.split("Technical details")[0]  # the fingerprint waits under a disclosure
    assert document.sha256 in page.split("Technical details")[1]
    library = client.get(f"/o/{org.slug}/documents/").get_data(as_text=True)
    assert "Not scanned" in library and "were not checked for viruses, because this portal has no virus" in library


def test_the_clamscan_scanner_is_pluggable(app, org_member, upload, monkeypatch, clamav_database):
    org, _user = org_member
    monkeypatch.setenv("DOCUMENT_SCANNER", "clamscan")
    monkeypatch.setenv("CLAMAV_DATABASE_DIR", str(clamav_database))
    upload(org.slug, ("a.csv", files.eicar()), ("b.csv", b"name,score\nA,1\n"))
    run_jobs(app)
    by_name = {d.filename: d for d in documents_of(app, org)}
    assert by_name["a.csv"].status == "infected" and by_name["b.csv"].status == "clean"
    assert by_name["b.csv"].scan_status == "clean"


def test_a_configured_scanner_that_is_down_leaves_the_document_pending_for_a_retry(
        app, org_member, upload, monkeypatch, tmp_path):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.outbox import OutboxMessage

    org, _user = org_member
    monkeypatch.setenv("CLAMD_SOCKET", str(tmp_path / "nothing-listens-here.sock"))
    upload(org.slug, ("letter.pdf", files.pdf(["Thank you"])))
    run_jobs(app)
    [document] = documents_of(app, org)
    assert document.status == "pending"
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.done_at is None and "did not answer" in message.last_error
