"""Deleting an offboarded organisation once its retention period is over.

One transaction per organisation: every row of every table with a ``tenant_id`` column whose
``tenant_id`` is the organisation, children before parents, except the audit log (``audit_events``
is append-only and stays). The rows are deleted by the database function
``portal_erase_organisation`` (migration 0024_offboarding), which runs as the owner so that
append-only tables (submitted versions, invoice events, bid receipts) can be emptied, but only for
an organisation that is suspended and past its ``delete_after``, and with ``app.org_id`` set to it
so that row-level security still holds. The
organisation row stays as a tombstone (inactive, ``deleted_at`` set): the audit log's foreign key
to it is RESTRICT and never cascades, and other organisations' rows that name it (a provider's
contract naming a deleted commissioner) keep a valid key. After the commit, every S3 object under
the organisation's prefix ``t/<id>/`` is deleted. A platform audit event records the counts. A
re-run finds nothing to delete (``deleted_at`` and ``objects_deleted_at`` are set).

Other organisations' rows are never touched. Before deleting, the job counts, as each other
organisation (so their row-level security holds), the rows of theirs that point at this
organisation's rows through a foreign key (a commissioner's award of a provider's bid, a
provider's remittance of a commissioner's payment run). If there are any, nothing is deleted:
the organisation stays suspended, ``deletion_blocked`` says which tables and how many rows (no
content), and the platform administrator resolves it; the hourly job tries again.
"""
from __future__ import annotations

import logging

from sqlalchemy import ForeignKeyConstraint, Table, func, or_, select, text, update

from portal.audit.services import record_platform
from portal.documents.storage import bucket
from portal.extensions import db
from portal.models_base import utcnow
from portal.offboarding.archive import tenant_tables
from portal.outbox import OutboxMessage
from portal.storage import s3_client
from portal.tenants.context import tenant_context
from portal.tenants.models import Organisation

log = logging.getLogger(__name__)
KEPT_TABLES = {"audit_events"}  # the audit log outlives the organisation


def storage_prefix(organisation_id: int) -> str:
    return f"t/{organisation_id}/"


def cross_tenant_references() -> list[tuple[Table, str]]:
    """(child table, column) for each foreign key by which one organisation's row points at
    another's: a composite key whose ``tenant_id`` part is matched by another column."""
    found = []
    for table in tenant_tables():
        for constraint in table.constraints:
            if not isinstance(constraint, ForeignKeyConstraint):
                continue
            for element in constraint.elements:
                if element.column.name == "tenant_id" and element.parent.name != "tenant_id" \
                        and "tenant_id" in element.column.table.c:
                    found.append((table, element.parent.name))
    return found


def blocking_references(organisation_id: int) -> dict[str, int]:
    """Rows of other organisations pointing at this one's rows, by table (counts only)."""
    references = cross_tenant_references()
    if not references:
        return {}
    counts: dict[str, int] = {}
    others = db.session.scalars(select(Organisation.id).where(Organisation.id != organisation_id,
                                                              Organisation.deleted_at.is_(None))).all()
    by_table: dict[Table, set[str]] = {}
    for table, column in references:
        by_table.setdefault(table, set()).add(column)
    for other in others:
        with tenant_context(other):
            for table, columns in by_table.items():
                n = db.session.scalar(select(func.count()).select_from(table).where(
                    or_(*(table.c[c] == organisation_id for c in sorted(columns))), table.c.tenant_id == other))
                if n:
                    counts[table.name] = counts.get(table.name, 0) + n
    return counts


def delete_rows(organisation: Organisation) -> dict[str, int]:
    """Delete every row of the organisation (flushes; the caller commits). Counts by table."""
    tables = [t.name for t in reversed(tenant_tables()) if t.name not in KEPT_TABLES]
    with tenant_context(organisation.id):
        db.session.flush()
        rows = db.session.execute(text("select table_name, deleted from portal_erase_organisation(:org, :tables)"),
                                  {"org": organisation.id, "tables": tables})
        counts = {name: n for name, n in rows if n}
    # Jobs still waiting for this organisation would find nothing: they are closed, not run.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.run_as_tenant_id == organisation.id,
                                                   OutboxMessage.done_at.is_(None))
                       .values(done_at=utcnow(), last_error="organisation deleted"))
    return counts


def delete_objects_under(prefix: str) -> int:
    """Delete every S3 object under ``prefix``; errors propagate so that the job is retried."""
    client = s3_client()
    deleted = 0
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket(), Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket(), Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted


def count_objects_under(prefix: str) -> int:
    client = s3_client()
    return sum(len(page.get("Contents", []))
               for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket(), Prefix=prefix))


def delete_organisation(organisation_id: int) -> str:
    """Delete one organisation whose retention period is over; the caller holds no transaction
    of its own. Returns what happened: "deleted", "blocked", "objects" or "nothing"."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.id == organisation_id)
                                     .with_for_update())
    now = utcnow()
    if organisation is None or not organisation.is_suspended or organisation.delete_after is None:
        db.session.rollback()
        return "nothing"
    outcome = "nothing"
    if organisation.deleted_at is None:
        if organisation.delete_after > now:
            db.session.rollback()
            return "nothing"
        blocked = blocking_references(organisation.id)
        if blocked:
            if organisation.deletion_blocked != blocked:
                organisation.deletion_blocked = blocked
                record_platform("organisation_deletion_blocked", organisation, organisation=organisation,
                                references=blocked)
            db.session.commit()
            return "blocked"
        counts = delete_rows(organisation)
        organisation.deleted_at = now
        organisation.deletion_blocked = None
        record_platform("organisation_deleted", organisation, organisation=organisation, rows=counts,
                        total_rows=sum(counts.values()), organisation_name=organisation.name)
        db.session.commit()
        outcome = "deleted"
    if organisation.objects_deleted_at is None:
        deleted = delete_objects_under(storage_prefix(organisation_id))  # after the commit
        organisation = db.session.get(Organisation, organisation_id)
        organisation.objects_deleted_at = utcnow()
        record_platform("organisation_objects_deleted", organisation, organisation=organisation, objects=deleted)
        db.session.commit()
        return "deleted" if outcome == "deleted" else "objects"
    db.session.rollback()
    return outcome


def due_organisations() -> list[int]:
    now = utcnow()
    return list(db.session.scalars(select(Organisation.id).where(
        Organisation.suspended_at.is_not(None), Organisation.delete_after <= now,
        (Organisation.deleted_at.is_(None)) | (Organisation.objects_deleted_at.is_(None)))
        .order_by(Organisation.id)))
