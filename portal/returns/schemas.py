"""Marshmallow schemas for the returns API."""
from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from portal.accounts.schemas import id_field, limit_field, offset_field
from portal.limits import INTEGER_MAX
from portal.returns import lateness
from portal.returns.models import STATUSES


class ReturnListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    contract = id_field("one of your contracts", metadata={"description": "A contract id"})
    period_from = fields.Date(metadata={"description": "Returns whose period ends on or after this date"})
    period_to = fields.Date(metadata={"description": "Returns whose period starts on or before this date"})
    limit = limit_field(200, 1000)
    offset = offset_field()


LATE_RULE = ("Late by the portal's one rule: a submission is late when made (Europe/London) after its deadline "
             "(the due date; for a resubmission after changes were requested, the date to respond by, or the due "
             "date if none was set); a return is late when any of its submissions was")


def _return(obj):
    """The Return behind a summary (a Return) or a detail (a dict that carries it)."""
    return obj["return"] if isinstance(obj, dict) else obj


class ReturnSummarySchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    due_date = fields.Date()
    respond_by = fields.Date(allow_none=True, metadata={
        "description": "When changes were requested: the date the commissioner set to respond by"})
    deadline = fields.Function(lambda r: lateness.next_deadline(_return(r)).isoformat(), metadata={
        "type": "string", "format": "date",
        "description": "The date the next submission is judged against: respond_by while changes are requested "
                       "(if set), else the due date"})
    status = fields.String()
    late = fields.Function(lambda r: _return(r).submitted_late, metadata={"type": "boolean", "description": LATE_RULE})
    submitted_late = fields.Boolean(metadata={"description": "The same as `late` (kept for existing clients)"})
    overdue = fields.Function(lambda r: lateness.is_overdue(_return(r)), metadata={
        "type": "boolean", "description": "Waiting for the provider and past `deadline`"})


class MeasureSchema(Schema):
    code = fields.String()
    outcome = fields.Function(lambda m: m.outcome.code if m.outcome else None)
    label = fields.String()
    type = fields.String()
    required = fields.Boolean()
    minimum = fields.Decimal(as_string=True, allow_none=True)
    maximum = fields.Decimal(as_string=True, allow_none=True)


class WarningSchema(Schema):
    measure = fields.String(attribute="code")
    label = fields.String()
    section = fields.String()
    value = fields.String()
    previous = fields.String(metadata={"description": "The previous period's figure"})
    period = fields.String(metadata={"description": "The previous period, in words"})
    message = fields.String()
    confirmed = fields.Boolean()


class ConfirmedWarningSchema(Schema):
    label = fields.String()
    section = fields.String()
    value = fields.String()
    previous = fields.String()
    period = fields.String()
    message = fields.String()
    confirmed_by = fields.String(allow_none=True)
    confirmed_at = fields.String(allow_none=True)


class SectionSchema(Schema):
    key = fields.String()
    name = fields.String(metadata={"description": "The outcome's short name, or Service delivery"})
    outcome = fields.Function(lambda t: t.code or None)
    status = fields.String()
    comment = fields.String(metadata={"description": "The commissioner's comment when they asked for changes"})


class VersionSummarySchema(Schema):
    number = fields.Integer()
    submitted_at = fields.DateTime()
    sha256 = fields.String()
    deadline = fields.Date(metadata={"description": "The date this submission was judged against"})
    late = fields.Boolean(metadata={"description": "Submitted after its deadline"})
    warnings = fields.Dict(keys=fields.String(), values=fields.Nested(ConfirmedWarningSchema), metadata={
        "description": "Figures far from the previous period's that the provider confirmed, by measure code"})


class ReturnDetailSchema(ReturnSummarySchema):
    version = fields.Integer(attribute="lock_version",
                             metadata={"description": "Send it back with PATCH and submit; it changes on every save"})
    measures = fields.List(fields.Nested(MeasureSchema))
    answers = fields.Dict(keys=fields.String(), metadata={"description": "Measure code to value"})
    documents = fields.List(fields.Dict())
    versions = fields.List(fields.Nested(VersionSummarySchema))
    review_comment = fields.String()
    problem_tasks = fields.List(fields.String())
    section_comments = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "When changes were requested: the commissioner's comment by section key"})
    sections = fields.List(fields.Nested(SectionSchema), metadata={
        "description": "The provider's sections and their status (the provider's working copy)"})
    warnings = fields.List(fields.Nested(WarningSchema), metadata={
        "description": "Figures far from the previous period's: each must be confirmed before submitting"})
    reviewed_at = fields.DateTime(allow_none=True)


class AnswerInSchema(Schema):
    measure = fields.String(required=True)
    value = fields.Raw(required=True, allow_none=True,
                       metadata={"description": "A number or numeric string, true/false, or text"})


class ReturnPatchSchema(Schema):
    answers = fields.List(fields.Nested(AnswerInSchema), load_default=list, validate=validate.Length(max=2000),
                          metadata={"description": "Answers to save; null or \"\" clears one. Saving part-way is "
                                                   "fine: only submitting needs every answer"})
    confirm_warnings = fields.List(fields.String(), load_default=list, validate=validate.Length(max=2000), metadata={
        "description": "Measure codes whose warnings (figures far from the previous period's) you confirm, "
                       "for their figures after this save"})
    version = fields.Integer(required=True, validate=validate.Range(
        min=1, max=INTEGER_MAX, error="Send the version of the return you read (its `version`)"))

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data.get("answers") and not data.get("confirm_warnings"):
            raise ValidationError("Send at least one answer, or a warning to confirm", field_name="answers")


class SubmitSchema(Schema):
    version = fields.Integer(load_default=None, validate=validate.Range(
        min=1, max=INTEGER_MAX, error="Send the version of the return you read (its `version`)"), metadata={
        "description": "The version you checked; refused with 409 if the return changed since"})


class ReviewSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["accept", "request_changes"]))
    comment = fields.String(load_default="")
    tasks = fields.List(fields.String(), load_default=list, validate=validate.Length(max=200))
    respond_by = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "When asking for changes: the date the provider should resubmit by (the resubmission is "
                       "late after it); the due date stands if left out"})
    section_comments = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict,
                                   validate=validate.Length(max=200), metadata={
        "description": "When asking for changes: a comment for each section in `tasks`, by its key"})


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
    provider = fields.String(validate=validate.Length(min=1, max=200), metadata={
        "description": "A provider's slug, or all or part of its name, in any case"})
    contract = id_field("one of your contracts")
    reference = fields.String(validate=validate.Length(min=1, max=60), metadata={
        "description": "All or part of a contract's reference, in any case"})
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
