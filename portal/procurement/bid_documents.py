"""A bid's documents: checked in the request, then encrypted before any byte reaches S3.

The document pipeline checks files in a worker after upload; a bid document can never be read by
a worker (it is sealed to the tender's key), so the same checks run here, on the plain bytes,
before encryption: the size limit (``DOCUMENT_MAX_BYTES``, counted while reading), the real type
against the allow-list (``portal.documents.detection``, zip bomb limits included) and the virus
scan (``portal.documents.scanning``). A file that fails is refused with the reason and nothing is
kept. A scanner that is configured but does not answer refuses the upload too (try again later):
a file is never sealed unscanned because a scanner was down.

A document added while a bid is prepared (or a replacement of it) has status ``draft`` until the
bid is submitted; removing a submitted one takes effect when the replacement is submitted.
"""
from __future__ import annotations

import logging
import tempfile
from datetime import datetime

from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.audit.services import record
from portal.documents import scanning
from portal.documents.detection import ALLOWED_TYPES_TEXT, Rejected, detect, kind_for_name
from portal.documents.filenames import display_name
from portal.documents.models import SCAN_INFECTED, format_size
from portal.documents.processing import digest, zip_limits
from portal.documents.services import FIRST_CHUNK, FileRefused, FileTooLarge, max_bytes
from portal.errors import Conflict, NotFound, ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.procurement import bid_policy, sealing
from portal.procurement.bid_models import BID_DRAFT, Bid, BidDocument
from portal.procurement.bids import working_copy
from portal.procurement.queries import get_tender
from portal.tenants.context import current_tenant_id

MAX_DOCUMENTS = 30
log = logging.getLogger(__name__)


class ScannerDown(ServiceError):
    status = 503


def _read_limited(file: FileStorage, name: str, field: str):
    """The upload in a temporary file, refused as soon as it passes the size limit."""
    limit = max_bytes()
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, prefix="portal-bid-upload-")
    size = 0
    while chunk := file.stream.read(FIRST_CHUNK):
        size += len(chunk)
        if size > limit:
            spool.close()
            raise FileTooLarge(f"{name} is larger than {format_size(limit)}. Make it smaller (for example, split it or "
                               "save images at a lower resolution) and upload it again", field=field)
        spool.write(chunk)
    if size == 0:
        spool.close()
        raise FileRefused(f"{name} is empty. Choose a file that has something in it", field=field)
    spool.seek(0)
    return spool


def check_file(file: FileStorage, *, field: str = "file"):
    """The checks the document pipeline makes, here and now: (plain file, name, size, sha256,
    content type, scan status); or a refusal that says what to do."""
    name = display_name(file.filename)
    if kind_for_name(name) is None:
        raise FileRefused(f"{name} must be a {ALLOWED_TYPES_TEXT} file", field=field)
    spool = _read_limited(file, name, field)
    try:
        sha256, size = digest(spool)
        try:
            scan = scanning.configured_scanner().scan(spool)
        except scanning.ScannerUnavailable:
            raise ScannerDown("The virus checker is not answering just now, so the file was not uploaded. Try again "
                              "in a few minutes", field=field) from None
        if scan.status == SCAN_INFECTED:
            raise FileRefused(f"A virus was found in {name} ({scan.detail}). It has not been uploaded. Check the "
                              "computer it came from, then upload a clean copy", field=field)
        try:
            detected = detect(spool, name, zip_limits())
        except Rejected as exc:
            raise FileRefused(f"{name}: {exc.reason}", field=field) from None
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, name, size, sha256, detected.content_type, scan.status


def upload(bid: Bid, files: list[FileStorage | None], *, actor: User | None, now: datetime | None = None,
           field: str = "file") -> list[BidDocument]:
    """Check, encrypt and store each file for the bid's working copy (all or nothing)."""
    now = now or utcnow()
    bid_policy.require_own(bid)
    bid_policy.require_open(bid.tender, now)
    chosen = [f for f in files if f is not None and (f.filename or "").strip()]
    if not chosen:
        raise FileRefused("Choose a file to upload", field=field)
    if bid.tender.bid_public_key is None:
        raise Conflict("This tender has no key to seal bid documents with: ask its procurement team", field=field)
    if len(bid.documents) + len(chosen) > MAX_DOCUMENTS:
        raise FileRefused(f"A bid can have at most {MAX_DOCUMENTS} documents: remove some first", field=field)
    working_copy(bid, now=now, actor=actor)
    made = []
    for file in chosen:
        plain, name, size, sha256, content_type, scan_status = check_file(file, field=field)
        with plain:
            storage_key = sealing.new_storage_key(bid.tenant_id, bid.tender_id)
            sealed_key = sealing.store_encrypted(plain, storage_key, bid.tender.bid_public_key)
        document = BidDocument(tenant_id=bid.tenant_id, commissioner_id=bid.commissioner_id, tender_id=bid.tender_id,
                               bid_id=bid.id, filename=name, content_type=content_type, size_bytes=size,
                               sha256=sha256, storage_key=storage_key, sealed_key=sealed_key, scan_status=scan_status,
                               status=BID_DRAFT, uploaded_by_id=actor.id if actor else None, created_at=now)
        db.session.add(document)
        db.session.flush()
        record("bid_document_added", bid, actor=actor, filename=name, sha256=sha256)
        made.append(document)
    db.session.expire(bid, ["documents"])
    return made


def remove(bid: Bid, document: BidDocument, *, actor: User | None, now: datetime | None = None) -> None:
    """Take a document out of the working copy: one added to it goes now; a submitted one goes
    when the replacement is submitted (discarding the changes keeps it)."""
    if document.bid_id != bid.id:
        raise NotFound("No such document in this bid")
    changes = working_copy(bid, now=now, actor=actor)
    if document.status == BID_DRAFT:
        sealing.discard_after_commit([document.storage_key])
        db.session.delete(document)
    elif document.id not in changes.removed_documents:
        changes.removed_documents = [*changes.removed_documents, document.id]
    db.session.flush()
    db.session.expire(bid, ["documents"])
    record("bid_document_removed", bid, actor=actor, filename=document.filename)


def read(document: BidDocument, *, actor: User | None):
    """The plain file, for the commissioner once the tender is opened: (file, name, content type)."""
    tender = get_tender(document.tender_id)
    if tender is None or tender.tenant_id != current_tenant_id():
        raise Conflict("Bid documents are sealed: only the tender's commissioner can read them, once two of its "
                       "procurement team have opened the bids. Check your own copy against the SHA-256 shown")
    if bid_policy.sealed(tender):
        raise Conflict("Bid documents are sealed until two people of the procurement team have opened the bids")
    try:
        plain = sealing.decrypt_document(document.storage_key, document.sealed_key,
                                         sealing.tender_private_key(tender))
    except sealing.SealingError as exc:
        log.error("bid document %s of tender %s: %s", document.id, tender.id, exc)
        raise Conflict(f"{document.filename} could not be decrypted: it has been damaged or its key is not "
                       "configured. The portal's administrators have been told") from None
    record("bid_document_read", tender, actor=actor, bid=document.bid_id, filename=document.filename)
    return plain, document.filename, document.content_type or "application/octet-stream"
