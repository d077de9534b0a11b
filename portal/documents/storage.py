"""Document bytes in S3: streamed uploads with a size limit, downloads to a temporary file,
presigned links, and removal of objects whose upload was rolled back."""
from __future__ import annotations

import logging
import uuid
from typing import BinaryIO

from boto3.s3.transfer import TransferConfig
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.storage import s3_client

log = logging.getLogger(__name__)
PRESIGNED_SECONDS = 60
CHUNK = 1024 * 1024
# Parts of 8 MB, at most 4 in flight: memory stays bounded whatever the file size.
TRANSFER = TransferConfig(multipart_threshold=8 * CHUNK, multipart_chunksize=8 * CHUNK, max_concurrency=4)
# A request body cannot seek, so s3transfer copies each part into memory before sending it, and by
# default reads up to 10 parts ahead (80 MB): two parts (one sending, one being read) are enough,
# because the person's connection, not S3, sets the pace of an upload.
TRANSFER.max_in_memory_upload_chunks = 2
_UPLOADED = "document_keys_uploaded"


class TooLarge(Exception):
    """Raised while streaming, as soon as more than ``limit`` bytes have been read."""

    def __init__(self, limit: int):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class LimitedReader:
    """A read-only, non-seekable view of ``stream`` (after ``prefix``) that counts what it
    hands out and raises ``TooLarge`` past ``limit``: the upload stops mid-stream."""

    def __init__(self, stream: BinaryIO, limit: int, prefix: bytes = b""):
        self._stream = stream
        self._prefix = prefix
        self.limit = limit
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            if size is None or size < 0:
                data, self._prefix = self._prefix + self._stream.read(), b""
            else:
                data, self._prefix = self._prefix[:size], self._prefix[size:]
                if len(data) < size:
                    data += self._stream.read(size - len(data))
        else:
            data = self._stream.read(size if size is not None else -1)
        self.count += len(data)
        if self.count > self.limit:
            raise TooLarge(self.limit)
        return data


def new_key(tenant_id: int) -> str:
    """Made by the server, led by the tenant; never derived from the file name."""
    return f"t/{tenant_id}/documents/{uuid.uuid4().hex}"


def bucket() -> str:
    return current_app.config["S3_BUCKET"]


def upload_stream(stream: BinaryIO, key: str, limit: int, prefix: bytes = b"") -> int:
    """Stream to S3 (multipart past 8 MB); returns the size. Nothing is left behind on error."""
    reader = LimitedReader(stream, limit, prefix)
    client = s3_client()
    try:
        client.upload_fileobj(reader, bucket(), key, ExtraArgs={"ContentType": "application/octet-stream"},
                              Config=TRANSFER)
    except BaseException:
        delete_objects([key], client=client)
        raise
    return reader.count


def download_to(key: str, fh: BinaryIO) -> None:
    """Errors from S3 propagate, so that the job fails and RQ retries it."""
    s3_client().download_fileobj(bucket(), key, fh, Config=TRANSFER)
    fh.flush()
    fh.seek(0)


def presigned_download_url(key: str, *, disposition: str, content_type: str | None) -> str:
    params = {"Bucket": bucket(), "Key": key, "ResponseContentDisposition": disposition,
              "ResponseCacheControl": "private, no-store"}
    if content_type:
        params["ResponseContentType"] = content_type
    return s3_client().generate_presigned_url("get_object", Params=params, ExpiresIn=PRESIGNED_SECONDS)


def delete_objects(keys: list[str], *, client=None) -> None:
    """Best effort: a failure is logged (the object is unreferenced and can be swept)."""
    client = client or s3_client()
    for key in keys:
        try:
            client.delete_object(Bucket=bucket(), Key=key)
        except Exception:
            log.exception("could not delete S3 object %s", key)


def delete_object(key: str) -> None:
    """For jobs: errors propagate so the job is retried."""
    s3_client().delete_object(Bucket=bucket(), Key=key)


def remember_upload(key: str) -> None:
    """The object belongs to this transaction: if it rolls back, the object is deleted."""
    db.session.info.setdefault(_UPLOADED, []).append(key)


@event.listens_for(Session, "after_commit")
def _keep_uploads(session: Session) -> None:
    session.info.pop(_UPLOADED, None)


@event.listens_for(Session, "after_rollback")
def _discard_uploads(session: Session) -> None:
    keys = session.info.pop(_UPLOADED, None)
    if keys and has_app_context():
        delete_objects(keys)
