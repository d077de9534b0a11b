"""The filters every dashboard takes, from the page's form, the API's query or a link."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from portal.contracts.models import SERVICE_TYPES
from portal.reporting.periods import (MonthInput, london_today, month_end, month_start, months_back, months_between,
                                     read_month_range)
from portal.returns.models import CHANGES_REQUESTED, COUNTED

DEFAULT_MONTHS = 12
MAX_MONTHS = 120
DEFAULT_THRESHOLD = Decimal("95")  # the under-delivery threshold (%), not a suppression threshold
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


@dataclass(frozen=True)
class Filters:
    """What a dashboard covers: whole months from ``month_from`` to ``month_to``, both included."""

    month_from: date
    month_to: date
    provider: str | None = None  # the provider's slug
    contract_id: int | None = None
    service_type: str | None = None
    locality: str | None = None
    threshold: Decimal = DEFAULT_THRESHOLD

    @property
    def range_end(self) -> date:
        """The last day of ``month_to``."""
        return month_end(self.month_to)

    def months(self) -> list[date]:
        return months_between(self.month_from, self.month_to)

    def args(self, **overrides) -> dict[str, str]:
        """The filters as query-string arguments (for links, exports and the API)."""
        values = {"from": f"{self.month_from:%Y-%m}", "to": f"{self.month_to:%Y-%m}",
                  "provider": self.provider, "contract": self.contract_id, "service_type": self.service_type,
                  "locality": self.locality,
                  "threshold": None if self.threshold == DEFAULT_THRESHOLD else _plain(self.threshold)}
        values.update(overrides)
        return {key: str(value) for key, value in values.items() if value not in (None, "")}

    def with_(self, **changes) -> "Filters":
        return replace(self, **changes)


#: The returns list's filters that find the returns behind each compliance state.
STATE_RETURN_ARGS = {"on_time": {"status": list(COUNTED), "late": "no"},
                     "late": {"status": list(COUNTED), "late": "yes"},
                     "changes_requested": {"status": [CHANGES_REQUESTED]}}


def returns_args(filters: Filters, *, provider: str | None = None, contract_id: int | None = None,
                 month: date | None = None, state: str | None = None) -> dict | None:
    """The returns list's query for the returns behind a figure; None when there are none to open
    (missing and not-yet-due periods have no submitted return)."""
    if state is not None and state not in STATE_RETURN_ARGS:
        return None
    start = month or filters.month_from
    end = month_end(month) if month else filters.range_end
    args = {"period_from": start.isoformat(), "period_to": end.isoformat(),
            "provider": provider or filters.provider, "contract": contract_id or filters.contract_id,
            "service_type": filters.service_type, "locality": filters.locality,
            **(STATE_RETURN_ARGS[state] if state else {})}
    return {key: value for key, value in args.items() if value not in (None, "")}


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def default_filters(today: date | None = None) -> Filters:
    """The last twelve months, this month included."""
    to = month_start(today or london_today())
    return Filters(month_from=months_back(to, DEFAULT_MONTHS - 1), month_to=to)


@dataclass
class FormState:
    """The filter form as the person filled it in, with the problems found."""

    filters: Filters
    values: dict
    errors: dict[str, str]
    months: tuple[MonthInput, MonthInput] | None = None


def from_request_args(args, today: date | None = None) -> FormState:
    """Read the page's filters from a query string.

    The form sends GOV.UK date inputs (``from-month``, ``from-year``, ``to-month``, ``to-year``);
    links, exports and the API send ``from`` and ``to`` as YYYY-MM (both read by
    portal.reporting.periods). Problems are reported per field and the default is used in their
    place, so the page still shows figures.
    """
    defaults = default_filters(today)
    first, last, errors = read_month_range(args, default_from=defaults.month_from, default_to=defaults.month_to,
                                           longest=MAX_MONTHS)
    values: dict = {"from": first.typed, "to": last.typed}
    filters = Filters(month_from=first.value, month_to=last.value)

    provider = (args.get("provider") or "").strip()
    values["provider"] = provider
    if provider:
        if SLUG_RE.match(provider):
            filters = filters.with_(provider=provider)
        else:
            errors["provider"] = "Choose a provider from the list"
    contract = (args.get("contract") or "").strip()
    values["contract"] = contract
    if contract:
        if contract.isascii() and contract.isdigit() and len(contract) < 19:
            filters = filters.with_(contract_id=int(contract))
        else:
            errors["contract"] = "Choose a contract from the list"
    service_type = (args.get("service_type") or "").strip()
    values["service_type"] = service_type
    if service_type:
        if service_type in SERVICE_TYPES:
            filters = filters.with_(service_type=service_type)
        else:
            errors["service_type"] = "Choose a type of service from the list"
    locality = (args.get("locality") or "").strip()[:100]
    values["locality"] = locality
    if locality:
        filters = filters.with_(locality=locality)
    threshold = (args.get("threshold") or "").strip().rstrip("%").strip()
    values["threshold"] = threshold
    if threshold:
        try:
            number = Decimal(threshold)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not Decimal(0) <= number <= Decimal(1000):
            errors["threshold"] = "Enter a percentage between 0 and 1000, like 95"
        else:
            filters = filters.with_(threshold=number)
    return FormState(filters=filters, values=values, errors=errors, months=(first, last))
