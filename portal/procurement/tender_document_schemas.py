"""Marshmallow schemas for a tender's documents in the API."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from portal.procurement.tender_document_models import TITLE_LIMIT
from portal.procurement.tender_documents import REASON_LIMIT


def _aware(value) -> None:
    if value.tzinfo is None:
        raise ValidationError("Give the time zone, like 2027-03-02T09:00:00+00:00 (UK time in winter)")


class TenderDocumentSchema(Schema):
    """A document as the reader sees it: before its release moment, its title and that moment only."""

    id = fields.Function(lambda s: s.document.id)
    title = fields.Function(lambda s: s.document.title)
    release_at = fields.Function(lambda s: s.document.release_at.isoformat() if s.document.release_at else None,
                                 metadata={"description": "From when it can be downloaded (null: with the tender)"})
    released = fields.Function(lambda s: s.downloadable and s.release is None, metadata={
        "description": "Whether it can be downloaded now (the server's clock)"})
    filename = fields.Function(lambda s: s.document.filename if s.downloadable else None)
    content_type = fields.Function(lambda s: s.document.content_type if s.downloadable else None)
    size_bytes = fields.Function(lambda s: s.document.size_bytes if s.downloadable else None)
    sha256 = fields.Function(lambda s: s.document.sha256 if s.downloadable else None)
    amendment = fields.Function(lambda s: s.document.amendment_number, metadata={
        "description": "The amendment that added or replaced it, if any"})


class TenderDocumentAttachSchema(Schema):
    document_id = fields.Integer(required=True, validate=validate.Range(min=1), metadata={
        "description": "A clean document of the commissioner's library"})
    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_LIMIT))
    release_at = fields.AwareDateTime(load_default=None, allow_none=True, validate=_aware)
    reason = fields.String(load_default="", validate=validate.Length(max=REASON_LIMIT), metadata={
        "description": "Needed once the tender is published: the change is an amendment"})


class TenderDocumentReplaceSchema(Schema):
    document_id = fields.Integer(required=True, validate=validate.Range(min=1))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TITLE_LIMIT))
    reason = fields.String(load_default="", validate=validate.Length(max=REASON_LIMIT))


class TenderDocumentWithdrawSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=REASON_LIMIT))
