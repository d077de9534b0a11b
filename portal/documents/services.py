"""Document operations. They flush; the request that calls them commits once, and the
processing job is enqueued through the outbox after that commit."""
from __future__ import annotations

from flask import current_app
from werkzeug.datastructures import FileStorage

from portal.audit.services import record
from portal.documents import storage
from portal.documents.detection import ALLOWED_TYPES_TEXT, kind_for_name
from portal.documents.filenames import content_disposition, display_name
from portal.documents.models import PENDING, Document, format_size
from portal.errors import Conflict, ServiceError
from portal.extensions import db
from portal.outbox import enqueue_after_commit
from portal.tenants.context import current_tenant_id

MAX_FILES_PER_UPLOAD = 10
FIRST_CHUNK = 64 * 1024


class FileRefused(ServiceError):
    status = 422


class FileTooLarge(ServiceError):
    status = 413


def max_bytes() -> int:
    return int(current_app.config["DOCUMENT_MAX_BYTES"])


def upload_hint() -> str:
    return (f"{ALLOWED_TYPES_TEXT}, up to {format_size(max_bytes())} each. You can choose up to "
            f"{MAX_FILES_PER_UPLOAD} files at once.")


def too_large_message() -> str:
    """What a person is told when a request body is over MAX_CONTENT_LENGTH (a 413)."""
    return (f"The upload is too large. Each file must be smaller than {format_size(max_bytes())}, and you can "
            f"upload up to {MAX_FILES_PER_UPLOAD} files at a time: upload fewer or smaller files.")


def _chosen(files: list[FileStorage | None]) -> list[FileStorage]:
    return [f for f in files if f is not None and (f.filename or "").strip()]


def check_files(files: list[FileStorage | None], *, field: str = "files") -> list[FileStorage]:
    """Refuse the whole upload, before any byte is stored, if a name or the count is wrong."""
    chosen = _chosen(files)
    if not chosen:
        raise FileRefused("Select a file to upload", field=field)
    if len(chosen) > MAX_FILES_PER_UPLOAD:
        raise FileRefused(f"Select up to {MAX_FILES_PER_UPLOAD} files at a time; you selected {len(chosen)}",
                          field=field)
    for file in chosen:
        name = display_name(file.filename)
        if kind_for_name(name) is None:
            raise FileRefused(f"{name} must be a {ALLOWED_TYPES_TEXT} file", field=field)
    return chosen


def upload_documents(files: list[FileStorage | None], *, uploaded_by, field: str = "files") -> list[Document]:
    """Stream every file to S3 and record each as pending, with its processing job in the
    outbox. All or nothing: on any error the objects already stored are deleted."""
    chosen = check_files(files, field=field)
    documents: list[Document] = []
    stored: list[str] = []
    try:
        for file in chosen:
            document = _upload_one(file, uploaded_by=uploaded_by, field=field)
            stored.append(document.storage_key)
            documents.append(document)
    except BaseException:
        storage.delete_objects(stored)  # the caller rolls back the rows
        raise
    return documents


def upload_one_from_api(files, *, uploaded_by) -> list[Document]:
    """``POST /documents``: exactly one file, in the multipart field ``file``."""
    if "file" not in files:
        raise FileRefused("Send the file as multipart/form-data in a field named 'file', for example "
                          "curl -H 'Authorization: Bearer <token>' -F file=@report.pdf <this address>.", field="file")
    return upload_documents([files["file"]], uploaded_by=uploaded_by, field="file")


def _upload_one(file: FileStorage, *, uploaded_by, field: str) -> Document:
    name = display_name(file.filename)
    limit = max_bytes()
    first = file.stream.read(FIRST_CHUNK)
    if not first:
        raise FileRefused(f"{name} is empty. Choose a file that has something in it", field=field)
    tenant_id = current_tenant_id()
    key = storage.new_key(tenant_id)
    try:
        size = storage.upload_stream(file.stream, key, limit, prefix=first)
    except storage.TooLarge:
        raise FileTooLarge(f"{name} is larger than {format_size(limit)}. Make it smaller (for example, "
                           "split it or save images at a lower resolution) and upload it again",
                           field=field) from None
    document = Document(tenant_id=tenant_id, storage_key=key, filename=name, size_bytes=size, status=PENDING,
                        declared_content_type=(file.mimetype or None) and file.mimetype[:255],
                        uploaded_by_id=uploaded_by.id if uploaded_by is not None else None)
    db.session.add(document)
    try:
        db.session.flush()
    except BaseException:
        storage.delete_objects([key])
        raise
    storage.remember_upload(key)
    enqueue_after_commit("process_document", tenant_id=tenant_id, document_id=document.id)
    record("document_uploaded", document, actor=uploaded_by, filename=name, size_bytes=size)
    return document


def download_url(document: Document, *, actor) -> str:
    """A 60-second presigned link, for a clean document only."""
    from portal.documents.policy import why_not_downloadable

    reason = why_not_downloadable(document)
    if reason:
        raise Conflict(reason)
    record("document_downloaded", document, actor=actor)
    return storage.presigned_download_url(document.storage_key, disposition=content_disposition(document.filename),
                                          content_type=document.content_type)
