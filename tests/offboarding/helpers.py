"""Helpers of the offboarding tests: bytes in S3 for a document, row counts per tenant table."""
from __future__ import annotations

from sqlalchemy import func, select

from tests import factories


def stored_document(app, org, filename: str, body: bytes):
    """A clean document of ``org`` whose bytes are really in S3."""
    from portal.documents.storage import bucket
    from portal.storage import s3_client

    made = factories.document(org, filename=filename, size_bytes=len(body))
    with app.app_context():
        s3_client().put_object(Bucket=bucket(), Key=made.storage_key, Body=body)
    return made


def tenant_counts(app, org_id: int) -> dict[str, int]:
    """Rows with ``tenant_id = org_id`` in every tenant table, read as that organisation (RLS holds)."""
    from portal.extensions import db
    from portal.offboarding.archive import tenant_tables
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org_id):
        counts = {t.name: db.session.scalar(select(func.count()).select_from(t).where(t.c.tenant_id == org_id))
                  for t in tenant_tables()}
        db.session.rollback()
    return counts


def objects_under(app, prefix: str) -> list[str]:
    from portal.documents.storage import bucket
    from portal.storage import s3_client

    with app.app_context():
        client = s3_client()
        return [item["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket(), Prefix=prefix)
                for item in page.get("Contents", [])]
