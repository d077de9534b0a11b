"""Documents attached to returns (the document library lives in portal.documents)."""
from __future__ import annotations

from portal.returns.models import Return


def document_refs(ret: Return) -> list[dict]:
    """Attached documents as {id, filename, sha256}; none until documents can be attached."""
    return []
