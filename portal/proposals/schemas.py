"""Marshmallow schemas for the proposals and funds API. Money is sent and answered as decimal
strings; the services check every input (422 with a message per field)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from portal.proposals.models import MODEL_FIELDS


def _money() -> fields.Decimal:
    return fields.Decimal(as_string=True, allow_none=True)


class ProposalWriteSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    commissioner = fields.Raw(required=False, metadata={"description": "The commissioner's slug (or id)"})
    kind = fields.Raw(metadata={"enum": ["service_redesign", "rate_uplift", "new_service", "efficiency", "fund_bid"]})
    title = fields.Raw()
    summary = fields.Raw()
    narrative = fields.Raw()
    contract_id = fields.Raw(allow_none=True)
    tender_id = fields.Raw(allow_none=True)
    fund_id = fields.Raw(allow_none=True)
    start_date = fields.Raw(allow_none=True, metadata={"description": "YYYY-MM-DD"})
    amount_requested = fields.Raw(allow_none=True, metadata={"description": "Pounds, as a decimal string"})
    hourly_pay = fields.Raw(allow_none=True)
    employer_ni_pct = fields.Raw(allow_none=True, metadata={"description": "Empty: worked out from the thresholds"})
    pension_pct = fields.Raw(allow_none=True)
    holiday_pct = fields.Raw(allow_none=True)
    travel_pct = fields.Raw(allow_none=True)
    training_pct = fields.Raw(allow_none=True)
    overheads_pct = fields.Raw(allow_none=True)
    margin_pct = fields.Raw(allow_none=True)
    hours_per_year = fields.Raw(allow_none=True)
    current_rate = fields.Raw(allow_none=True)


class ProposalDecisionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    decision = fields.Raw(required=True, metadata={"enum": ["under_review", "accept", "decline"]})
    note = fields.Raw(load_default="")
    awarded_amount = fields.Raw(load_default=None, metadata={"description": "For a fund bid being accepted"})


class ModelSchema(Schema):
    rate = _money()
    annual_cost = _money()
    current_rate = _money()
    current_annual = _money()
    change = _money()
    change_pct = _money()
    employer_ni = fields.Decimal(as_string=True, places=4)
    ni_from_thresholds = fields.Boolean()
    wage_floor = _money()
    meets_floor = fields.Boolean(allow_none=True)


class ProposalSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    kind = fields.String()
    status = fields.String()
    title = fields.String()
    summary = fields.String()
    narrative = fields.String()
    provider = fields.Function(lambda p: p.provider.slug)
    commissioner = fields.Function(lambda p: p.commissioner.slug)
    contract_id = fields.Integer(allow_none=True)
    tender_id = fields.Integer(allow_none=True)
    fund_id = fields.Integer(allow_none=True)
    start_date = fields.Date(allow_none=True)
    amount_requested = _money()
    awarded_amount = _money()
    decision_note = fields.String()
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    versions = fields.Integer(attribute="versions_count")
    inputs = fields.Function(lambda p: {name: (None if getattr(p, name) is None else str(getattr(p, name)))
                                        for name, _label, _unit in MODEL_FIELDS})
    model = fields.Method("_model")

    def _model(self, proposal):
        from portal.proposals.queries import model_of

        made = model_of(proposal)
        return ModelSchema().dump(made) if made is not None else None


class VersionSchema(Schema):
    number = fields.Integer()
    submitted_at = fields.DateTime()
    snapshot = fields.Dict()


class FundSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    commissioner = fields.Function(lambda f: f.commissioner.slug)
    budget = fields.Decimal(as_string=True)
    opens_on = fields.Date()
    closes_on = fields.Date()
    status = fields.String()
    criteria = fields.List(fields.Dict())
