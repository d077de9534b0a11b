"""The tender jobs through Redis and a real `rq worker` process: the sweep closes tenders past
their deadline (once, audited), and cancelling a tender emails each interested provider's people,
by a job running as that provider; providers that are not interested hear nothing."""
from __future__ import annotations

import os
import subprocess
from datetime import timedelta

from redis import Redis
from rq import Queue
from sqlalchemy import select

from tests import factories
from tests.helpers import mailbox, queued, queues


def _run_worker() -> None:
    from portal.jobs import worker_command

    result = subprocess.run(worker_command(os.environ["REDIS_URL"], burst=True), env=dict(os.environ),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    for queue in queues():
        failed = queue.failed_job_registry
        assert failed.count == 0, [queue.fetch_job(job_id).exc_info for job_id in failed.get_job_ids()]
    assert queued() == 0


def test_the_sweep_closes_tenders_past_their_deadline_once(app):
    from portal.extensions import db
    from portal.jobs import DEFAULT
    from portal.models_base import utcnow
    from portal.procurement.jobs import close_tenders
    from portal.procurement.models import Tender
    from portal.audit.models import AuditEvent
    from portal.tenants.context import tenant_context

    glasgow = factories.organisation("commissioner", slug="glasgow-hscp")
    past = factories.tender(glasgow, reference="PAST", days_open=30)
    future = factories.tender(glasgow, reference="FUTURE", days_open=40)
    draft = factories.tender(glasgow, reference="DRAFT", days_open=20, published=False)
    later = utcnow() + timedelta(days=35)  # after PAST's deadline and DRAFT's, before FUTURE's
    housekeeping = Queue(DEFAULT, connection=Redis.from_url(os.environ["REDIS_URL"]))
    housekeeping.enqueue(close_tenders, now=later)
    housekeeping.enqueue(close_tenders, now=later)  # a second run finds nothing more to do

    _run_worker()

    with app.app_context(), tenant_context(glasgow.id):
        statuses = dict(db.session.execute(select(Tender.reference, Tender.status)).all())
        closed = db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "tender_closed")).all()
        db.session.rollback()
    assert statuses == {"PAST": "closed", "FUTURE": "published", "DRAFT": "draft"}
    assert closed == [str(past.id)]
    assert future.id and draft.id


def test_cancelling_emails_the_interested_providers_people(app, web, market_for_tenders):
    m = market_for_tenders
    tender = factories.tender(m["glasgow"], reference="GCH-CAN")
    factories.interest(m["fern"], tender)
    web.sign_in(m["officer"].email)
    cancelled = web.post(f"/o/glasgow-hscp/tenders/{tender.id}/cancel", {"reason": "The service is redesigned."})
    assert cancelled.status_code == 303
    assert [q.count for q in queues()][1] == 1  # one email job: Fern's

    _run_worker()

    sent = [(mail.to_address, mail.subject) for mail in mailbox(app)]
    assert sorted(sent) == [("admin@fern.example", "A tender you follow has been cancelled: GCH-CAN"),
                            ("staff@fern.example", "A tender you follow has been cancelled: GCH-CAN")]
    body = next(mail.body for mail in mailbox(app))
    assert "The service is redesigned." in body and "/o/fern-care/tenders/" in body
