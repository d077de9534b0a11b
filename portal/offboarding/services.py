"""Writes of offboarding: ask for an export (its job builds it), download it, suspend an
organisation for offboarding and cancel that. Services flush; the request or job commits."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app

from portal.audit.services import record, record_platform
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models_base import utcnow
from portal.offboarding.models import PENDING, OrganisationExport
from portal.offboarding.queries import pending_export
from portal.outbox import enqueue_after_commit
from portal.tenants.context import tenant_context
from portal.tenants.models import Organisation

MAX_REASON = 1000


def request_export(organisation: Organisation, *, actor, reason: str = "requested") -> OrganisationExport:
    """An export of everything of ``organisation``, built by the ``build_organisation_export`` job.
    One at a time: while one is being prepared, asking again answers that one."""
    with tenant_context(organisation.id):
        waiting = pending_export()
        if waiting is not None:
            return waiting
        export = OrganisationExport(tenant_id=organisation.id, status=PENDING, reason=reason,
                                    requested_by_id=actor.id if actor is not None else None)
        db.session.add(export)
        db.session.flush()
        record("organisation_export_requested", export, actor=actor)
        enqueue_after_commit("build_organisation_export", tenant_id=organisation.id, export_id=export.id)
    return export


def download_url(organisation: Organisation, export: OrganisationExport, *, actor) -> str:
    """A short-lived link to the zip; every download is in the organisation's audit log."""
    from portal.documents.storage import presigned_download_url
    from portal.documents.filenames import content_disposition

    if not export.is_downloadable:
        raise Conflict("This export has expired or is not ready. Ask for a new export.")
    with tenant_context(organisation.id):
        record("organisation_export_downloaded", export, actor=actor)
    return presigned_download_url(export.storage_key, disposition=content_disposition(export.filename),
                                  content_type="application/zip")


def _check_reason_and_name(organisation: Organisation, reason: str | None, confirm_name: str | None) -> str:
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Enter why this organisation is leaving the portal"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"The reason must be {MAX_REASON} characters or fewer"
    typed = " ".join((confirm_name or "").split())
    if not typed:
        errors["confirm_name"] = f"Type the organisation's name, {organisation.name}, to confirm"
    elif typed.casefold() != " ".join(organisation.name.split()).casefold():
        errors["confirm_name"] = f"The name you typed does not match. Type {organisation.name} exactly"
    if errors:
        raise Invalid(next(iter(errors.values())), errors=errors)
    return reason


def start_offboarding(organisation: Organisation, *, reason: str | None, confirm_name: str | None,
                      actor) -> OrganisationExport:
    """Suspend the organisation now (nobody can enter it or use its tokens), make an export, and
    schedule the deletion of its rows and files after the retention period."""
    if organisation.deleted_at is not None:
        raise Conflict(f"{organisation.name} has already been deleted")
    if organisation.is_suspended:
        raise Conflict(f"{organisation.name} is already being offboarded")
    reason = _check_reason_and_name(organisation, reason, confirm_name)
    now = utcnow()
    days = current_app.config["OFFBOARDING_RETENTION_DAYS"]
    organisation.is_active = False
    organisation.suspended_at = now
    organisation.offboarding_reason = reason
    organisation.delete_after = now + timedelta(days=days)
    organisation.deletion_blocked = None
    db.session.flush()
    record_platform("organisation_offboarding_started", organisation, actor=actor, organisation=organisation,
                    reason=reason, delete_after=organisation.delete_after.isoformat(), retention_days=days)
    return request_export(organisation, actor=actor, reason="offboarding")


def cancel_offboarding(organisation: Organisation, *, actor) -> None:
    """During the retention period: the organisation is restored as it was."""
    if organisation.deleted_at is not None:
        raise Conflict(f"{organisation.name} has been deleted: its offboarding cannot be cancelled")
    if not organisation.is_suspended:
        raise Conflict(f"{organisation.name} is not being offboarded")
    organisation.is_active = True
    organisation.suspended_at = None
    organisation.offboarding_reason = None
    organisation.delete_after = None
    organisation.deletion_blocked = None
    db.session.flush()
    record_platform("organisation_offboarding_cancelled", organisation, actor=actor, organisation=organisation)
