"""The upload form and the library: limits, refusals that keep nothing, names, downloads, htmx."""
from __future__ import annotations

import io
import re
import urllib.request
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from tests.conftest import Browserless
from tests.documents import files
from tests.documents.conftest import documents_of, s3_keys
from tests.helpers import run_jobs

KEY = re.compile(r"^t/(\d+)/documents/[0-9a-f]{32}$")


def _outbox_count(app) -> int:
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.outbox import OutboxMessage

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


@pytest.fixture
def small_limit_app(services, app, monkeypatch):
    """A second app built from the environment with DOCUMENT_MAX_BYTES=2048."""
    from portal import create_app

    monkeypatch.setenv("DOCUMENT_MAX_BYTES", "2048")
    small = create_app({"TESTING": True})
    assert small.config["DOCUMENT_MAX_BYTES"] == 2048
    assert small.config["MAX_CONTENT_LENGTH"] == 2048 * 10 + 1024 * 1024
    return small


def test_an_oversized_file_is_refused_while_streaming_and_nothing_is_kept(
        small_limit_app, make_org, make_user, api_token):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    client = small_limit_app.test_client()
    web = Browserless(client)
    web.sign_in(user.email)
    before = set(s3_keys(small_limit_app))
    response = web.post(f"/o/{org.slug}/documents/upload",
                        {"files": [(io.BytesIO(b"%PDF-1.4\n" + b"x" * 5000), "big.pdf")]})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "big.pdf is larger than 2 KB" in page
    assert documents_of(small_limit_app, org) == [] and _outbox_count(small_limit_app) == 0
    assert set(s3_keys(small_limit_app)) == before

    headers = {"Authorization": f"Bearer {api_token(user.email)}"}
    response = client.post(f"/api/v1/orgs/{org.slug}/documents", headers=headers,
                           data={"file": (io.BytesIO(b"a,b\n" * 2000), "big.csv")})
    assert response.status_code == 413
    assert "big.csv is larger than 2 KB" in response.get_json()["message"]
    # Past MAX_CONTENT_LENGTH the body is refused before it is parsed.
    response = client.post(f"/api/v1/orgs/{org.slug}/documents", headers=headers,
                           data={"file": (io.BytesIO(b"a" * (2 * 1024 * 1024)), "huge.csv")})
    assert response.status_code == 413 and response.is_json
    assert "smaller than 2 KB" in response.get_json()["message"]
    response = web.post(f"/o/{org.slug}/documents/upload", {"files": [(io.BytesIO(b"a" * (2 * 1024 * 1024)),
                                                                         "huge.pdf")]})
    assert response.status_code == 413 and "Each file must be smaller than 2 KB" in response.get_data(as_text=True)
    assert documents_of(small_limit_app, org) == [] and set(s3_keys(small_limit_app)) == before


def test_an_empty_file_is_refused(app, org_member, upload):
    org, _user = org_member
    before = set(s3_keys(app))
    response = upload(org.slug, ("empty.pdf", b""))
    assert response.status_code == 422
    assert "empty.pdf is empty" in response.get_data(as_text=True)
    assert documents_of(app, org) == [] and set(s3_keys(app)) == before


def test_a_type_outside_the_allow_list_and_no_file_are_refused(app, org_member, upload, web):
    org, _user = org_member
    response = upload(org.slug, ("notes.txt", b"hello"))
    assert response.status_code == 422
    assert "notes.txt must be a PDF, DOCX, XLSX, CSV, ODT, PNG or JPEG file" in response.get_data(as_text=True)
    response = web.post(f"/o/{org.slug}/documents/upload", {})
    assert response.status_code == 422 and "Select a file to upload" in response.get_data(as_text=True)
    assert 'href="#files"' in response.get_data(as_text=True)  # the error summary links to the field
    assert documents_of(app, org) == []


def test_several_files_at_once_are_all_or_nothing(app, org_member, upload):
    org, _user = org_member
    before = set(s3_keys(app))
    response = upload(org.slug, ("a.pdf", files.pdf(["A"])), ("b.csv", b"x,y\n1,2\n"), ("c.pdf", b""))
    assert response.status_code == 422 and "c.pdf is empty" in response.get_data(as_text=True)
    assert documents_of(app, org) == [] and _outbox_count(app) == 0
    assert set(s3_keys(app)) == before  # a.pdf and b.csv were streamed, then removed

    response = upload(org.slug, ("a.pdf", files.pdf(["A"])), ("b.csv", b"x,y\n1,2\n"))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/o/{org.slug}/documents/")
    assert [d.status for d in documents_of(app, org)] == ["pending", "pending"]
    assert run_jobs(app) == 2
    assert [d.status for d in documents_of(app, org)] == ["clean", "clean"]


ODD_NAMES = [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("report\u202efdp.pdf", "reportfdp.pdf"),  # right-to-left override removed
    ("care\x00plan.pdf", "careplan.pdf"),  # NUL removed
    ("résumé 📄 évaluation.pdf", "résumé 📄 évaluation.pdf"),
    ("  .hidden.pdf", "hidden.pdf"),
    ("x" * 600 + ".pdf", "x" * 196 + ".pdf"),
]


def test_odd_file_names_are_stored_safely_and_downloaded_with_a_sanitised_name(app, org_member, upload, client):
    org, _user = org_member
    content = files.pdf(["evidence"])
    for raw, _expected in ODD_NAMES:
        assert upload(org.slug, (raw, content)).status_code == 303, raw
    run_jobs(app)
    documents = documents_of(app, org)
    assert [d.filename for d in documents] == [expected for _raw, expected in ODD_NAMES]
    for document in documents:
        assert KEY.match(document.storage_key) and KEY.match(document.storage_key).group(1) == str(org.id)
        assert document.status == "clean"
    assert len({d.storage_key for d in documents}) == len(documents)

    for document in documents:
        response = client.get(f"/o/{org.slug}/documents/{document.id}/download")
        assert response.status_code == 303
        url = response.headers["Location"]
        query = parse_qs(urlparse(url).query)
        assert query["X-Amz-Expires"] == ["60"]
        with urllib.request.urlopen(url, timeout=30) as fetched:
            assert fetched.read() == content
            disposition = fetched.headers["Content-Disposition"]
            assert fetched.headers["Content-Type"] == "application/pdf"
        assert disposition.startswith('attachment; filename="')
        assert not re.search(r"[\x00-\x1f\x7f\u202e/\\]", disposition)
        encoded = disposition.split("filename*=UTF-8''", 1)[1]
        assert unquote(encoded) == document.filename
        fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
        assert fallback.isascii() and fallback.endswith(".pdf")


def test_a_download_needs_a_clean_document(app, org_member, upload, client):
    org, _user = org_member
    upload(org.slug, ("waiting.pdf", files.pdf(["x"])))
    [document] = documents_of(app, org)
    response = client.get(f"/o/{org.slug}/documents/{document.id}/download")
    assert response.status_code == 409 and "still being checked" in response.get_data(as_text=True)
    run_jobs(app)
    assert client.get(f"/o/{org.slug}/documents/{document.id}/download").status_code == 303


def test_the_document_page_polls_while_pending_and_works_without_javascript(app, org_member, upload, client):
    org, _user = org_member
    upload(org.slug, ("plan.pdf", files.pdf(["x"])))
    [document] = documents_of(app, org)
    url = f"/o/{org.slug}/documents/{document.id}"
    full = client.get(url)
    html = full.get_data(as_text=True)
    assert "<html" in html and "Checking" in html
    assert f'href="{url}"' in html and "refresh the page" in html  # no JavaScript: a plain link
    assert 'hx-trigger="every 2s"' in html and f'hx-get="{url}"' in html
    assert "HX-Request" in full.headers["Vary"]

    partial = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and 'id="document-status"' in partial and "every 2s" in partial
    run_jobs(app)
    partial = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Ready" in partial and "hx-trigger" not in partial  # finished: polling stops


def test_the_library_lists_searches_and_polls(app, org_member, upload, client):
    org, user = org_member
    upload(org.slug, ("minutes.pdf", files.pdf(["Quarterly review with the family"])),
           ("budget.csv", b"item,cost\nrent,100\n"))
    page = client.get(f"/o/{org.slug}/documents/").get_data(as_text=True)
    assert "minutes.pdf" in page and "budget.csv" in page and "Checking" in page and "every 2s" in page
    assert user.full_name in page
    run_jobs(app)
    page = client.get(f"/o/{org.slug}/documents/").get_data(as_text=True)
    assert "every 2s" not in page and page.count("Ready") == 2
    found = client.get(f"/o/{org.slug}/documents/?q=family").get_data(as_text=True)
    assert "minutes.pdf" in found and "budget.csv" not in found
    none = client.get(f"/o/{org.slug}/documents/?q=100%25_").get_data(as_text=True)
    assert "No files match your search" in none
    assert 'href="/o/%s/documents/"' % org.slug in client.get(f"/o/{org.slug}/").get_data(as_text=True)


def test_a_viewer_can_read_but_not_upload(app, make_org, make_user, client):
    org = make_org("commissioner")
    viewer = make_user(memberships=[(org, "viewer")])
    Browserless(client).sign_in(viewer.email)
    assert client.get(f"/o/{org.slug}/documents/").status_code == 200
    assert "Upload files" not in client.get(f"/o/{org.slug}/documents/").get_data(as_text=True)
    assert client.get(f"/o/{org.slug}/documents/upload").status_code == 403


def test_another_tenants_document_is_404_on_the_web_and_the_api(app, make_org, make_user, upload, web, client,
                                                                api_token):
    mine, theirs = make_org(), make_org()
    me = make_user(memberships=[(mine, "submitter")])
    other = make_user(memberships=[(theirs, "submitter")])
    web.sign_in(other.email)
    upload(theirs.slug, ("secret.pdf", files.pdf(["secret"])))
    run_jobs(app)
    [document] = documents_of(app, theirs)
    client.post("/sign-out", data={"csrf_token": web.csrf(f"/o/{theirs.slug}/")})
    web.sign_in(me.email)
    for url in (f"/o/{mine.slug}/documents/{document.id}", f"/o/{mine.slug}/documents/{document.id}/download",
                f"/o/{theirs.slug}/documents/{document.id}", f"/o/{theirs.slug}/documents/"):
        assert client.get(url).status_code == 404, url
    assert "secret.pdf" not in client.get(f"/o/{mine.slug}/documents/").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {api_token(me.email)}"}
    for url in (f"/api/v1/orgs/{mine.slug}/documents/{document.id}", f"/api/v1/documents/{document.id}",
                f"/api/v1/orgs/{mine.slug}/documents/{document.id}/download",
                f"/api/v1/orgs/{theirs.slug}/documents/{document.id}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404 and response.is_json, url
    assert client.get(f"/api/v1/orgs/{mine.slug}/documents", headers=headers).get_json() == []


def _csv_bytes(size: int) -> bytes:
    row = b"2026-04-01,Support at home,12.5,Goal met\n"
    return b"date,service,hours,outcome\n" + row * (size // len(row))


def test_a_large_file_streams_to_s3_in_parts(app, org_member, upload):
    import hashlib

    org, _user = org_member
    content = _csv_bytes(12 * 1024 * 1024)  # past the 8 MB multipart threshold
    assert upload(org.slug, ("hours.csv", content)).status_code == 303
    run_jobs(app)
    [document] = documents_of(app, org)
    assert document.status == "clean" and document.size_bytes == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()


def test_the_limit_stops_a_multipart_upload_mid_stream(app, org_member, upload, monkeypatch):
    from portal.storage import s3_client

    org, _user = org_member
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
    before = set(s3_keys(app))
    response = upload(org.slug, ("hours.csv", _csv_bytes(20 * 1024 * 1024)))
    assert response.status_code == 413 and "hours.csv is larger than 10 MB" in response.get_data(as_text=True)
    assert documents_of(app, org) == [] and set(s3_keys(app)) == before
    with app.app_context():
        uploads = s3_client().list_multipart_uploads(Bucket=app.config["S3_BUCKET"]).get("Uploads", [])
    assert [u for u in uploads if u["Key"].startswith(f"t/{org.id}/")] == []  # the multipart upload was aborted


def test_the_limited_reader_counts_and_stops():
    from portal.documents.storage import LimitedReader, TooLarge

    reader = LimitedReader(io.BytesIO(b"b" * 10), limit=12, prefix=b"aa")
    assert reader.read(3) == b"aab" and reader.read(9) == b"b" * 9 and reader.read(5) == b""
    assert reader.count == 12
    reader = LimitedReader(io.BytesIO(b"b" * 10), limit=11, prefix=b"aa")
    reader.read(6)
    with pytest.raises(TooLarge):
        reader.read(6)


def test_the_text_preview_is_escaped_once(app, org_member, upload, client):
    org, _user = org_member
    upload(org.slug, ("notes.csv", b"note\n<script>alert(1)</script> & more\n"))
    run_jobs(app)
    [document] = documents_of(app, org)
    page = client.get(f"/o/{org.slug}/documents/{document.id}").get_data(as_text=True)
    assert '<p class="govuk-body portal-mail-body">' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page and "<script>alert" not in page
