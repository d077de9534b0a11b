"""Marshmallow schemas for the dashboards API: the page's filters in, the page's figures out."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate

from portal.contracts.models import SERVICE_TYPES
from portal.dashboards.filters import from_request_args
from portal.dashboards.queries import STATES, ComplianceReport, DeliveryReport, StateCounts

PERCENT_STATES = ("on_time", "late", "changes_requested", "missing")


class DashboardArgsSchema(Schema):
    """The filters of the dashboard pages, as query parameters."""

    month_from = fields.String(data_key="from", metadata={"description": "First month, YYYY-MM (default: 11 "
                                                                         "months before this one)"})
    month_to = fields.String(data_key="to", metadata={"description": "Last month, YYYY-MM (default: this month)"})
    provider = fields.String(metadata={"description": "A provider's slug"})
    contract = fields.Integer(metadata={"description": "A contract id"})
    service_type = fields.String(validate=validate.OneOf(list(SERVICE_TYPES)))
    locality = fields.String(validate=validate.Length(max=100))
    threshold = fields.Decimal(metadata={"description": "Delivery: flag contracts that delivered less than this "
                                                        "percentage of what was contracted (default 95)"})

    @post_load
    def to_filters(self, data, **_kwargs):
        args = {"from": data.get("month_from"), "to": data.get("month_to"), "provider": data.get("provider"),
                "contract": str(data["contract"]) if data.get("contract") is not None else None,
                "service_type": data.get("service_type"), "locality": data.get("locality"),
                "threshold": str(data["threshold"]) if data.get("threshold") is not None else None}
        state = from_request_args({k: v for k, v in args.items() if v is not None})
        if state.errors:
            raise ValidationError({{"from": "from", "to": "to"}.get(k, k): [v] for k, v in state.errors.items()})
        return state.filters


class FiltersOutSchema(Schema):
    month_from = fields.String(data_key="from")
    month_to = fields.String(data_key="to")
    provider = fields.String(allow_none=True)
    contract = fields.Integer(allow_none=True)
    service_type = fields.String(allow_none=True)
    locality = fields.String(allow_none=True)
    threshold = fields.Decimal(as_string=True)


class CountsSchema(Schema):
    on_time = fields.Integer()
    late = fields.Integer()
    changes_requested = fields.Integer()
    missing = fields.Integer()
    not_yet_due = fields.Integer()
    total = fields.Integer(metadata={"description": "Scheduled periods in the range"})
    due = fields.Integer(metadata={"description": "Periods that are due or were submitted (not 'not yet due')"})


class PercentagesSchema(Schema):
    on_time = fields.Decimal(as_string=True, allow_none=True)
    late = fields.Decimal(as_string=True, allow_none=True)
    changes_requested = fields.Decimal(as_string=True, allow_none=True)
    missing = fields.Decimal(as_string=True, allow_none=True)


class MonthCountsSchema(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    on_time = fields.Integer()
    late = fields.Integer()
    changes_requested = fields.Integer()
    missing = fields.Integer()
    not_yet_due = fields.Integer()


class ProviderComplianceSchema(Schema):
    slug = fields.String(allow_none=True)
    name = fields.String()
    counts = fields.Nested(CountsSchema)
    percentages = fields.Nested(PercentagesSchema, metadata={"description": "Of the periods due, to 1 decimal place"})
    months = fields.List(fields.Nested(MonthCountsSchema))


class ComplianceSchema(Schema):
    filters = fields.Nested(FiltersOutSchema)
    today = fields.Date(metadata={"description": "Periods due before this day and not submitted are missing"})
    months = fields.List(fields.String())
    providers = fields.List(fields.Nested(ProviderComplianceSchema))
    overall = fields.Nested(ProviderComplianceSchema)


class ContractDeliverySchema(Schema):
    contract_id = fields.Integer(allow_none=True)
    reference = fields.String()
    title = fields.String()
    provider = fields.String()
    provider_slug = fields.String()
    service_type = fields.String()
    locality = fields.String()
    unit = fields.String(metadata={"description": "What the contract counts delivery in: hours, visits, sessions, "
                                                  "nights, weeks or places"})
    returns = fields.Integer(metadata={"description": "Returns whose latest submitted version was counted"})
    contracted = fields.Decimal(as_string=True, allow_none=True)
    delivered = fields.Decimal(as_string=True, allow_none=True)
    percentage = fields.Decimal(as_string=True, allow_none=True, attribute="pct")
    under_delivery = fields.Boolean(attribute="under")


class ServiceTotalSchema(Schema):
    service_type = fields.String()
    contracts = fields.Integer()
    returns = fields.Integer(metadata={"description": "Returns whose latest submitted version was counted"})
    unit = fields.String(metadata={"description": "The unit these contracts count: hours, visits, sessions, "
                                                  "nights, weeks or places"})
    contracted = fields.Decimal(as_string=True, allow_none=True)
    delivered = fields.Decimal(as_string=True, allow_none=True)
    percentage = fields.Decimal(as_string=True, allow_none=True, attribute="pct")
    under_delivery = fields.Boolean(attribute="under")


class DeliverySchema(Schema):
    filters = fields.Nested(FiltersOutSchema)
    contracts = fields.List(fields.Nested(ContractDeliverySchema))
    totals = fields.List(fields.Nested(ServiceTotalSchema), metadata={
        "description": "Per type of service and unit: figures are never added up across services or units"})
    below_threshold = fields.Integer(metadata={"description": "Contracts that delivered less than `threshold`"})


def filters_json(filters) -> dict:
    return {"month_from": f"{filters.month_from:%Y-%m}", "month_to": f"{filters.month_to:%Y-%m}",
            "provider": filters.provider, "contract": filters.contract_id, "service_type": filters.service_type,
            "locality": filters.locality, "threshold": filters.threshold}


def _group(slug, name: str, counts: StateCounts, cells: dict, months) -> dict:
    return {"slug": slug, "name": name, "counts": counts,
            "percentages": {state: counts.pct(state) for state in PERCENT_STATES},
            "months": [{"month": f"{m:%Y-%m}", **{s: cells.get(m, {}).get(s, 0) for s in STATES}} for m in months]}


def compliance_json(report: ComplianceReport) -> dict:
    return {"filters": filters_json(report.filters), "today": report.today,
            "months": [f"{m:%Y-%m}" for m in report.months],
            "providers": [_group(p.slug, p.name, p.counts, p.cells, report.months) for p in report.providers],
            "overall": _group(None, "All providers", report.overall, report.by_month, report.months)}


def delivery_json(report: DeliveryReport) -> dict:
    return {"filters": filters_json(report.filters), "contracts": report.contracts, "totals": report.totals,
            "below_threshold": len(report.below)}
