"""An organisation's export: asked for through the API or the page, built by a real RQ job into a
zip in S3, downloadable by the organisation's administrator (audit-logged) until it expires."""
from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from datetime import timedelta

from sqlalchemy import select

from tests import factories
from tests.helpers import link_in, mailbox, run_jobs
from tests.offboarding.helpers import objects_under, stored_document


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # the presigned S3 link
        return response.read()


def _audit_actions(app, org_id: int) -> list[str]:
    from portal.audit.models import AuditEvent
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org_id):
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_api_export_holds_every_row_and_document_and_no_secrets(app, client, contract_setup, api_token):
    provider, commissioner = contract_setup["provider"], contract_setup["commissioner"]
    stored_document(app, provider, "../../care plan.pdf", b"%PDF-1.4 fern evidence")
    stored_document(app, commissioner, "clyde.pdf", b"%PDF-1.4 clyde only")
    other = factories.organisation("provider", slug="oak-care", name="Oak Care")
    factories.contract(commissioner=commissioner, provider=other, reference="OAK-001")
    factories.invitation(provider)  # its nonce's hash is a secret
    headers = {"Authorization": f"Bearer {api_token('admin@fern.example')}"}

    asked = client.post("/api/v1/orgs/fern-care/exports", headers=headers)
    assert asked.status_code == 202, asked.get_json()
    export_id = asked.get_json()["id"]
    assert asked.get_json()["status"] == "pending"
    again = client.post("/api/v1/orgs/fern-care/exports", headers=headers)
    assert again.get_json()["id"] == export_id  # one at a time
    run_jobs(app)

    shown = client.get(f"/api/v1/orgs/fern-care/exports/{export_id}", headers=headers).get_json()
    assert shown["status"] == "ready" and shown["manifest"]["tables"]["contracts"] == 1
    download = client.get(f"/api/v1/orgs/fern-care/exports/{export_id}/download", headers=headers)
    assert download.status_code == 303
    body = _fetch(download.headers["Location"])
    import hashlib
    assert hashlib.sha256(body).hexdigest() == shown["sha256"]

    archive = zipfile.ZipFile(io.BytesIO(body))
    names = archive.namelist()
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["organisation"]["slug"] == "fern-care" and manifest["portal_version"]
    for name, entry in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == entry["sha256"], name
    contracts = json.loads(archive.read("tables/contracts.json"))
    assert [c["reference"] for c in contracts] == ["CLY-001"]  # never Oak Care's
    documents = [n for n in names if n.startswith("documents/")]
    assert len(documents) == 1 and documents[0].endswith("/care plan.pdf")
    assert archive.read(documents[0]) == b"%PDF-1.4 fern evidence"
    members = json.loads(archive.read("members.json"))
    assert {m["email"] for m in members} == {"submitter@fern.example", "second@fern.example", "admin@fern.example"}
    everything = b"".join(archive.read(n) for n in names)
    assert b"$argon2" not in everything and b"password_hash" not in everything and b"token_hash" not in everything
    assert b"nonce_hash" not in everything
    assert b"clyde only" not in everything and b"OAK-001" not in everything
    for name in names:
        assert not name.startswith("/") and ".." not in name

    assert "organisation_export_downloaded" in _audit_actions(app, provider.id)
    mail = mailbox(app, "admin@fern.example")
    assert mail and "ready" in mail[-1].subject
    assert f"/o/fern-care/exports/{export_id}" in link_in(mail[-1].body)
    assert objects_under(app, f"t/{provider.id}/exports/")


def test_commissioner_export_has_shared_rows_but_not_provider_drafts(app, client, contract_setup, api_token):
    factories.invoice_row(contract_setup["contract"], number="FERN-DRAFT", status="draft")
    factories.invoice_row(contract_setup["contract"], number="FERN-SENT")
    admin = factories.user("boss@clyde.example", memberships=[(contract_setup["commissioner"], "commissioner_admin")])
    headers = {"Authorization": f"Bearer {api_token(admin.email)}"}
    export_id = client.post("/api/v1/orgs/clyde-hscp/exports", headers=headers).get_json()["id"]
    run_jobs(app)
    url = client.get(f"/api/v1/orgs/clyde-hscp/exports/{export_id}/download", headers=headers).headers["Location"]
    archive = zipfile.ZipFile(io.BytesIO(_fetch(url)))
    assert json.loads(archive.read("tables/contracts.json")) == []  # the provider owns the contract
    assert [c["reference"] for c in json.loads(archive.read("shared/contracts.json"))] == ["CLY-001"]
    assert [i["number"] for i in json.loads(archive.read("shared/invoices.json"))] == ["FERN-SENT"]


def test_only_the_organisations_administrator_may_export(client, contract_setup, api_token):
    headers = {"Authorization": f"Bearer {api_token('submitter@fern.example')}"}
    assert client.post("/api/v1/orgs/fern-care/exports", headers=headers).status_code == 403
    assert client.get("/api/v1/orgs/fern-care/exports", headers=headers).status_code == 403
    assert client.post("/api/v1/orgs/fern-care/exports").status_code == 401


def test_page_request_status_and_expiry(app, web, contract_setup):
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.offboarding.jobs import expire_exports
    from portal.offboarding.models import OrganisationExport
    from portal.tenants.context import tenant_context

    web.sign_in("admin@fern.example")
    page = web.client.get("/o/fern-care/exports/")
    assert page.status_code == 200 and "Ask for an export" in page.get_data(as_text=True)
    asked = web.post("/o/fern-care/exports/", page="/o/fern-care/exports/")
    assert asked.status_code == 303
    here = asked.headers["Location"]
    pending = web.client.get(here).get_data(as_text=True)
    assert "We are preparing the export" in pending and 'hx-trigger="every 3s"' in pending
    partial = web.client.get(here, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.lstrip().startswith("<div id=\"export-status\"")
    run_jobs(app)
    ready = web.client.get(here).get_data(as_text=True)
    assert "Your export is ready" in ready and "hx-trigger" not in ready
    assert web.client.get(here + "/download").status_code == 303

    provider_id = contract_setup["provider"].id
    with app.app_context():
        with tenant_context(provider_id):
            export = db.session.scalars(select(OrganisationExport)).one()
            key = export.storage_key
            export.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    refused = web.client.get(here + "/download")
    assert refused.status_code == 409 and "expired" in refused.get_data(as_text=True)
    with app.app_context():
        assert expire_exports() == 1
        assert expire_exports() == 0  # a re-run does nothing
    assert key not in objects_under(app, f"t/{provider_id}/")
    submitter = web.client
    web.client.get("/sign-out")
    web.sign_in("submitter@fern.example")
    assert submitter.get(here).status_code == 403
