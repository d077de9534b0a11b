"""The organisation export's zip: one JSON file per tenant-owned table, the organisation and its
members, every document's file, and a manifest. Written to a temporary file and streamed to S3 in
parts, so neither the rows nor the zip are ever whole in memory.

What goes in (run as the organisation, so row-level security holds as everywhere else):

- ``tables/<table>.json``: every row whose ``tenant_id`` is the organisation, for every table of
  the metadata with a ``tenant_id`` column (found, not listed: a new table joins by itself);
- ``shared/<table>.json``: for a commissioner, the rows other organisations own that name it as
  their commissioner and that it sees in the portal (contracts, returns, invoices... never a
  provider's drafts). They stay their owner's: exported to both, deleted only with their owner;
- ``organisation.json`` and ``members.json`` (id, email, name, role): no password hashes;
- ``documents/<id>/<safe name>``: the bytes of every document of the library that is stored;
- ``manifest.json``: tables and row counts, each file's SHA-256, the portal's version, the time.

Columns that hold secrets are left out of every table: password hashes, token hashes, wrapped
keys, sealed keys and any binary column (``SECRET_COLUMN`` and ``_is_secret``).
"""
from __future__ import annotations

import hashlib
import json
import re
import tempfile
import zipfile
from datetime import date, datetime
from decimal import Decimal
from importlib import metadata as package_metadata
from typing import IO, Iterable

from sqlalchemy import LargeBinary, Table, select

from portal.documents.filenames import ascii_fallback, display_name
from portal.documents.models import Document
from portal.documents.storage import download_to
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenants.models import Membership, Organisation

SECRET_COLUMN = re.compile(r"password|secret|token_hash|nonce|private_key|sealed_key|wrapped|totp|recovery",
                           re.I)
BATCH = 500


def tenant_tables() -> list[Table]:
    """Every table with a ``tenant_id`` column, parents before children."""
    return [t for t in db.metadata.sorted_tables if "tenant_id" in t.c]


def _is_secret(column) -> bool:
    return bool(SECRET_COLUMN.search(column.name)) or isinstance(column.type, LargeBinary)


def exported_columns(table: Table) -> list:
    return [c for c in table.c if not _is_secret(c)]


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # money stays exact
    if isinstance(value, (bytes, memoryview)):
        return None
    return str(value)


class _Hashing:
    """A writable wrapper that hashes and counts what passes through."""

    def __init__(self, fh: IO[bytes]):
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        self.fh.write(data)


def _write_rows(zf: zipfile.ZipFile, name: str, rows: Iterable[dict]) -> dict:
    """A JSON array written row by row; returns the file's entry for the manifest."""
    count = 0
    with zf.open(name, "w", force_zip64=True) as raw:
        out = _Hashing(raw)
        out.write(b"[")
        for row in rows:
            out.write((b",\n" if count else b"\n") + json.dumps(row, default=_plain, ensure_ascii=False).encode())
            count += 1
        out.write(b"\n]\n")
    return {"rows": count, "sha256": out.sha.hexdigest(), "bytes": out.size}


def _stream(statement) -> Iterable[dict]:
    result = db.session.execute(statement.execution_options(yield_per=BATCH))
    for row in result:
        yield dict(row._mapping)


def _table_rows(table: Table, tenant_id: int) -> Iterable[dict]:
    columns = exported_columns(table)
    return _stream(select(*columns).where(table.c.tenant_id == tenant_id).order_by(*table.primary_key.columns))


def _shared_rows(table: Table, tenant_id: int) -> Iterable[dict]:
    columns = exported_columns(table)
    return _stream(select(*columns).where(table.c.commissioner_id == tenant_id, table.c.tenant_id != tenant_id)
                   .order_by(*table.primary_key.columns))


def _members(tenant_id: int) -> Iterable[dict]:
    from portal.accounts.models import User

    statement = (select(Membership.id, Membership.role, Membership.created_at, User.id.label("user_id"),
                        User.email, User.full_name)
                 .join(User, User.id == Membership.user_id).where(Membership.tenant_id == tenant_id)
                 .order_by(Membership.id))
    return _stream(statement)


def _organisation(organisation: Organisation) -> dict:
    return {c.columns[0].name: getattr(organisation, c.key) for c in Organisation.__mapper__.column_attrs
            if not _is_secret(c.columns[0])}


def portal_version() -> str:
    try:
        return package_metadata.version("portal")
    except package_metadata.PackageNotFoundError:
        return "unknown"


def build_archive(organisation: Organisation, fh: IO[bytes]) -> dict:
    """Write the zip to ``fh`` (a temporary file); returns the manifest."""
    tenant_id = organisation.id
    files: dict[str, dict] = {}
    tables: dict[str, int] = {}
    shared: dict[str, int] = {}
    missing: list[dict] = []
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        files["organisation.json"] = _write_rows(zf, "organisation.json", [_organisation(organisation)])
        files["members.json"] = _write_rows(zf, "members.json", _members(tenant_id))
        for table in tenant_tables():
            name = f"tables/{table.name}.json"
            files[name] = _write_rows(zf, name, _table_rows(table, tenant_id))
            tables[table.name] = files[name]["rows"]
            if "commissioner_id" in table.c:
                name = f"shared/{table.name}.json"
                files[name] = _write_rows(zf, name, _shared_rows(table, tenant_id))
                shared[table.name] = files[name]["rows"]
        for document in db.session.scalars(select(Document).where(Document.tenant_id == tenant_id)
                                           .order_by(Document.id)):
            if document.object_deleted_at is not None:
                missing.append({"document_id": document.id, "reason": "deleted"})
                continue
            name = f"documents/{document.id}/{ascii_fallback(display_name(document.filename))}"
            try:
                files[name] = _write_document(zf, name, document.storage_key)
            except Exception as exc:  # noqa: BLE001  (a missing object is listed, anything else fails the job)
                if "NoSuchKey" not in repr(exc) and "404" not in repr(exc):
                    raise
                missing.append({"document_id": document.id, "reason": "not in storage"})
        manifest = {
            "organisation": {"id": organisation.id, "slug": organisation.slug, "name": organisation.name,
                             "kind": organisation.kind},
            "portal_version": portal_version(),
            "created_at": utcnow().isoformat(),
            "tables": tables,
            "shared_tables": shared,
            "files": files,
            "documents_missing": missing,
            "notes": ["tables/: every row the organisation owns; shared/: rows other organisations own that "
                      "name this organisation as commissioner and that it sees in the portal",
                      "password hashes, token hashes, keys and binary columns are left out"],
        }
        with zf.open("manifest.json", "w") as out:
            out.write(json.dumps(manifest, indent=2, default=_plain).encode())
    return manifest


def _write_document(zf: zipfile.ZipFile, name: str, key: str) -> dict:
    with tempfile.TemporaryFile() as tmp:
        download_to(key, tmp)
        with zf.open(name, "w", force_zip64=True) as raw:
            out = _Hashing(raw)
            while chunk := tmp.read(1024 * 1024):
                out.write(chunk)
    return {"sha256": out.sha.hexdigest(), "bytes": out.size}
