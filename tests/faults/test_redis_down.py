"""Redis stopped while a provider uploads evidence and submits a return: both are saved, their
jobs wait in the outbox, and once Redis is back the sweep enqueues each job once and a worker
runs each once."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select, update

from tests.helpers import mailbox, queued


def _outbox(app) -> list[tuple[str, bool, int]]:
    from portal.extensions import db
    from portal.outbox import OutboxMessage

    with app.app_context():
        rows = [(m.job, m.done_at is not None, m.attempts)
                for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
        db.session.rollback()
    return rows


def _saved(app, tenant_id: int) -> dict:
    from portal.audit.models import AuditEvent
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.returns.models import Return, ReturnVersion
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(tenant_id):
        saved = {
            "documents": [d.status for d in db.session.scalars(select(Document))],
            "versions": db.session.scalar(select(func.count()).select_from(ReturnVersion)),
            "submitted": db.session.scalar(select(func.count()).select_from(Return)
                                           .where(Return.status == "submitted")),
            "checked": db.session.scalar(select(func.count()).select_from(AuditEvent)
                                         .where(AuditEvent.action == "document_checked")),
        }
        db.session.rollback()
    return saved


def test_upload_and_submit_while_redis_is_down_then_each_job_runs_once(app, client, web, provider, outage,
                                                                       workers):
    from portal.extensions import db
    from portal.outbox import OutboxMessage, sweep_outbox

    tenant, slug = provider["provider"].id, provider["provider"].slug
    web.sign_in(provider["submitter"].email)  # signing in counts failures in Redis: before it stops
    form_token = web.csrf(f"/o/{slug}/documents/upload")
    version = client.get(f"/api/v1/returns/{provider['draft_id']}", headers=provider["headers"]).get_json()["version"]
    outage.stop_redis()

    uploaded = web.client.post(f"/o/{slug}/documents/upload", data={
        "csrf_token": form_token, "files": [(io.BytesIO(b"person,hours\nA,3\n"), "evidence.csv")]},
        content_type="multipart/form-data")
    assert uploaded.status_code in (302, 303), uploaded.get_data(as_text=True)[:3000]
    submitted = client.post(f"/api/v1/returns/{provider['draft_id']}/submit", headers=provider["headers"],
                            json={"version": version})
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "submitted"

    assert _saved(app, tenant) == {"documents": ["pending"], "versions": 1, "submitted": 1, "checked": 0}
    waiting = _outbox(app)
    assert {job for job, _done, _attempts in waiting} >= {"process_document", "index_return_version",
                                                          "refresh_outcome_rollup"}
    assert all(not done and attempts == 0 for _job, done, attempts in waiting)

    outage.start_redis()
    assert queued() == 0  # nothing reached Redis while it was down
    with app.app_context():
        assert sweep_outbox() == 0  # younger than the sweep delay: a push may still be on its way
        db.session.execute(update(OutboxMessage).values(created_at=OutboxMessage.created_at - timedelta(minutes=6)))
        db.session.commit()
        assert [sweep_outbox() for _ in range(3)] == [len(waiting), 0, 0]  # each pushed once, however often swept
    assert queued() == len(waiting)

    worker = workers.start("fault-redis-back", burst=True)
    output, _ = worker.communicate(timeout=180)
    assert worker.returncode == 0, output[-3000:]

    after = _outbox(app)
    assert after[:len(waiting)] == [(job, True, 1) for job, _done, _attempts in waiting]  # each ran once
    assert all(done for _job, done, _attempts in after)  # and the emails they asked for were sent
    saved = _saved(app, tenant)
    assert saved["documents"] != ["pending"] and len(saved["documents"]) == 1
    assert (saved["versions"], saved["submitted"], saved["checked"]) == (1, 1, 1)  # checked once, submitted once
    emails = [(m.to_address, m.subject) for m in mailbox(app)]
    assert len(emails) == len(set(emails))  # nobody was told twice
    assert queued() == 0
