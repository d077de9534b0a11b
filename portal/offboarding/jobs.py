"""Jobs of offboarding: build an export (through the outbox), and two hourly runs (portal/jobs.py):
expire exports past their download period, delete organisations past their retention period."""
from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.services import record
from portal.documents.storage import TRANSFER, bucket, delete_object, remember_upload
from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.services import send_email
from portal.offboarding.archive import build_archive
from portal.offboarding.deletion import delete_organisation, due_organisations
from portal.offboarding.models import EXPIRED, PENDING, READY, OrganisationExport
from portal.storage import s3_client
from portal.tenants.context import current_tenant_id, tenant_context
from portal.tenants.models import Organisation
from portal.urls import external_url

log = logging.getLogger(__name__)


def export_key(tenant_id: int) -> str:
    return f"t/{tenant_id}/exports/{uuid.uuid4().hex}.zip"


def build_organisation_export(export_id: int) -> None:
    """Runs as the organisation (the outbox sets it). Idempotent: an export no longer pending is
    left alone; errors propagate, so RQ retries and the export stays pending meanwhile."""
    export = db.session.scalar(select(OrganisationExport).where(OrganisationExport.id == export_id)
                               .with_for_update())
    if export is None or export.status != PENDING:
        return
    organisation = db.session.get(Organisation, current_tenant_id())
    key = export_key(organisation.id)
    with tempfile.TemporaryFile() as fh:
        manifest = build_archive(organisation, fh)
        size = fh.tell()
        fh.seek(0)
        digest = hashlib.sha256()
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
        fh.seek(0)
        remember_upload(key)  # a rollback after this deletes the object
        s3_client().upload_fileobj(fh, bucket(), key, ExtraArgs={"ContentType": "application/zip"}, Config=TRANSFER)
    now = utcnow()
    export.status, export.storage_key, export.size_bytes, export.sha256 = READY, key, size, digest.hexdigest()
    export.manifest = {"tables": manifest["tables"], "shared_tables": manifest["shared_tables"],
                       "documents": sum(1 for name in manifest["files"] if name.startswith("documents/")),
                       "documents_missing": len(manifest["documents_missing"]),
                       "portal_version": manifest["portal_version"]}
    export.ready_at = now
    export.expires_at = now + timedelta(days=current_app.config["EXPORT_DOWNLOAD_DAYS"])
    record("organisation_export_ready", export, size_bytes=size)
    requester = db.session.get(User, export.requested_by_id) if export.requested_by_id else None
    if requester is not None and requester.is_active_account:
        link = (external_url("offboarding.export", slug=organisation.slug, export_id=export.id)
                if organisation.is_active else external_url("admin_offboarding.organisation",
                                                             organisation_id=organisation.id))
        send_email(requester.email, f"The export of {organisation.name} is ready", "organisation_export_ready",
                   user=requester, organisation=organisation, export=export, link=link)


def expire_exports() -> int:
    """Hourly: delete the files of exports past their download period. Returns how many."""
    from portal.worker_app import app_context

    with app_context():
        expired = 0
        ids = list(db.session.scalars(select(Organisation.id).where(Organisation.deleted_at.is_(None))))
        db.session.rollback()
        for organisation_id in ids:
            with tenant_context(organisation_id):
                for export in db.session.scalars(select(OrganisationExport).where(
                        OrganisationExport.status == READY, OrganisationExport.expires_at <= utcnow())):
                    delete_object(export.storage_key)
                    export.status = EXPIRED
                    record("organisation_export_expired", export)
                    expired += 1
            db.session.commit()
        return expired


def delete_offboarded_organisations() -> dict[int, str]:
    """Hourly: delete each organisation whose retention period is over, one transaction each."""
    from portal.worker_app import app_context

    with app_context():
        outcomes = {}
        for organisation_id in due_organisations():
            db.session.rollback()
            try:
                outcomes[organisation_id] = delete_organisation(organisation_id)
            except Exception:  # one organisation's failure does not stop the others; the next run retries
                db.session.rollback()
                log.exception("could not delete organisation %s", organisation_id)
                outcomes[organisation_id] = "failed"
        db.session.rollback()
        return outcomes
