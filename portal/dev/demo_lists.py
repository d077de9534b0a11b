"""The demo's approved supplier list and mini-competition, and the open tender's documents.

- Glasgow's approved supplier list for care at home, with four of the demo providers on it
  (Brightpath Support and Lochside Care are not, so the restriction shows);
- a published mini-competition restricted to that list: its members see it, nobody else does;
- Glasgow's open care-at-home tender gets its service specification, released now, and its market
  data on people supported, released in a few days at 9am (the release job announces it then).

Dates are relative to the day the demo is seeded; running it again changes nothing.
"""
from __future__ import annotations

import hashlib
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.extensions import db
from portal.models_base import utcnow
from portal.procurement import services, supplier_lists, tender_documents
from portal.procurement.models import Tender
from portal.procurement.supplier_list_models import SupplierList
from portal.procurement.tender_document_models import TenderDocument
from portal.tenants.context import tenant_context
from portal.tenants.queries import get_organisation_by_slug

LONDON = ZoneInfo("Europe/London")
LIST_NAME = "Glasgow care at home approved providers 2026 to 2029"
MEMBERS = ("riverside-care", "hillview-support", "oakfield-care", "northgate-living")
MINI = ("GCH-2027-MC1", "Overnight support at home, north west",
        "A call-off from the approved supplier list for care at home: overnight support at home for about 40 "
        "people in the north west of the city, from the spring. Only providers on the list may bid.")
OPEN_TENDER = "GCH-2027-CAH"
RELEASE_IN_DAYS = 3


def seed_demo_lists() -> int:
    """Make what is missing; returns how many things were made."""
    glasgow = get_organisation_by_slug("glasgow-hscp")
    if glasgow is None:
        return 0
    made = 0
    now = utcnow()
    today = now.astimezone(LONDON).date()
    with tenant_context(glasgow.id):
        approved = db.session.scalar(select(SupplierList).where(SupplierList.tenant_id == glasgow.id,
                                                                SupplierList.name == LIST_NAME))
        if approved is None:
            approved = supplier_lists.create_list(
                glasgow, name=LIST_NAME, service_type="care_at_home", starts_on=today - timedelta(days=200),
                ends_on=today.replace(year=today.year + 3), actor=None,
                description="Providers approved after the 2026 care at home tender. Smaller packages and "
                            "mini-competitions are called off from this list.")
            for slug in MEMBERS:
                provider = get_organisation_by_slug(slug)
                if provider is not None:
                    supplier_lists.add_member(approved, provider=slug, starts_on=approved.starts_on, actor=None)
            made += 1
        if not db.session.scalar(select(Tender.id).where(Tender.tenant_id == glasgow.id, Tender.reference == MINI[0])):
            deadline = datetime.combine(today + timedelta(days=30), time(12), tzinfo=LONDON)
            tender = services.create_tender(glasgow, reference=MINI[0], title=MINI[1], description=MINI[2],
                                            service_type="care_at_home", regime="scotland", published_at=now,
                                            submission_deadline=deadline, estimated_value="680000.00", actor=None)
            supplier_lists.restrict_tender(tender, approved.id, actor=None)
            services.publish(tender, actor=None, now=now)
            made += 1
        made += _open_tender_documents(glasgow, now)
    return made


def _open_tender_documents(glasgow, now: datetime) -> int:
    tender = db.session.scalar(select(Tender).where(Tender.tenant_id == glasgow.id, Tender.reference == OPEN_TENDER))
    if tender is None or db.session.scalar(select(TenderDocument.id).where(TenderDocument.tender_id == tender.id)):
        return 0
    specification = _library_document(glasgow, "service-specification.docx", _specification())
    market_data = _library_document(glasgow, "market-data-people-supported.csv", _market_data())
    release = datetime.combine(now.astimezone(LONDON).date() + timedelta(days=RELEASE_IN_DAYS), time(9),
                               tzinfo=LONDON)
    tender_documents.attach(tender, specification.id, title="Service specification", actor=None, now=now,
                            reason="The service specification is published with the tender.")
    tender_documents.attach(tender, market_data.id, title="Market data on people supported", release_at=release,
                            actor=None, now=now,
                            reason="The market data on people supported will be released once it has been "
                                   "checked for anything that could identify a person.")
    return 2


def _library_document(org, filename: str, content: bytes):
    """A file in the organisation's library, checked as the document worker would check it."""
    from portal.documents import storage
    from portal.documents.jobs import process_document
    from portal.documents.models import PENDING, Document

    key = storage.new_key(org.id)
    size = storage.upload_stream(io.BytesIO(content), key, limit=len(content) + 1)
    document = Document(tenant_id=org.id, storage_key=key, filename=filename, size_bytes=size, status=PENDING,
                        sha256=hashlib.sha256(content).hexdigest())
    db.session.add(document)
    db.session.flush()
    storage.remember_upload(key)
    process_document(document.id)
    return document


def _specification() -> bytes:
    from docx import Document

    document = Document()
    properties = document.core_properties
    properties.author = properties.last_modified_by = "Glasgow City HSCP"
    properties.title = "Care at home, north east and east: service specification"
    document.add_heading("Care at home, north east and east: service specification", level=1)
    for heading, text in (
            ("Purpose", "Care and support at home that helps adults stay well, independent and connected to "
                        "their communities, commissioned for outcomes rather than hours."),
            ("Outcomes", "Providers report each month against Scotland's National Health and Wellbeing Outcomes "
                         "through the portal's returns."),
            ("Staffing", "Staff are paid at least the real Living Wage; rotas keep a consistent worker for each "
                         "person wherever possible.")):
        document.add_heading(heading, level=2)
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _market_data() -> bytes:
    from portal.reporting.exports import csv_text

    rows = [("North East", "18 to 64", 64, 1040), ("North East", "65 to 84", 171, 2890),
            ("North East", "85 and over", 75, 1270), ("East", "18 to 64", 52, 820),
            ("East", "65 to 84", 149, 2430), ("East", "85 and over", 69, 1150)]
    return csv_text(["Locality", "Age group", "People supported", "Hours a week"], rows).encode()
