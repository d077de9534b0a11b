"""Marshmallow schemas for the evaluation and award API. Inputs are loosely typed where the
service names the problem better than a schema would (weights, scores): the service's messages
are the API's."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from portal.contracts.schemas import OrganisationRefSchema

_LOOSE = {"metadata": {"description": "A whole number (the service checks the range)"}}


def _text(limit: int, **options):
    metadata = {"maxLength": limit, **options.pop("metadata", {})}
    return fields.String(validate=validate.Length(max=limit, error=f"Shorten it to {limit:,} characters or fewer"),
                         metadata=metadata, **options)


class CriteriaQuestionSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    text = _text(5000, required=True)
    guidance = _text(5000, load_default="")
    weight = fields.Raw(required=True, metadata={"description": "Its share of quality in each lot it applies to, "
                                                                "per cent (1 to 100)"})
    word_limit = fields.Raw(load_default=None, allow_none=True)
    lot = fields.Raw(load_default=None, allow_none=True, metadata={
        "description": "The lot number it applies to; null for every lot"})


class CriteriaLotSchema(Schema):
    number = fields.Integer()
    title = fields.String()
    places = fields.Integer(metadata={"description": "How many providers the lot is awarded to"})
    weight_sum = fields.Integer(metadata={"description": "The weights of the questions that apply to it (100 when "
                                                         "complete)"})


class CriteriaSchema(Schema):
    quality_weight = fields.Integer()
    price_weight = fields.Integer()
    complete = fields.Boolean(metadata={"description": "Every lot's question weights add up to 100"})
    questions = fields.List(fields.Nested(CriteriaQuestionSchema))
    lots = fields.List(fields.Nested(CriteriaLotSchema))


class CriteriaInSchema(Schema):
    """A draft's whole criteria at once: the questions replace those it had."""

    quality_weight = fields.Raw(required=True, **_LOOSE)
    price_weight = fields.Raw(required=True, **_LOOSE)
    confirm_weights = fields.Boolean(load_default=False, metadata={
        "description": "Needed when the price weight is outside 10 to 80 (the usual range for care services)"})
    questions = fields.List(fields.Nested(CriteriaQuestionSchema), required=True,
                            validate=validate.Length(max=30, error="Give at most 30 questions"))
    places = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict, metadata={
        "description": "Lot number -> how many providers it is awarded to (1 when not given)"})


class UserRefSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="display_name")
    email = fields.String()


class EvaluatorSchema(Schema):
    user = fields.Nested(UserRefSchema)
    status = fields.String(metadata={"description": "assigned (declaration to come), declared (no conflict), "
                                                    "conflicted (left the panel) or removed"})
    declared_at = fields.DateTime(allow_none=True)
    declared_bidders = fields.List(fields.String())
    conflict = fields.String()


class AssignSchema(Schema):
    email = fields.Email(load_default=None, metadata={"description": "The member's email address"})
    user_id = fields.Integer(load_default=None)


class RemoveSchema(Schema):
    user_id = fields.Integer(required=True)


class DeclarationSchema(Schema):
    conflict = fields.Boolean(required=True, metadata={
        "description": "true when you have a conflict of interest with any of the bidders (you then leave the panel)"})
    details = _text(2000, load_default="", metadata={"description": "Who the conflict is with and why"})


class ScoreInSchema(Schema):
    question = fields.Integer(required=True)
    score = fields.Raw(required=True, metadata={"description": "0 unacceptable, 1 poor, 2 satisfactory, 3 good, "
                                                               "4 excellent"})
    reason = _text(5000, required=True)


class ScoresInSchema(Schema):
    scores = fields.List(fields.Nested(ScoreInSchema), required=True, validate=validate.Length(max=30))


class GivenScoreSchema(Schema):
    evaluator = fields.Function(lambda s: s.evaluator_id)
    score = fields.Integer()
    reason = fields.String()


class BidQuestionSchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    text = fields.String()
    weight = fields.Integer()
    answer = fields.String()
    own = fields.Nested(GivenScoreSchema, allow_none=True)
    others = fields.List(fields.Nested(GivenScoreSchema), metadata={
        "description": "Other evaluators' scores: empty until you have submitted yours"})
    flagged = fields.Boolean(metadata={"description": "Evaluators' scores differ by 2 points or more"})


class BidScoresSchema(Schema):
    bid = fields.Integer()
    lot = fields.Integer()
    provider = fields.Nested(OrganisationRefSchema)
    reconfirm_since = fields.DateTime(allow_none=True)
    submitted = fields.Boolean()
    questions = fields.List(fields.Nested(BidQuestionSchema))


class ConsensusSchema(Schema):
    score = fields.Integer()
    reason = fields.String()


class ModeratedQuestionSchema(Schema):
    number = fields.Integer()
    scores = fields.List(fields.Nested(GivenScoreSchema))
    flagged = fields.Boolean()
    consensus = fields.Nested(ConsensusSchema, allow_none=True)


class ModeratedBidSchema(Schema):
    bid = fields.Integer()
    provider = fields.Nested(OrganisationRefSchema)
    reconfirm_since = fields.DateTime(allow_none=True)
    ready = fields.Boolean(metadata={"description": "Every evaluator has scored it: it can be moderated"})
    waiting_for = fields.List(fields.String())
    questions = fields.List(fields.Nested(ModeratedQuestionSchema))


class ModerationSchema(Schema):
    lot = fields.Integer()
    moderated = fields.Boolean()
    done = fields.Integer()
    needed = fields.Integer()
    bids = fields.List(fields.Nested(ModeratedBidSchema))


class RankedQuestionSchema(Schema):
    number = fields.Integer()
    weight = fields.Integer()
    score = fields.Integer()
    reason = fields.String()
    working = fields.String()


class RankedBidSchema(Schema):
    rank = fields.Integer()
    bid = fields.Integer()
    provider = fields.Nested(OrganisationRefSchema)
    price = fields.Decimal(as_string=True)
    quality = fields.String()
    price_score = fields.String()
    total = fields.String()
    quality_working = fields.String()
    price_working = fields.String()
    total_working = fields.String()
    reconfirm_since = fields.DateTime(allow_none=True)
    questions = fields.List(fields.Nested(RankedQuestionSchema))


class RankingSchema(Schema):
    lot = fields.Integer()
    quality_weight = fields.Integer()
    price_weight = fields.Integer()
    places = fields.Integer()
    bids = fields.List(fields.Nested(RankedBidSchema))


class AwardInSchema(Schema):
    bids = fields.List(fields.Integer(), required=True, metadata={
        "description": "The bids the lot is awarded to (as many as it takes providers)"})
    reason = _text(2000, load_default="", metadata={
        "description": "Needed when the bids are not the top of the ranking; published with the award"})
    contract_end = fields.Date(required=True)


class AwardSchema(Schema):
    id = fields.Integer()
    lot = fields.Function(lambda a: a.lot.number)
    provider = fields.Nested(OrganisationRefSchema)
    value = fields.Decimal(as_string=True)
    rank = fields.Integer()
    reason = fields.String()
    notice_at = fields.DateTime()
    standstill_end = fields.DateTime()
    contract_start = fields.Date()
    contract_end = fields.Date()
    status = fields.String(metadata={"description": "standstill, or contracted once the contract is made"})
    contract_id = fields.Integer(allow_none=True)


class BidOutcomeSchema(Schema):
    lot = fields.Function(lambda o: o.details["lot"]["number"])
    successful = fields.Boolean()
    rank = fields.Integer()
    notice_at = fields.DateTime()
    details = fields.Dict(metadata={"description": "Your bid's scores and the winner's, with the workings and "
                                                   "the moderator's reasons"})
