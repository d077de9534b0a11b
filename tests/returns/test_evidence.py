"""Evidence documents on returns: upload and attach, reuse from the library, submit only when
checked, frozen into the version, downloadable by the commissioner from the version."""
from __future__ import annotations

import io
import urllib.request

from tests.conftest import Browserless
from tests.documents.files import pdf
from tests.helpers import run_jobs
from tests.factories import full_answers


def _first_return(app, provider_id):
    from portal.returns.queries import list_returns
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider_id):
        return list_returns()[0].id


def _fill_answers(app, provider_id, return_id, user_id):
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider_id):
        ret = queries.get_return(return_id)
        services.save_answers(ret, full_answers(queries.measures_for(ret)), expected_version=ret.lock_version,
                              actor=db.session.get(User, user_id))
        db.session.commit()


def test_upload_attach_submit_and_commissioner_download(app, web, client, contract_setup):
    provider, commissioner = contract_setup["provider"], contract_setup["commissioner"]
    return_id = _first_return(app, provider.id)
    _fill_answers(app, provider.id, return_id, contract_setup["submitter"].id)
    web.sign_in(contract_setup["submitter"].email)
    base = f"/o/{provider.slug}/returns/{return_id}"
    token = web.csrf(base)
    body = pdf(["Outcome evidence for January"])
    response = client.post(f"{base}/documents/upload", data={
        "csrf_token": token, "files": (io.BytesIO(body), "evidence-january.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(base).get_data(as_text=True)
    assert "evidence-january.pdf" in page and "Checking" in page
    version = page.split('name="version" value="')[1].split('"')[0] if 'name="version"' in page else None
    # Check answers says the document is still being checked, and the wait, before submitting;
    # submitting meanwhile is refused with the reason.
    check = client.get(f"{base}/check").get_data(as_text=True)
    assert "We are still checking 1 document for viruses" in check and "a few seconds" in check
    assert "evidence-january.pdf" in check and 'hx-trigger="every 3s"' in check
    v = check.split('name="version" value="')[1].split('"')[0]
    refused = web.post(f"{base}/submit", {"version": v, "declaration": "yes"}, page=f"{base}/check")
    assert refused.status_code == 409 and "is still being checked" in refused.get_data(as_text=True)
    run_jobs(app)  # the document pipeline: clean
    check = client.get(f"{base}/check").get_data(as_text=True)
    assert "We are still checking" not in check and "Ready" in check
    v = check.split('name="version" value="')[1].split('"')[0]
    assert web.post(f"{base}/submit", {"version": v, "declaration": "yes"}, page=f"{base}/check").status_code == 303
    assert version is None  # the task list page carries no version field
    # The commissioner sees the document in the version and downloads it through a presigned URL.
    reviewer = Browserless(app.test_client())
    reviewer.sign_in(contract_setup["manager"].email)
    review = reviewer.client.get(f"/o/{commissioner.slug}/returns/{return_id}").get_data(as_text=True)
    assert "evidence-january.pdf" in review
    link = review.split('href="')[[i for i, part in enumerate(review.split('href="'))
                                   if "/versions/1/documents/" in part][0]].split('"')[0]
    redirect = reviewer.client.get(link)
    assert redirect.status_code == 303
    with urllib.request.urlopen(redirect.headers["Location"]) as fetched:
        assert fetched.read() == body
        assert "attachment" in fetched.headers["Content-Disposition"]


def test_a_library_document_is_attached_to_two_returns_without_uploading_again(app, contract_setup):
    from portal.accounts.models import User
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.returns import attachments, queries
    from portal.tenants.context import tenant_context

    provider = contract_setup["provider"]
    with app.app_context(), tenant_context(provider.id):
        user = db.session.get(User, contract_setup["submitter"].id)
        document = Document(storage_key=f"t/{provider.id}/documents/shared", filename="policy.pdf", size_bytes=10,
                            status="clean", scan_status="clean", sha256="a" * 64, processed_at=utcnow())
        db.session.add(document)
        db.session.flush()
        first, second = queries.list_returns()[:2]
        attachments.attach(first, document.id, actor=user)
        attachments.attach(second, document.id, actor=user)
        attachments.attach(second, document.id, actor=user)  # attaching twice changes nothing
        assert [r["id"] for r in attachments.document_refs(first)] == [document.id]
        assert [r["id"] for r in attachments.document_refs(second)] == [document.id]
        assert db.session.query(Document).count() == 1


def test_rejected_documents_cannot_be_attached(app, contract_setup):
    import pytest

    from portal.accounts.models import User
    from portal.documents.models import Document
    from portal.errors import NotFound
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.returns import attachments, queries
    from portal.tenants.context import tenant_context

    provider = contract_setup["provider"]
    with app.app_context(), tenant_context(provider.id):
        user = db.session.get(User, contract_setup["submitter"].id)
        bad = Document(storage_key=f"t/{provider.id}/documents/bad", filename="x.pdf", size_bytes=10,
                       status="infected", scan_status="infected", processed_at=utcnow())
        db.session.add(bad)
        db.session.flush()
        with pytest.raises(NotFound):
            attachments.attach(queries.list_returns()[0], bad.id, actor=user)


def test_evidence_section_polls_while_checking_and_works_without_javascript(app, web, client, contract_setup):
    provider = contract_setup["provider"]
    return_id = _first_return(app, provider.id)
    web.sign_in(contract_setup["submitter"].email)
    base = f"/o/{provider.slug}/returns/{return_id}"
    client.post(f"{base}/documents/upload", data={"csrf_token": web.csrf(base),
                                                  "files": (io.BytesIO(pdf(["x"])), "a.pdf")},
                content_type="multipart/form-data")
    full = client.get(base).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in full and "Refresh</a> to see the result" in full
    partial = client.get(base, headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True) and "a.pdf" in partial.get_data(as_text=True)
    run_jobs(app)
    done = client.get(base, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "every 2s" not in done and "Ready" in done
