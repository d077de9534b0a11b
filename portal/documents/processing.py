"""The checks on one downloaded file, in order: hash, virus scan, real type and archive
limits, text and pages. Pure: it reads a local file and returns what it found."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from portal.documents.detection import Rejected, ZipLimits, detect
from portal.documents.extraction import MAX_TEXT_CHARS, extract
from portal.documents.models import CLEAN, INFECTED, REJECTED, SCAN_INFECTED
from portal.documents.scanning import configured_scanner, setting


@dataclass
class Outcome:
    status: str
    sha256: str
    size_bytes: int
    scan_status: str
    scan_result: str | None = None
    rejection_reason: str | None = None
    detected_type: str | None = None
    content_type: str | None = None
    page_count: int | None = None
    text: str | None = None


def zip_limits() -> ZipLimits:
    defaults = ZipLimits()
    return ZipLimits(
        max_entries=int(setting("DOCUMENT_ZIP_MAX_ENTRIES", defaults.max_entries)),
        max_total_bytes=int(setting("DOCUMENT_ZIP_MAX_UNCOMPRESSED_BYTES", defaults.max_total_bytes)),
        max_ratio=int(setting("DOCUMENT_ZIP_MAX_RATIO", defaults.max_ratio)),
    )


def digest(fh: BinaryIO) -> tuple[str, int]:
    fh.seek(0)
    sha, size = hashlib.sha256(), 0
    while chunk := fh.read(1024 * 1024):
        sha.update(chunk)
        size += len(chunk)
    fh.seek(0)
    return sha.hexdigest(), size


def inspect_file(fh: BinaryIO, filename: str, *, scanner=None) -> Outcome:
    sha256, size = digest(fh)
    scan = (scanner or configured_scanner()).scan(fh)
    if scan.status == SCAN_INFECTED:
        return Outcome(INFECTED, sha256, size, scan.status, scan.detail,
                       rejection_reason=f"A virus was found in this file ({scan.detail}). It has been deleted and "
                                        "cannot be downloaded. Check the computer it came from, then upload a "
                                        "clean copy.")
    try:
        detected = detect(fh, filename, zip_limits())
        extracted = extract(detected.kind, fh, max_chars=MAX_TEXT_CHARS)
    except Rejected as exc:
        return Outcome(REJECTED, sha256, size, scan.status, scan.detail, rejection_reason=exc.reason)
    return Outcome(CLEAN, sha256, size, scan.status, scan.detail, detected_type=detected.kind,
                   content_type=detected.content_type, page_count=extracted.page_count, text=extracted.text)
