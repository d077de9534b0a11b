"""When a document may be downloaded: only once the worker found it clean, and while its bytes
are still stored. The reason says why not, in words a person can act on."""
from __future__ import annotations

from portal.documents.models import INFECTED, PENDING, REJECTED, Document


def why_not_downloadable(document: Document) -> str | None:
    """None when the document may be downloaded; otherwise the reason."""
    if document.status == PENDING:
        return "This file is still being checked. Try again in a minute."
    if document.status == REJECTED:
        return f"This file was rejected and cannot be downloaded. {document.rejection_reason or ''}".strip()
    if document.status == INFECTED:
        return "A virus was found in this file, so it cannot be downloaded."
    if not document.is_downloadable:
        return "This file is no longer stored, so it cannot be downloaded."
    return None
