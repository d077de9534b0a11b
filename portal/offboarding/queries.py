"""Reads of offboarding. Exports are tenant-owned: these run as the organisation."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.offboarding.models import PENDING, OrganisationExport
from portal.tenants.context import tenant_context
from portal.tenants.models import Organisation


def list_exports(limit: int = 20) -> list[OrganisationExport]:
    return list(db.session.scalars(select(OrganisationExport).order_by(OrganisationExport.id.desc()).limit(limit)))


def get_export(export_id: int) -> OrganisationExport | None:
    return db.session.scalar(select(OrganisationExport).where(OrganisationExport.id == export_id))


def pending_export() -> OrganisationExport | None:
    return db.session.scalar(select(OrganisationExport).where(OrganisationExport.status == PENDING)
                             .order_by(OrganisationExport.id.desc()).limit(1))


def exports_of(organisation: Organisation, limit: int = 20) -> list[OrganisationExport]:
    """For the platform administrator's page (outside any organisation)."""
    with tenant_context(organisation.id):
        return list_exports(limit)


def export_of(organisation: Organisation, export_id: int) -> OrganisationExport | None:
    with tenant_context(organisation.id):
        return get_export(export_id)


def get_organisation(organisation_id: int) -> Organisation | None:
    return db.session.get(Organisation, organisation_id)
