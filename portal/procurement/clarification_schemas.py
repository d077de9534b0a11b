"""Marshmallow schemas for clarification questions and the published log.

Two audiences: :class:`ClarificationSchema` is what every organisation reads (no asker, ever);
:class:`ClarificationQuestionSchema` is a question as its asker and the procurement team read it.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from portal.contracts.schemas import OrganisationRefSchema
from portal.procurement.clarification_models import ANSWER_LIMIT, QUESTION_LIMIT, REASON_LIMIT


def _limited(limit: int, what: str, *, required: bool):
    def check(value: str) -> None:
        if required and not value.strip():
            raise ValidationError(f"Enter {what}")
        if len(value.strip()) > limit:
            raise ValidationError(f"Shorten {what} to {limit:,} characters or fewer")

    options = {"required": True} if required else {"load_default": None, "allow_none": True}
    return fields.String(validate=check, metadata={"maxLength": limit}, **options)


class ClarificationSchema(Schema):
    number = fields.Integer(metadata={"description": "1, 2, 3... in the order of publication"})
    lot = fields.Integer(attribute="lot_number", allow_none=True,
                         metadata={"description": "The lot it is about; null for the whole tender"})
    question = fields.String(metadata={"description": "The question as published (edited to name no one)"})
    answer = fields.String()
    published_at = fields.DateTime()


class TenderRefSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    title = fields.String()
    answer_deadline = fields.DateTime()


class ClarificationQuestionSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "open, published (answered to all) or private (answered to "
                                                    "the asker alone)"})
    tender = fields.Nested(TenderRefSchema)
    lot = fields.Integer(attribute="lot_number", allow_none=True)
    question = fields.String(attribute="text", metadata={"description": "The question as asked"})
    published_question = fields.Function(lambda q: q.published_text or None, allow_none=True)
    asked_by = fields.Nested(OrganisationRefSchema, attribute="provider")
    asked_at = fields.DateTime(attribute="created_at")
    answer = fields.Function(lambda q: q.answer or None, allow_none=True)
    private_reason = fields.Function(lambda q: q.private_reason or None, allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    clarification_number = fields.Function(lambda q: q.clarification.number if q.clarification else None,
                                           allow_none=True)


class QuestionCreatedSchema(Schema):
    id = fields.Integer()
    status = fields.String()


class AskSchema(Schema):
    question = _limited(QUESTION_LIMIT, "your question", required=True)
    lot = fields.Integer(load_default=None, allow_none=True, strict=True,
                         validate=validate.Range(min=1, max=1000, error="Give the number of a lot of the tender"),
                         metadata={"description": "The lot the question is about; leave out for the whole tender"})


class ClarificationAnswerSchema(Schema):
    answer = _limited(ANSWER_LIMIT, "the answer", required=True)
    publish = fields.Boolean(required=True, truthy={True}, falsy={False}, metadata={
        "description": "true: published to every organisation as the next clarification; false: sent to the "
                       "asker alone (give the reason)"})
    question_text = _limited(QUESTION_LIMIT, "the question as it will be published", required=False)
    reason = _limited(REASON_LIMIT, "the reason the answer goes to the asker alone", required=False)
    duplicates = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=2**63 - 1)),
                             load_default=list, validate=validate.Length(max=200), metadata={
        "description": "Ids of other open questions on the tender that this published answer also answers"})
