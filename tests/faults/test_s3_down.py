"""The object store (SeaweedFS) stopped while a provider uploads: a clear 503 on the page and
in the API, nothing half-written, and the same upload works once the store is back."""
from __future__ import annotations

import io

from bs4 import BeautifulSoup
from sqlalchemy import func, select


def _rows(app, tenant_id: int) -> dict:
    from portal.audit.models import AuditEvent
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.outbox import OutboxMessage
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(tenant_id):
        counts = {
            "documents": db.session.scalar(select(func.count()).select_from(Document)),
            "outbox": db.session.scalar(select(func.count()).select_from(OutboxMessage)),
            "audit": db.session.scalar(select(func.count()).select_from(AuditEvent)
                                       .where(AuditEvent.action == "document_uploaded")),
            "keys": sorted(db.session.scalars(select(Document.storage_key))),
        }
        db.session.rollback()
    return counts


def _objects(services, tenant: int) -> list[str]:
    """The tenant's stored objects (other tests' tenants may have left theirs in the shared bucket)."""
    keys, pages = [], services.s3_client().get_paginator("list_objects_v2")
    for page in pages.paginate(Bucket=services.bucket, Prefix=f"t/{tenant}/"):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return sorted(keys)


def _upload_page(web, slug: str, name: str):
    return web.post(f"/o/{slug}/documents/upload", {"files": [(io.BytesIO(b"person,hours\nA,3\n"), name)]},
                    page=f"/o/{slug}/documents/upload")


def _upload_api(client, headers, name: str):
    return client.post("/api/v1/documents", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"person,hours\nB,4\n"), name)})


def test_uploads_while_s3_is_down_are_refused_cleanly_and_work_once_it_is_back(app, client, web, provider, outage,
                                                                              services):
    tenant, slug = provider["provider"].id, provider["provider"].slug
    web.sign_in(provider["submitter"].email)
    form_token = web.csrf(f"/o/{slug}/documents/upload")
    before = _objects(services, tenant)  # left by earlier tests whose tenant had the same id
    outage.stop_s3()

    page = web.client.post(f"/o/{slug}/documents/upload", data={
        "csrf_token": form_token, "files": [(io.BytesIO(b"person,hours\nA,3\n"), "week-1.csv")]},
        content_type="multipart/form-data")
    assert page.status_code == 503 and page.headers["Retry-After"]
    html = page.get_data(as_text=True)
    heading = BeautifulSoup(html, "html.parser").h1.get_text(strip=True)
    assert heading == "Sorry, the service is unavailable"
    assert "Documents cannot be stored at the moment" in html and "Try again in a few minutes" in html
    assert "Traceback" not in html and "botocore" not in html

    api = _upload_api(client, provider["headers"], "week-1.csv")
    assert api.status_code == 503
    body = api.get_json()
    assert body["code"] == 503 and "Try again" in body["message"] and "nothing was uploaded" in body["message"]

    assert _rows(app, tenant) == {"documents": 0, "outbox": 0, "audit": 0, "keys": []}  # nothing half-written

    outage.start_s3()
    assert _objects(services, tenant) == before  # and no stray object either
    again = _upload_page(web, slug, "week-1.csv")
    assert again.status_code in (302, 303), again.get_data(as_text=True)[:2000]
    api = _upload_api(client, provider["headers"], "week-1.csv")
    assert api.status_code == 202, api.get_json()
    rows = _rows(app, tenant)
    assert (rows["documents"], rows["outbox"], rows["audit"]) == (2, 2, 2)
    assert _objects(services, tenant) == sorted(before + rows["keys"])  # each row has its object, nothing else
