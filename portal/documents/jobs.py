"""Background work on documents. Each job runs inside ``run_outbox_message``, which sets the
tenant, and commits once; the jobs only flush. They are idempotent: a document that is no
longer pending is left alone, and an S3 or scanner error raises so that RQ retries."""
from __future__ import annotations

import logging
import os
import tempfile
import time

from flask import current_app
from sqlalchemy import select

from portal.audit.services import record
from portal.documents import storage
from portal.documents.models import INFECTED, PENDING, REJECTED, Document
from portal.documents.processing import inspect_file
from portal.extensions import db
from portal.models_base import utcnow
from portal.outbox import enqueue_after_commit

log = logging.getLogger(__name__)
#: Test-only: when PORTAL_ENV is "test" and this names a file, the job writes its process id
#: there and waits, so a test can kill the worker in the middle of a job.
PAUSE_ENV = "PORTAL_TEST_DOCUMENT_JOB_PAUSE_FILE"


def process_document(document_id: int) -> None:
    document = db.session.execute(
        select(Document).where(Document.id == document_id).with_for_update(of=Document)).scalar_one_or_none()
    if document is None or document.status != PENDING:
        return  # already processed (or never committed): nothing to do
    with tempfile.TemporaryFile(prefix="portal-document-") as fh:
        storage.download_to(document.storage_key, fh)
        outcome = inspect_file(fh, document.filename)
    if outcome.size_bytes != document.size_bytes:
        raise RuntimeError(f"document {document.id}: stored object has {outcome.size_bytes} bytes, "
                           f"expected {document.size_bytes}")
    document.sha256 = outcome.sha256
    db.session.flush()
    _pause_for_tests(document.id)
    document.status = outcome.status
    document.scan_status = outcome.scan_status
    document.scan_result = outcome.scan_result and outcome.scan_result[:300]
    document.rejection_reason = outcome.rejection_reason
    document.detected_type = outcome.detected_type
    document.content_type = outcome.content_type
    document.page_count = outcome.page_count
    document.text_content = outcome.text
    document.processed_at = utcnow()
    record("document_checked", document, status=outcome.status, scan_status=outcome.scan_status,
           reason=outcome.rejection_reason)
    if document.status in (REJECTED, INFECTED):
        # Nothing unusable is kept: the bytes go once this outcome is committed.
        enqueue_after_commit("discard_document_object", tenant_id=document.tenant_id, document_id=document.id)
    db.session.flush()


def discard_document_object(document_id: int) -> None:
    document = db.session.execute(
        select(Document).where(Document.id == document_id).with_for_update(of=Document)).scalar_one_or_none()
    if document is None or document.object_deleted_at is not None or document.status not in (REJECTED, INFECTED):
        return
    storage.delete_object(document.storage_key)
    document.object_deleted_at = utcnow()
    db.session.flush()


def _pause_for_tests(document_id: int) -> None:
    path = os.environ.get(PAUSE_ENV)
    if not path or current_app.config.get("PORTAL_ENV") != "test":
        return
    with open(path, "w") as marker:
        marker.write(f"{os.getpid()} {document_id}")
    log.warning("test pause: document job %s waiting in process %s", document_id, os.getpid())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and os.path.exists(path):
        time.sleep(0.05)
