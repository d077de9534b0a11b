"""PostgreSQL restarted under load: a threaded server answers four client threads reading and
uploading; the database is stopped and started under them. Requests caught by the outage get a
clean 503 (JSON for the API, the error page for a person), every request started after the
restart succeeds (the pool throws away dead connections: pool_pre_ping), and nothing is
half-written: every document row has its outbox message, its audit event and its object."""
from __future__ import annotations

import io
import threading
import time

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from werkzeug.serving import make_server

from portal.dev.ports import free_port_block
from tests.faults.conftest import wait_for

CLIENTS = 4


class Load:
    def __init__(self, base_url: str, headers: dict):
        self.base_url, self.headers = base_url, headers
        self.stop = threading.Event()
        self.log: list[tuple[str, float, float, int, dict | None]] = []  # kind, started, ended, status, body
        self.lock = threading.Lock()

    def run(self, n: int) -> None:
        with httpx.Client(base_url=self.base_url, headers=self.headers, timeout=60) as client:
            for i in range(2000):  # bounded, whatever happens
                if self.stop.is_set():
                    return
                kind = "upload" if i % 2 else "read"
                started = time.monotonic()
                try:
                    if kind == "read":
                        response = client.get("/api/v1/documents")
                    else:
                        response = client.post("/api/v1/documents", files={
                            "file": (f"c{n}-{i}.csv", io.BytesIO(f"client,request\n{n},{i}\n".encode()), "text/csv")})
                    status, body = response.status_code, response.json()
                except httpx.HTTPError as exc:
                    status, body = 0, {"error": repr(exc)}
                with self.lock:
                    self.log.append((kind, started, time.monotonic(), status, body))

    def after(self, moment: float) -> list:
        with self.lock:
            return [entry for entry in self.log if entry[1] > moment]


def _consistency(app, tenant_id: int) -> dict:
    from portal.audit.models import AuditEvent
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.outbox import OutboxMessage
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(tenant_id):
        documents = {d.id: d.storage_key for d in db.session.scalars(select(Document))}
        messages = [m.payload["document_id"] for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.job == "process_document"))]
        audited = [int(e.object_id) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "document_uploaded"))]
        db.session.rollback()
    return {"documents": documents, "messages": messages, "audited": audited}


def test_postgres_restart_under_load(app, web, provider, outage, services):
    from portal import create_app

    tenant, slug = provider["provider"].id, provider["provider"].slug
    live = create_app()  # as in production: not TESTING, so nothing propagates past the error handlers
    port = free_port_block(1)
    server = make_server("127.0.0.1", port, live, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    web.sign_in(provider["submitter"].email)
    load = Load(f"http://127.0.0.1:{port}", provider["headers"])
    clients = [threading.Thread(target=load.run, args=(n,), daemon=True) for n in range(CLIENTS)]
    try:
        for thread in clients:
            thread.start()
        wait_for(lambda: sum(1 for e in load.after(0) if e[3] in (200, 202)) >= 20, what="the load to start")

        outage.stop_postgres()
        down = time.monotonic()
        wait_for(lambda: any(e[3] == 503 for e in load.after(down)), what="a request to meet the outage")
        cookie = web.client.get_cookie("portal_session")
        page = httpx.get(f"http://127.0.0.1:{port}/o/{slug}/documents", timeout=60,  # a person's page
                         cookies={cookie.key: cookie.value})
        outage.start_postgres()
        up = time.monotonic()
        wait_for(lambda: all(sum(1 for e in load.after(up) if e[0] == kind) >= 3 * CLIENTS
                             for kind in ("read", "upload")), timeout=180, what="requests after the restart")
    finally:
        load.stop.set()
        for thread in clients:
            thread.join(timeout=120)
        server.shutdown()

    statuses = [e[3] for e in load.log]
    assert set(statuses) <= {200, 202, 503}, sorted(set(statuses))  # no 500, no broken connection
    failed = [e for e in load.log if e[3] == 503]
    assert failed and all(e[1] < up for e in failed)  # only requests that met the outage failed...
    assert all("Try again" in e[4]["message"] for e in failed)  # ...with a message saying what to do
    assert all(e[3] in (200, 202) for e in load.after(up))  # after the restart, every request works

    assert page.status_code == 503 and page.headers["Retry-After"]
    html = page.text
    assert BeautifulSoup(html, "html.parser").h1.get_text(strip=True) == "Sorry, the service is unavailable"
    assert "Try again in a minute" in html and "Traceback" not in html

    # Nothing half-written: each document row has its job and its audit event, once, and its object.
    rows = _consistency(app, tenant)
    documents = rows["documents"]
    assert sorted(rows["messages"]) == sorted(documents) and sorted(rows["audited"]) == sorted(documents)
    accepted = [e[4]["id"] for e in load.log if e[0] == "upload" and e[3] == 202]
    assert len(accepted) == len(set(accepted)) and set(accepted) <= set(documents)  # every 202 was kept
    unanswered_uploads = [e for e in failed if e[0] == "upload"]
    assert len(documents) - len(accepted) <= len(unanswered_uploads)  # at most a commit whose answer was lost
    listed = services.s3_client().list_objects_v2(Bucket=services.bucket, Prefix=f"t/{tenant}/")
    stored = {item["Key"] for item in listed.get("Contents", [])}
    assert set(documents.values()) <= stored
