"""Marshmallow schemas for the contracts API."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from portal.contracts.models import DELIVERY_UNITS, FREQUENCIES, FUNDING_MODELS, SERVICE_TYPES, Contract
from portal.contracts.services import TEXT_FIELDS, too_long
from portal.limits import EARLIEST_DATE, LATEST_DATE, numeric_max

ANNUAL_VALUE_MAX = numeric_max(Contract.__table__.c.annual_value)
LIVING_WAGE_RATE_MAX = numeric_max(Contract.__table__.c.living_wage_rate)


def _date_in_range(what: str):
    return [validate.Range(min=EARLIEST_DATE, error=f"Enter {what} in {EARLIEST_DATE.year} or later"),
            validate.Range(max=LATEST_DATE, error=f"Enter {what} before {LATEST_DATE.year + 1}")]


def _text(field: str, *, required: bool = True) -> fields.String:
    """Trimmed text that fits its column; the message names the field and its limit."""
    longest = Contract.__table__.c[field].type.length

    def check(value: str) -> None:
        if required and not value.strip():
            raise ValidationError(f"Enter {TEXT_FIELDS[field]}")
        if len(value.strip()) > longest:
            raise ValidationError(too_long(field))

    options = {"required": True} if required else {"load_default": ""}
    return fields.String(validate=check, metadata={"maxLength": longest}, **options)


def _pounds(what: str, largest, example: str, **options) -> fields.Decimal:
    """Pounds and pence up to the column's largest value (the OpenAPI document shows the bounds as numbers)."""
    return fields.Decimal(places=2, validate=validate.Range(
        min=0, max=largest, error=f"Enter {what} from £0 to £{largest:,}, like {example}"),
        metadata={"minimum": 0, "maximum": float(largest)}, **options)


class OrganisationRefSchema(Schema):
    slug = fields.String()
    name = fields.String()


class ContractSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    title = fields.String()
    commissioner = fields.Nested(OrganisationRefSchema)
    provider = fields.Nested(OrganisationRefSchema)
    service_type = fields.String()
    care_group = fields.String()
    locality = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    annual_value = fields.Decimal(as_string=True, metadata={"description": "Pounds, as a string"})
    funding_model = fields.String()
    delivery_unit = fields.String(metadata={"description": "What the delivery figures of its returns count"})
    framework = fields.Function(lambda c: c.framework.code)
    living_wage_rate = fields.Decimal(as_string=True, allow_none=True)


class ContractCreateSchema(Schema):
    provider = fields.String(required=True, metadata={"description": "The provider's slug"})
    reference = _text("reference")
    title = _text("title")
    service_type = fields.String(required=True, validate=validate.OneOf(list(SERVICE_TYPES)))
    care_group = _text("care_group", required=False)
    locality = _text("locality", required=False)
    start_date = fields.Date(required=True, validate=_date_in_range("a start date"))
    end_date = fields.Date(required=True, validate=_date_in_range("an end date"))
    annual_value = _pounds("the annual value", ANNUAL_VALUE_MAX, "125000.00", required=True)
    funding_model = fields.String(required=True, validate=validate.OneOf(list(FUNDING_MODELS)))
    delivery_unit = fields.String(
        load_default=None, validate=validate.OneOf(list(DELIVERY_UNITS)),
        metadata={"description": "What the contract counts delivery in; the usual unit of the type of service if "
                                 "left out (hours; sessions for day opportunities; nights for residential)"})
    framework = fields.String(required=True, metadata={"description": "Framework code, such as NHWO"})
    lead_manager = fields.Email(load_default=None, metadata={"description": "Email of a contract manager"})
    living_wage_rate = _pounds("the living wage rate", LIVING_WAGE_RATE_MAX, "12.60", load_default=None,
                               allow_none=True)


class ScheduleCreateSchema(Schema):
    frequency = fields.String(required=True, validate=validate.OneOf(list(FREQUENCIES)))
    due_days = fields.Integer(load_default=14, validate=validate.Range(
        min=0, max=120, error="Enter a number of days from 0 to 120, like 14"))


class ScheduleSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    frequency = fields.String()
    due_days = fields.Integer()
    returns = fields.Integer()


class OutcomeSchema(Schema):
    code = fields.String()
    short_name = fields.String(metadata={"description": "The few words pages call the outcome by"})
    text = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class OutcomeInSchema(Schema):
    code = fields.String(load_default=None)
    short_name = fields.String(load_default="", validate=validate.Length(
        max=80, error="Write the short name in up to 80 characters, like Safe from harm"), metadata={
        "description": "A few words to call the outcome by on pages, like 'Safe from harm'; "
                       "made from the text when left out"})
    text = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class MeasureInSchema(Schema):
    section = fields.String(required=True, metadata={"description": "An outcome code, or 'delivery'"})
    code = fields.String(required=True)
    label = fields.String(required=True)
    type = fields.String(required=True)
    required = fields.Boolean(load_default=True)
    minimum = fields.Decimal(load_default=None)
    maximum = fields.Decimal(load_default=None)
    hint = fields.String(load_default="")


class FrameworkCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    code = fields.String(required=True, validate=validate.Length(min=1, max=30))
    outcomes = fields.List(fields.Nested(OutcomeInSchema), required=True, validate=validate.Length(min=1, max=30))
    measures = fields.List(fields.Nested(MeasureInSchema), load_default=list)


class FrameworkSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    own = fields.Function(lambda f: f.owner_id is not None)
    outcomes = fields.List(fields.Nested(OutcomeSchema))
    measures = fields.Function(lambda f: [
        {"code": m.code, "outcome": m.outcome.code if m.outcome else None, "label": m.label, "type": m.type,
         "required": m.required, "minimum": None if m.minimum is None else str(m.minimum),
         "maximum": None if m.maximum is None else str(m.maximum)} for m in f.measures])
