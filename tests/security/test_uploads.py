"""The OWASP file-upload cases, through the real upload routes (the documents page and the API,
an invoice's upload that checks in the request, the UBL invoice upload), real S3, a real RQ
worker (SimpleWorker on the real queues) and a real clamd with the local EICAR signature.

Each case ends one of four ways: refused in the request (nothing stored), rejected by the
checks (the bytes deleted), infected (the bytes deleted), or clean, and a clean file is
served only as an attachment with a safe Content-Type from the type the portal detected.
"""
from __future__ import annotations

import io
import urllib.request
import zipfile
from dataclasses import dataclass

import pytest

from tests.documents import files
from tests.helpers import documents_of, run_jobs

# What a served document may be labelled as: the allow-list's own types, never HTML, SVG or XML.
SAFE_TYPES = {"application/pdf", "text/csv", "image/png", "image/jpeg", "application/vnd.oasis.opendocument.text",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


# -- hostile files ---------------------------------------------------------------------------------

def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def gif() -> bytes:
    return b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00" \
           b"\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def gifar() -> bytes:
    """A GIF with a Java archive (a ZIP) joined on: an image to one program, a JAR to another."""
    return gif() + _zip({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n", "Evil.class": b"\xca\xfe\xba\xbe"})


SVG_SCRIPT = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1">'
              b'<script>window.__xss=1</script></svg>')
HTML = b"<!DOCTYPE html><html><body><script>window.__xss=1</script><img src=x onerror=alert(1)></body></html>"
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>")


def billion_laughs_docx() -> bytes:
    body = LAUGHS + (b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                     b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")
    real = zipfile.ZipFile(io.BytesIO(files.docx(["placeholder"])))
    entries = {name: real.read(name) for name in real.namelist()}
    entries["word/document.xml"] = body
    return _zip(entries)


def billion_laughs_xlsx() -> bytes:
    real = zipfile.ZipFile(io.BytesIO(files.xlsx([["a"]])))
    entries = {name: real.read(name) for name in real.namelist()}
    entries["xl/worksheets/sheet1.xml"] = LAUGHS + (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    return _zip(entries)


def billion_laughs_odt() -> bytes:
    real = zipfile.ZipFile(io.BytesIO(files.odt("placeholder")))
    entries = {name: real.read(name) for name in real.namelist()}
    entries["content.xml"] = LAUGHS + (
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        b"<text:p>&lol9;</text:p></office:text></office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:  # mimetype first and stored, as ODF wants
        zf.writestr(zipfile.ZipInfo("mimetype"), entries.pop("mimetype"))
        for name, data in entries.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def nested_zip(depth: int = 4, width: int = 8) -> bytes:
    """42.zip in miniature: archives of archives, each level ``width`` copies of the one below."""
    level = _zip({"0.txt": b"\x00" * (512 * 1024)})
    for d in range(depth):
        level = _zip({f"{d}-{i}.zip": level for i in range(width)})
    return level


def ratio_bomb_xlsx() -> bytes:
    """An XLSX-looking archive with one part that inflates 1000-fold."""
    real = zipfile.ZipFile(io.BytesIO(files.xlsx([["a"]])))
    entries = {name: real.read(name) for name in real.namelist()}
    entries["xl/sharedStrings.xml"] = b" " * (40 * 1024 * 1024)
    return _zip(entries)


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    content: bytes
    expect: str  # refused, rejected, infected or clean
    declared: str = "application/octet-stream"
    stored_name: str | None = None
    served_type: str | None = None


PDF = files.pdf(["Quarterly outcomes"])
CASES = [
    Case("double extension .pdf.exe", "report.pdf.exe", files.exe(), "refused"),
    Case("double extension .php.pdf", "report.php.pdf", PDF, "clean", served_type="application/pdf"),
    Case("path traversal", "../../etc/passwd.pdf", PDF, "clean", stored_name="passwd.pdf"),
    Case("windows traversal", "..\\..\\windows\\win.pdf", PDF, "clean"),  # no backslash nor leading dots kept
    Case("NUL hides .exe", "report.pdf\x00.exe", PDF, "refused"),
    Case("NUL hides .pdf", "report.exe\x00.pdf", files.exe(), "rejected"),
    Case("RTL override", "photo\u202egpj.exe", files.jpeg(), "refused"),
    Case("RTL override kept out of the name", "summary\u202efdp.png", files.png(), "clean",
         stored_name="summaryfdp.png", served_type="image/png"),
    Case("an exe named .pdf", "program.pdf", files.exe(), "rejected"),
    Case("a PDF declared image/png", "report.pdf", PDF, "clean", declared="image/png", served_type="application/pdf"),
    Case("a PDF named .png", "picture.png", PDF, "rejected"),
    Case("GIFAR named .png", "avatar.png", gifar(), "rejected"),
    Case("GIFAR named .docx", "letter.docx", gifar(), "rejected"),
    Case("PDF with a ZIP appended", "report.pdf", PDF + _zip({"x.html": HTML}), "rejected"),
    Case("PDF with HTML appended", "report.pdf", PDF + HTML, "rejected"),
    Case("HTML before a PDF", "report.pdf", HTML + PDF, "rejected"),
    Case("SVG with script", "chart.svg", SVG_SCRIPT, "refused"),
    Case("SVG with script named .png", "chart.png", SVG_SCRIPT, "rejected"),
    Case("HTML", "page.html", HTML, "refused"),
    Case(".htm", "page.htm", HTML, "refused"),
    Case("HTML named .csv is only ever CSV", "notes.csv", HTML, "clean", served_type="text/csv"),
    Case("nested zips named .docx", "archive.docx", nested_zip(), "rejected"),
    Case("nested zips named .zip", "archive.zip", nested_zip(), "refused"),
    Case("deflate ratio bomb", "figures.xlsx", ratio_bomb_xlsx(), "rejected"),
    Case("zip64 bomb docx", "big.docx", files.zip_bomb_docx(), "rejected"),
    Case("billion laughs in a docx part", "laughs.docx", billion_laughs_docx(), "rejected"),
    Case("billion laughs in an xlsx part", "laughs.xlsx", billion_laughs_xlsx(), "rejected"),
    Case("billion laughs in an odt part", "laughs.odt", billion_laughs_odt(), "rejected"),
    Case("EICAR named .csv", "evidence.csv", files.eicar(), "infected"),
    Case("EICAR named .pdf", "evidence.pdf", files.eicar(), "infected"),
    Case("empty", "empty.pdf", b"", "refused"),
]


# -- clamd, people, surfaces -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    """A real clamd with the local EICAR signature `portal up` makes (portal.dev.clamav)."""
    from portal.dev import clamav

    if not clamav.installed():
        pytest.fail("ClamAV is not installed: `make test` installs it (apt-get install clamav clamav-daemon)")
    folder = tmp_path_factory.mktemp("clamav")
    daemon = clamav.Clamd(folder / "run", clamav.write_local_signature(folder / "db").parent)
    daemon.start(timeout=60)
    yield daemon
    daemon.stop()


@pytest.fixture(autouse=True)
def _scan_with_clamd(clamd, monkeypatch):
    monkeypatch.setenv("DOCUMENT_SCANNER", "clamd")
    monkeypatch.setenv("CLAMD_SOCKET", clamd.socket_path)


@pytest.fixture
def provider(app, make_org, make_user, web, api_token):
    org = make_org("provider")
    user = make_user(memberships=[(org, "submitter")])
    web.sign_in(user.email)
    return {"org": org, "user": user, "web": web, "api": {"Authorization": f"Bearer {api_token(user.email)}"}}


def send(provider, surface: str, name: str, content: bytes, declared: str = "application/octet-stream"):
    slug = provider["org"].slug
    part = (io.BytesIO(content), name, declared)
    if surface == "page":
        return provider["web"].post(f"/o/{slug}/documents/upload", {"files": [part]},
                                    page=f"/o/{slug}/documents/upload")
    return provider["web"].client.post(f"/api/v1/orgs/{slug}/documents", data={"file": part},
                                       headers=provider["api"])




def stored_keys(app, org) -> set[str]:
    from portal.storage import s3_client

    with app.app_context():
        found = s3_client().list_objects_v2(Bucket=app.config["S3_BUCKET"], Prefix=f"t/{org.id}/")
        return {item["Key"] for item in found.get("Contents", [])}


def download(provider, surface: str, document_id: int):
    slug = provider["org"].slug
    if surface == "page":
        return provider["web"].client.get(f"/o/{slug}/documents/{document_id}/download")
    return provider["web"].client.get(f"/api/v1/orgs/{slug}/documents/{document_id}/download",
                                      headers=provider["api"])


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.headers, answer.read()


def assert_served_safely(provider, surface, document, content: bytes, served_type: str | None) -> None:
    response = download(provider, surface, document.id)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers.get("Cache-Control", "") or surface == "api"
    status, headers, body = fetch(response.headers["Location"])
    assert status == 200 and body == content
    assert headers["Content-Disposition"].startswith("attachment;"), headers["Content-Disposition"]
    assert "\r" not in headers["Content-Disposition"] and "\n" not in headers["Content-Disposition"]
    assert headers["Content-Type"] in SAFE_TYPES, headers["Content-Type"]
    if served_type:
        assert headers["Content-Type"] == served_type
    assert "no-store" in headers.get("Cache-Control", "")


# -- the cases -------------------------------------------------------------------------------------

@pytest.mark.parametrize("surface", ["page", "api"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_upload(app, provider, surface, case):
    org = provider["org"]
    before = stored_keys(app, org)
    response = send(provider, surface, case.name, case.content, case.declared)
    if case.expect == "refused":
        assert response.status_code == 422, response.get_data(as_text=True)[:500]
        text = response.get_json()["message"] if surface == "api" else response.get_data(as_text=True)
        assert "must be" in text or "empty" in text, text[:500]
        assert documents_of(app, org) == [] and stored_keys(app, org) == before
        return
    assert response.status_code in ((202,) if surface == "api" else (302, 303)), response.get_data(as_text=True)[:500]
    run_jobs(app)
    [document] = documents_of(app, org)
    assert "\x00" not in document.filename and "\u202e" not in document.filename
    assert "/" not in document.filename and "\\" not in document.filename
    if case.stored_name:
        assert document.filename == case.stored_name
    assert document.status == case.expect, (document.status, document.rejection_reason)
    if case.expect == "clean":
        assert document.scan_status == "clean"
        assert_served_safely(provider, surface, document, case.content, case.served_type)
        return
    assert document.rejection_reason  # a person is told why
    if case.expect == "infected":
        assert document.scan_result.startswith("Eicar")
    refused = download(provider, surface, document.id)
    assert refused.status_code == 409 and "Location" not in refused.headers
    assert stored_keys(app, org) == before  # the bytes are deleted once the outcome is committed


@pytest.mark.parametrize("surface", ["page", "api"])
def test_oversize_is_413_and_keeps_nothing(app, provider, surface, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 64 * 1024)
    org = provider["org"]
    before = stored_keys(app, org)  # S3 is not emptied between tests
    response = send(provider, surface, "big.pdf", PDF + b"%" * (128 * 1024))
    assert response.status_code == 413
    if surface == "api":
        assert "larger than" in response.get_json()["message"]
    else:
        assert "larger than" in response.get_data(as_text=True)
    assert documents_of(app, org) == [] and stored_keys(app, org) == before


@pytest.mark.parametrize("surface", ["page", "api"])
def test_scanner_down_means_nothing_is_served_until_it_is_back(app, provider, surface, monkeypatch, tmp_path):
    """clamd stopped: the upload is kept pending, its download refuses; once clamd is back the
    retried job scans it and only then is it served."""
    from portal.dev import clamav

    daemon = clamav.Clamd(tmp_path / "run", clamav.write_local_signature(tmp_path / "db").parent)
    monkeypatch.setenv("CLAMD_SOCKET", daemon.socket_path)  # nothing listens there yet
    org = provider["org"]
    response = send(provider, surface, "report.pdf", PDF)
    assert response.status_code in (202, 302, 303)
    run_jobs(app)
    [document] = documents_of(app, org)
    assert document.status == "pending" and document.scan_status is None
    refused = download(provider, surface, document.id)
    assert refused.status_code == 409 and "Location" not in refused.headers
    assert app.test_client().get("/healthz").get_json()["scanner"] == "unavailable"

    daemon.start(timeout=60)
    try:
        run_jobs(app, retries_now=True)
        [document] = documents_of(app, org)
        assert document.status == "clean" and document.scan_status == "clean"
        assert_served_safely(provider, surface, document, PDF, "application/pdf")
    finally:
        daemon.stop()


# -- uploads checked in the request: invoice attachments -------------------------------------------

@pytest.fixture
def draft_invoice(app, contract_setup):
    from tests import factories

    s = contract_setup
    invoice = factories.invoice_row(s["contract"], status="draft", by=s["provider_admin"])
    return s, invoice


@pytest.mark.parametrize("name, content, words", [
    ("timesheet.pdf", files.eicar(), "virus"),
    ("timesheet.pdf", files.exe(), "Windows program"),
    ("timesheet.pdf", PDF + HTML, "after its end"),
    ("timesheet.svg", SVG_SCRIPT, "must be"),
    ("timesheet.docx", billion_laughs_docx(), ""),
])
def test_an_invoice_upload_checked_in_the_request_refuses_hostile_files(app, draft_invoice, web, name, content,
                                                                        words):
    s, invoice = draft_invoice
    web.sign_in(s["provider_admin"].email)
    slug = s["provider"].slug
    before = stored_keys(app, s["provider"])
    response = web.post(f"/o/{slug}/invoices/{invoice.id}/attachments",
                        {"source": "upload", "file": (io.BytesIO(content), name)}, page=f"/o/{slug}/invoices/{invoice.id}")
    assert response.status_code == 422, response.status_code
    assert "govuk-error-summary" in response.get_data(as_text=True)
    assert words in response.get_data(as_text=True)
    assert documents_of(app, s["provider"]) == [] and stored_keys(app, s["provider"]) == before


def test_an_invoice_upload_with_the_scanner_down_is_refused_with_a_message(app, draft_invoice, web, monkeypatch,
                                                                           tmp_path):
    s, invoice = draft_invoice
    monkeypatch.setenv("CLAMD_SOCKET", str(tmp_path / "no-clamd.sock"))
    web.sign_in(s["provider_admin"].email)
    slug = s["provider"].slug
    before = stored_keys(app, s["provider"])
    response = web.post(f"/o/{slug}/invoices/{invoice.id}/attachments",
                        {"source": "upload", "file": (io.BytesIO(PDF), "timesheet.pdf")},
                        page=f"/o/{slug}/invoices/{invoice.id}")
    assert response.status_code == 503, response.status_code
    page = response.get_data(as_text=True)
    assert "virus scanner is not answering" in page and "govuk-error-summary" in page
    assert "no-clamd.sock" not in page  # the technical detail stays in the log
    assert documents_of(app, s["provider"]) == [] and stored_keys(app, s["provider"]) == before


# -- the UBL invoice upload (XML) ------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    LAUGHS + b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><x>&lol9;</x></Invoice>',
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><x>&x;</x></Invoice>',
], ids=["billion laughs", "external entity"])
def test_xml_bombs_in_a_ubl_upload_are_refused(app, contract_setup, web, body):
    from tests import factories

    s = contract_setup
    headers = {"Authorization": f"Bearer {factories.api_token(s['provider_admin'])}"}
    client = app.test_client()
    response = client.post("/api/v1/invoices/ubl", data=body, headers={**headers, "Content-Type": "application/xml"})
    assert response.status_code == 422 and "DTD or entities" in response.get_json()["message"]
    response = client.post("/api/v1/invoices/ubl", data={"file": (io.BytesIO(body), "invoice.xml")}, headers=headers)
    assert response.status_code == 422 and "DTD or entities" in response.get_json()["message"]
    web.sign_in(s["provider_admin"].email)
    page = web.post(f"/o/{s['provider'].slug}/invoices/upload-ubl", {"file": (io.BytesIO(body), "invoice.xml")})
    assert page.status_code == 422 and "DTD or entities" in page.get_data(as_text=True)
