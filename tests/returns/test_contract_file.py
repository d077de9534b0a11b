"""A return for the contract file: printed from the browser, or downloaded as a PDF that opens
and holds the answers, the evidence list, the versions and the review."""
from __future__ import annotations

import io
from datetime import date

from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests import factories

FEB = date(2025, 2, 1)


def _submitted_and_accepted(setup):
    contract = setup["contract"]
    document = factories.document(setup["provider"], filename="visit-log-february.pdf", scan_status="not_scanned")
    factories.attachment(contract, document, FEB)
    factories.submission(contract, FEB, on=date(2025, 3, 10), values={
        "NHWO-1.NARRATIVE": "Eilidh chose her own visit times – café trips twice a week.", "NHWO-1.REVIEWED": "20",
        "NHWO-1.ACHIEVED": "15"})
    factories.review(contract, FEB, "accept", on=date(2025, 3, 12), by=setup["manager"])
    return factories.return_of(contract, FEB)


def _pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_pdf_opens_and_holds_the_whole_return(app, web, client, contract_setup):
    ret = _submitted_and_accepted(contract_setup)
    web.sign_in(contract_setup["manager"].email)
    response = client.get(f"/o/{contract_setup['commissioner'].slug}/returns/{ret.id}/return.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="CLY-001-return-2025-02-01.pdf"' in response.headers["Content-Disposition"]
    body = response.get_data()
    reader = PdfReader(io.BytesIO(body))
    assert reader.metadata.title == "CLY-001: return for 1 Feb 2025 to 28 Feb 2025"
    text = _pdf_text(body)
    for expected in ("Return for 1 Feb 2025 to 28 Feb 2025", "Fern Care", "Clyde HSCP",
                     "Accepted by Test Person on 12 Mar 2025 12:00",
                     "People whose progress towards this outcome was reviewed this period",
                     "Achieved as a share of those reviewed 75.0%",
                     "Eilidh chose her own visit times – café trips twice a week.",
                     "Delivered against contracted", "visit-log-february.pdf", "not scanned for viruses",
                     "Version 1", "Fingerprints"):
        assert expected in text, expected
    assert ret.lock_version and len([p for p in reader.pages]) >= 2


def test_the_pdf_through_the_api_and_for_the_provider(app, client, api_token, contract_setup):
    ret = _submitted_and_accepted(contract_setup)
    for email in (contract_setup["submitter"].email, contract_setup["manager"].email):
        headers = {"Authorization": f"Bearer {api_token(email)}"}
        response = client.get(f"/api/v1/returns/{ret.id}/pdf", headers=headers)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert "Accepted by Test Person" in _pdf_text(response.get_data())


def test_a_draft_prints_without_answers(app, web, client, contract_setup):
    ret = factories.return_of(contract_setup["contract"], FEB)
    web.sign_in(contract_setup["submitter"].email)
    text = _pdf_text(client.get(f"/o/{contract_setup['provider'].slug}/returns/{ret.id}/return.pdf").get_data())
    assert "has not been submitted, so there are no answers to print yet" in text


def test_the_print_view_has_the_same_parts_and_no_links_to_follow(app, web, client, contract_setup):
    ret = _submitted_and_accepted(contract_setup)
    web.sign_in(contract_setup["manager"].email)
    response = client.get(f"/o/{contract_setup['commissioner'].slug}/returns/{ret.id}/print")
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    main = page.select_one(".portal-print")
    text = " ".join(main.get_text(" ").split())
    assert "Accepted by Test Person" in text and "visit-log-february.pdf" in text and "Version 1" in text
    assert "Eilidh chose her own visit times" in text
    assert [a.get_text(" ", strip=True) for a in main.select("a")] == ["download it as a PDF file"]
    review_page = client.get(f"/o/{contract_setup['commissioner'].slug}/returns/{ret.id}").get_data(as_text=True)
    assert f"/returns/{ret.id}/print" in review_page and f"/returns/{ret.id}/return.pdf" in review_page
    explained = BeautifulSoup(review_page, "html.parser").find(id="not-scanned-explained").get_text(" ")
    assert "no virus scanner was running" in explained
