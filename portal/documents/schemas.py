"""Marshmallow schemas for the documents API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from portal.accounts.schemas import PageArgsSchema
from portal.documents.models import SCAN_STATUSES, STATUSES


class DocumentSchema(Schema):
    id = fields.Integer()
    filename = fields.String(metadata={"description": "The name it was uploaded with, made safe to show"})
    status = fields.String(metadata={"enum": list(STATUSES),
                                     "description": "pending while being checked; only clean ones can be used"})
    scan_status = fields.String(allow_none=True, metadata={"enum": list(SCAN_STATUSES)})
    scan_result = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    detected_type = fields.String(allow_none=True)
    content_type = fields.String(allow_none=True)
    size_bytes = fields.Integer()
    sha256 = fields.String(allow_none=True)
    page_count = fields.Integer(allow_none=True)
    has_text = fields.Function(lambda d: bool(d.text_content))
    uploaded_by = fields.Function(lambda d: d.uploaded_by.email if d.uploaded_by else None)
    created_at = fields.DateTime()
    processed_at = fields.DateTime(allow_none=True)


class DocumentAcceptedSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending"]})
    filename = fields.String()
    size_bytes = fields.Integer()


class DocumentListArgsSchema(PageArgsSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=200),
                      metadata={"description": "Words in the file name or the extracted text"})
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class DocumentUploadSchema(Schema):
    """Documents the multipart body (read by the view, which explains what is wrong)."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
