"""Marshmallow schemas for the threads API. No schema carries who asked a question except the
commissioner's view of its own thread's questions."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from portal.contracts.schemas import OrganisationRefSchema
from portal.engagement.models import QUESTION_LIMIT, REPLY_LIMIT, SCOPES


def _text(limit: int, what: str, *, required: bool = True):
    def check(value: str) -> None:
        if required and not value.strip():
            raise ValidationError(f"Enter {what}")
        if len(value.strip()) > limit:
            raise ValidationError(f"Shorten {what} to {limit:,} characters or fewer")

    options = {"required": True} if required else {"load_default": ""}
    return fields.String(validate=check, metadata={"maxLength": limit}, **options)


class ThreadSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    scope = fields.String(metadata={"description": "market (every organisation reads it) or contract (one "
                                                   "contract's provider)"})
    status = fields.String(metadata={"description": "open (takes questions) or closed"})
    commissioner = fields.Nested(OrganisationRefSchema)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    answers_published_at = fields.DateTime(allow_none=True)


class ReplySchema(Schema):
    id = fields.Integer()
    body = fields.String()
    created_at = fields.DateTime()


class ThreadQuestionSchema(Schema):
    """A question as its own provider reads it (no names: the provider knows it asked)."""
    id = fields.Integer()
    body = fields.String()
    created_at = fields.DateTime()
    reply = fields.Nested(ReplySchema, allow_none=True)


class AskedThreadQuestionSchema(ThreadQuestionSchema):
    """A question as the thread's commissioner reads it: who asked, and whether it is in the set
    (both left out for the provider that asked)."""
    provider = fields.Nested(OrganisationRefSchema)
    in_answer_set = fields.Boolean()


class ThreadAnswerSchema(Schema):
    number = fields.Integer()
    question = fields.String()
    answer = fields.String()
    published_at = fields.DateTime()


class ThreadDetailSchema(ThreadSchema):
    description = fields.String()
    contract = fields.String(allow_none=True, metadata={"description": "The contract's reference (contract scope)"})
    questions = fields.List(fields.Nested(AskedThreadQuestionSchema), metadata={
        "description": "For the commissioner, every question with the provider that asked; for a provider, its own "
                       "questions only"})
    answers = fields.List(fields.Nested(ThreadAnswerSchema), metadata={"description": "The published answer set"})


class ThreadCreateSchema(Schema):
    title = _text(200, "the title")
    description = _text(20000, "the description", required=False)
    scope = fields.String(load_default="market", validate=validate.OneOf(list(SCOPES)))
    contract_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                                 validate=validate.Range(min=1, max=2**63 - 1, error="Give the id of one of your "
                                                                                     "contracts"),
                                 metadata={"description": "The contract, for a contract-scoped thread"})


class QuestionCreateSchema(Schema):
    body = _text(QUESTION_LIMIT, "your question")


class ReplyCreateSchema(Schema):
    body = _text(REPLY_LIMIT, "your reply")


class MarkSchema(Schema):
    question = _text(QUESTION_LIMIT, "the question as it will be published")
    answer = _text(REPLY_LIMIT, "the answer as it will be published")


class ThreadQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    status = fields.String(load_default="", validate=validate.OneOf(["", "open", "closed"]))
