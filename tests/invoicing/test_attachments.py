"""Invoice attachments: attach a checked document of the library (or upload one from the invoice
page), remove it, the refusals (wrong state, the same document twice, more than twenty, nonsense),
a draft's attachments hidden from the commissioner (ORM and RLS), the commissioner's download of a
submitted invoice's attachment, and the API."""
from __future__ import annotations

import io
import urllib.request

import psycopg
import pytest

from tests import factories
from tests.conftest import Browserless
from tests.documents import files

BODY = {"number": "FC-0100", "period_start": "2025-05-01", "period_end": "2025-05-31", "buyer_reference": "PO-1",
        "lines": [{"description": "Care at home", "quantity": "10", "unit": "hour", "unit_price": "20.00"}]}


@pytest.fixture
def money(app, contract_setup, api_token):
    provider, commissioner = contract_setup["provider"], contract_setup["commissioner"]
    factories.user("finance@fern.example", memberships=[(provider, "finance")])
    factories.user("finance@clyde.example", memberships=[(commissioner, "finance")])
    return {**contract_setup,
            "provider_api": {"Authorization": f"Bearer {api_token('finance@fern.example')}"},
            "commissioner_api": {"Authorization": f"Bearer {api_token('finance@clyde.example')}"},
            "base": f"/o/{provider.slug}/invoices", "queue": f"/o/{commissioner.slug}/invoices"}


def _draft(client, money, number="FC-0100") -> int:
    made = client.post("/api/v1/invoices", json={**BODY, "number": number, "contract_id": money["contract_id"]},
                       headers=money["provider_api"])
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def _signed_in(app, email):
    client = app.test_client()
    web = Browserless(client)
    web.sign_in(email)
    return client, web


def test_attach_list_and_remove_through_the_api_with_its_refusals(client, money):
    invoice_id = _draft(client, money)
    timesheet = factories.document(money["provider"], filename="timesheet.pdf", size_bytes=2048)
    url = f"/api/v1/invoices/{invoice_id}/attachments"
    attached = client.post(url, json={"document_id": timesheet.id}, headers=money["provider_api"])
    assert attached.status_code == 201, attached.get_json()
    body = attached.get_json()
    assert (body["filename"], body["size"], body["content_type"]) == ("timesheet.pdf", 2048, "application/pdf")
    assert "storage_key" not in body
    shown = client.get(f"/api/v1/invoices/{invoice_id}", headers=money["provider_api"]).get_json()
    assert [a["id"] for a in shown["attachments"]] == [body["id"]]

    twice = client.post(url, json={"document_id": timesheet.id}, headers=money["provider_api"])
    assert twice.status_code == 422 and "already attached" in str(twice.get_json())
    pending = factories.document(money["provider"], filename="pending.pdf", status="pending")
    other = factories.document(factories.organisation(slug="elsewhere"), filename="theirs.pdf")
    for refused in (pending.id, other.id, 99999999):
        answer = client.post(url, json={"document_id": refused}, headers=money["provider_api"])
        assert answer.status_code == 422 and "checked documents" in str(answer.get_json()), answer.get_json()
    for nonsense in ({}, {"document_id": "abc"}, {"document_id": -1}, {"document_id": 2 ** 70}):
        assert client.post(url, json=nonsense, headers=money["provider_api"]).status_code == 422, nonsense
    # The commissioner may not attach (and cannot see the draft at all).
    assert client.post(url, json={"document_id": timesheet.id}, headers=money["commissioner_api"]).status_code in (403, 404)

    removed = client.delete(f"{url}/{body['id']}", headers=money["provider_api"])
    assert removed.status_code == 204
    assert client.get(f"/api/v1/invoices/{invoice_id}", headers=money["provider_api"]).get_json()["attachments"] == []
    assert client.delete(f"{url}/{body['id']}", headers=money["provider_api"]).status_code == 404


def test_at_most_twenty_and_only_while_draft_or_queried(client, money):
    invoice_id = _draft(client, money)
    url = f"/api/v1/invoices/{invoice_id}/attachments"
    for n in range(20):
        document = factories.document(money["provider"], filename=f"sheet-{n}.pdf")
        assert client.post(url, json={"document_id": document.id}, headers=money["provider_api"]).status_code == 201
    one_more = factories.document(money["provider"], filename="one-more.pdf")
    refused = client.post(url, json={"document_id": one_more.id}, headers=money["provider_api"])
    assert refused.status_code == 422 and "at most 20" in str(refused.get_json())

    first = client.get(f"/api/v1/invoices/{invoice_id}", headers=money["provider_api"]).get_json()["attachments"][0]
    submitted = client.post(f"/api/v1/invoices/{invoice_id}/submit", json={"confirm_warnings": True},
                            headers=money["provider_api"])
    assert submitted.status_code == 200, submitted.get_json()
    late = client.post(url, json={"document_id": one_more.id}, headers=money["provider_api"])
    assert late.status_code == 409 and "draft or queried" in str(late.get_json())
    assert client.delete(f"{url}/{first['id']}", headers=money["provider_api"]).status_code == 409


def test_a_drafts_attachments_are_the_providers_alone_then_the_commissioner_downloads_them(app, client, money,
                                                                                          services):
    """Uploaded from the invoice page (checked there and then), hidden from the commissioner while
    the invoice is a draft (ORM and RLS), then downloaded by the commissioner once it is submitted."""
    from portal.extensions import db
    from portal.invoicing.attachment_models import InvoiceAttachment
    from portal.tenants.context import tenant_context

    invoice_id = _draft(client, money)
    provider_client, web = _signed_in(app, "finance@fern.example")
    show = f"{money['base']}/{invoice_id}"
    page = provider_client.get(show).get_data(as_text=True)
    assert "Attachments" in page and "Upload and attach" in page and "No documents are attached" in page
    content = files.pdf(["Timesheet for May"])
    uploaded = web.post(f"{show}/attachments", {"source": "upload", "file": (io.BytesIO(content), "may-timesheet.pdf")},
                        page=show, content_type="multipart/form-data")
    assert uploaded.status_code == 303, uploaded.get_data(as_text=True)[:2000]
    page = provider_client.get(show).get_data(as_text=True)
    assert "may-timesheet.pdf" in page and "Remove" in page

    provider, commissioner = money["provider"], money["commissioner"]
    with app.app_context():
        with tenant_context(provider.id):
            [attachment] = db.session.query(InvoiceAttachment).all()
            attachment_id = attachment.id
            assert attachment.status == "draft" and attachment.content_type == "application/pdf"
        with tenant_context(commissioner.id):
            assert db.session.query(InvoiceAttachment).count() == 0
    assert (_rls_count(services, provider.id), _rls_count(services, commissioner.id)) == (1, 0)
    api_download = f"/api/v1/orgs/{commissioner.slug}/invoices/{invoice_id}/attachments/{attachment_id}"
    assert client.get(api_download, headers=money["commissioner_api"]).status_code == 404

    submitted = client.post(f"/api/v1/invoices/{invoice_id}/submit", json={"confirm_warnings": True},
                            headers=money["provider_api"])
    assert submitted.status_code == 200, submitted.get_json()
    assert (_rls_count(services, provider.id), _rls_count(services, commissioner.id)) == (1, 1)
    commissioner_client, _ = _signed_in(app, "finance@clyde.example")
    page = commissioner_client.get(f"{money['queue']}/{invoice_id}").get_data(as_text=True)
    assert "may-timesheet.pdf" in page and "Upload and attach" not in page and "Remove" not in page
    link = commissioner_client.get(f"{money['queue']}/{invoice_id}/attachments/{attachment_id}")
    assert link.status_code == 303 and "X-Amz-Signature" in link.headers["Location"]
    with urllib.request.urlopen(link.headers["Location"]) as fetched:
        assert fetched.read() == content
    api_link = client.get(api_download, headers=money["commissioner_api"])
    assert api_link.status_code == 303 and "X-Amz-Signature" in api_link.headers["Location"]
    with app.app_context(), tenant_context(commissioner.id):
        from portal.audit.models import AuditEvent

        downloads = db.session.query(AuditEvent).filter(AuditEvent.action == "invoice_document_downloaded").count()
    assert downloads == 2


def _rls_count(services, org_id: int) -> int:
    url = services.urls["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        conn.execute("select set_config('app.org_id', %s, true)", (str(org_id),))
        return conn.execute("select count(*) from invoice_attachments").fetchone()[0]


def test_the_page_answers_empty_and_nonsense_input_and_keeps_nothing(app, client, money):
    from portal.extensions import db
    from portal.invoicing.attachment_models import InvoiceAttachment
    from portal.tenants.context import tenant_context

    invoice_id = _draft(client, money)
    factories.document(money["provider"], filename="visits-summary.pdf")
    _, web = _signed_in(app, "finance@fern.example")
    show = f"{money['base']}/{invoice_id}"
    answers = {
        "Select a document to attach": {"source": "library", "document_id": ""},
        "Select one of your checked documents from the list": {"source": "library", "document_id": "12abc"},
        "Select a file to upload": {"source": "upload"},
    }
    for message, form in answers.items():
        answer = web.post(f"{show}/attachments", form, page=show, content_type="multipart/form-data")
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), message
    empty_file = web.post(f"{show}/attachments", {"source": "upload", "file": (io.BytesIO(b""), "empty.pdf")},
                          page=show, content_type="multipart/form-data")
    assert empty_file.status_code == 422 and "empty.pdf is empty" in empty_file.get_data(as_text=True)
    program = web.post(f"{show}/attachments", {"source": "upload", "file": (io.BytesIO(files.exe()), "run.pdf")},
                       page=show, content_type="multipart/form-data")
    assert program.status_code == 422 and "run.pdf cannot be attached" in program.get_data(as_text=True)
    with app.app_context(), tenant_context(money["provider"].id):
        assert db.session.query(InvoiceAttachment).count() == 0
    # The library's document, chosen from the list, is attached.
    page = web.client.get(show).get_data(as_text=True)
    assert "visits-summary.pdf" in page and 'name="document_id"' in page


def test_the_demo_attaches_timesheet_summaries_that_glasgow_sees_once_submitted(app):
    from sqlalchemy import select

    from portal.dev.demo import seed_demo
    from portal.extensions import db
    from portal.invoicing.attachment_models import InvoiceAttachment
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        seed_demo()
        db.session.commit()
        with tenant_context(get_organisation_by_slug("riverside-care").id):
            mine = {a.status: a for a in db.session.scalars(select(InvoiceAttachment))}
        assert set(mine) == {"draft", "submitted"}
        assert all(a.filename.startswith("timesheet-summary-") and a.content_type for a in mine.values())
        with tenant_context(get_organisation_by_slug("glasgow-hscp").id):
            seen = [a.status for a in db.session.scalars(select(InvoiceAttachment))]
        assert seen == ["submitted"]
