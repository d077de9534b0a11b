"""Marshmallow schemas for the organisation export API."""
from __future__ import annotations

from marshmallow import Schema, fields

from portal.offboarding.models import STATUSES


class ExportSchema(Schema):
    id = fields.Integer()
    status = fields.Function(lambda e: "expired" if e.status == "ready" and not e.is_downloadable else e.status,
                             metadata={"enum": list(STATUSES),
                                       "description": "pending while the job builds the zip; ready to download "
                                                      "until expires_at"})
    created_at = fields.DateTime()
    ready_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    size_bytes = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True, metadata={"description": "SHA-256 of the zip"})
    manifest = fields.Dict(allow_none=True, metadata={"description": "Row counts by table, documents, version"})
