"""Marshmallow schemas for the returns API."""
from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from portal.accounts.schemas import id_field, limit_field, offset_field
from portal.limits import INTEGER_MAX
from portal.returns.models import STATUSES


class ReturnListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    contract = id_field("one of your contracts", metadata={"description": "A contract id"})
    period_from = fields.Date(metadata={"description": "Returns whose period ends on or after this date"})
    period_to = fields.Date(metadata={"description": "Returns whose period starts on or before this date"})
    limit = limit_field(200, 1000)
    offset = offset_field()


class ReturnSummarySchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    due_date = fields.Date()
    status = fields.String()
    submitted_late = fields.Boolean()


class MeasureSchema(Schema):
    code = fields.String()
    outcome = fields.Function(lambda m: m.outcome.code if m.outcome else None)
    label = fields.String()
    type = fields.String()
    required = fields.Boolean()
    minimum = fields.Decimal(as_string=True, allow_none=True)
    maximum = fields.Decimal(as_string=True, allow_none=True)


class VersionSummarySchema(Schema):
    number = fields.Integer()
    submitted_at = fields.DateTime()
    sha256 = fields.String()
    late = fields.Boolean()


class ReturnDetailSchema(ReturnSummarySchema):
    version = fields.Integer(attribute="lock_version",
                             metadata={"description": "Send it back with PATCH and submit; it changes on every save"})
    measures = fields.List(fields.Nested(MeasureSchema))
    answers = fields.Dict(keys=fields.String(), metadata={"description": "Measure code to value"})
    documents = fields.List(fields.Dict())
    versions = fields.List(fields.Nested(VersionSummarySchema))
    review_comment = fields.String()
    problem_tasks = fields.List(fields.String())
    section_comments = fields.Dict(keys=fields.String(), values=fields.String())
    respond_by = fields.Date(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)


class AnswerInSchema(Schema):
    measure = fields.String(required=True)
    value = fields.Raw(required=True, allow_none=True,
                       metadata={"description": "A number or numeric string, true/false, or text"})


class ReturnPatchSchema(Schema):
    answers = fields.List(fields.Nested(AnswerInSchema), required=True, validate=validate.Length(min=1))
    version = fields.Integer(required=True, validate=validate.Range(
        min=1, max=INTEGER_MAX, error="Send the version of the return you read (its `version`)"))


class SubmitSchema(Schema):
    version = fields.Integer(load_default=None, validate=validate.Range(
        min=1, max=INTEGER_MAX, error="Send the version of the return you read (its `version`)"), metadata={
        "description": "The version you checked; refused with 409 if the return changed since"})


class ReviewSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["accept", "request_changes"]))
    comment = fields.String(load_default="")
    tasks = fields.List(fields.String(), load_default=list,
                        metadata={"description": "The sections that need changes (outcome codes, or delivery)"})
    section_comments = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict, metadata={
        "description": "A comment on each section that needs changes, by section"})
    respond_by = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "When asking for changes: the date the provider should respond by (after today)"})


class AttachSchema(Schema):
    document_id = id_field("a document in your library", required=True)


class ImportErrorSchema(Schema):
    row = fields.Integer()
    column = fields.String()
    message = fields.String()


class ImportSchema(Schema):
    id = fields.Integer()
    return_id = fields.Integer()
    filename = fields.String()
    status = fields.String(metadata={"enum": ["pending", "applied", "failed"]})
    applied_count = fields.Integer()
    errors = fields.List(fields.Nested(ImportErrorSchema))


class ReviewQueueArgsSchema(Schema):
    provider = fields.String(metadata={"description": "A provider's slug"})
    contract = id_field("one of your contracts")
    service_type = fields.String()
    locality = fields.String()
    period_from = fields.Date()
    period_to = fields.Date()
    status = fields.String(validate=validate.OneOf([s for s in STATUSES if s != "draft"]),
                           metadata={"description": "Defaults to the returns awaiting review"})
    limit = limit_field(200, 1000)
    offset = offset_field()


class ReviewQueueItemSchema(ReturnSummarySchema):
    provider = fields.Function(lambda r: {"slug": r.contract.provider.slug, "name": r.contract.provider.name})
    contract_reference = fields.Function(lambda r: r.contract.reference)
    lead_manager_is_you = fields.Function(lambda r: r.contract.lead_manager_id == current_user.id)
