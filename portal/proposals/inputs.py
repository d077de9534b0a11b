"""Reading a proposal from a form or a JSON body: every field checked, every message saying what
to change. Shared by the pages and the API (errors keyed by field name)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from portal.limits import EARLIEST_DATE, LATEST_DATE
from portal.proposals.models import FUND_BID, KINDS, MODEL_FIELDS, RATE_UPLIFT

TITLE_LIMIT, SUMMARY_LIMIT, NARRATIVE_LIMIT = 200, 2000, 20000
PERCENT_FIELDS = ("employer_ni_pct", "pension_pct", "holiday_pct", "travel_pct", "training_pct", "overheads_pct",
                  "margin_pct")
LABELS = {name: label for name, label, _unit in MODEL_FIELDS}
DEFAULT_PERCENTS = {"pension_pct": Decimal("0"), "holiday_pct": Decimal("12.07"), "travel_pct": Decimal("0"),
                    "training_pct": Decimal("0"), "overheads_pct": Decimal("0"), "margin_pct": Decimal("0")}


def text(value) -> str:
    return "" if value is None else str(value).strip()


def decimal_field(raw, name: str, what: str, errors: dict, *, places: int = 2, maximum: Decimal,
                  minimum: Decimal = Decimal("0"), unit: str = "") -> Decimal | None:
    value = text(raw).replace(",", "").lstrip("£").strip()
    if unit == "%":
        value = value.rstrip("%").strip()
    if value == "":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        errors[name] = f"Enter {what} as a number, like {'12.60' if unit != '%' else '12.07'}"
        return None
    if not number.is_finite():
        errors[name] = f"Enter {what} as a number"
        return None
    if number.as_tuple().exponent < -places:
        errors[name] = f"Enter {what} with no more than {places} decimal places"
        return None
    if number < minimum:
        errors[name] = f"{what[0].upper()}{what[1:]} must be {'£' if unit == '£' else ''}{minimum} or more"
        return None
    if number > maximum:
        errors[name] = f"{what[0].upper()}{what[1:]} must be {'£' if unit == '£' else ''}{maximum:,} or less"
        return None
    return number


def date_parts(data, name: str):
    """A GOV.UK date input's three fields (``name-day``, ``-month``, ``-year``) as YYYY-MM-DD, or
    the field itself when the parts are not there (the API)."""
    parts = [text(data.get(f"{name}-{part}")) for part in ("year", "month", "day")]
    if not any(parts):
        return data.get(name)
    if not all(p.isdigit() for p in parts):
        return "not a date"
    return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}" if len(parts[0]) == 4 else "not a date"


def date_field(raw, name: str, what: str, errors: dict) -> date | None:
    if isinstance(raw, date):
        value = raw
    else:
        raw = text(raw)
        if not raw:
            return None
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            errors[name] = f"Enter {what} as a real date, like 2026-04-01"
            return None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        errors[name] = f"{what[0].upper()}{what[1:]} must be between 2000 and 2099"
        return None
    return value


def read_model(data: dict, errors: dict) -> dict:
    """The financial model's fields: Decimal or None (percentages default as in DEFAULT_PERCENTS)."""
    out = {"hourly_pay": decimal_field(data.get("hourly_pay"), "hourly_pay", "hourly pay", errors,
                                       maximum=Decimal("999999.99"), unit="£"),
           "hours_per_year": decimal_field(data.get("hours_per_year"), "hours_per_year", "hours per year", errors,
                                           maximum=Decimal("99999999.99")),
           "current_rate": decimal_field(data.get("current_rate"), "current_rate", "the current hourly rate",
                                         errors, maximum=Decimal("999999.99"), unit="£")}
    for name in PERCENT_FIELDS:
        value = decimal_field(data.get(name), name, f"{LABELS[name].lower()} (per cent)", errors,
                              maximum=Decimal("100"), unit="%")
        out[name] = value if value is not None or name == "employer_ni_pct" else DEFAULT_PERCENTS[name]
    if out["hourly_pay"] is not None and out["hourly_pay"] <= 0 and "hourly_pay" not in errors:
        errors["hourly_pay"] = "Hourly pay must be more than 0"
    if out["hours_per_year"] is not None and out["hours_per_year"] <= 0 and "hours_per_year" not in errors:
        errors["hours_per_year"] = "Hours per year must be more than 0"
    return out


def read_proposal(data: dict, errors: dict) -> dict:
    """Every field of a proposal except who it is to and what it is tied to (ids checked by the
    service against what the provider may name)."""
    kind = text(data.get("kind"))
    if kind not in KINDS:
        errors["kind"] = "Select the type of proposal"
    title = text(data.get("title"))
    if not title:
        errors["title"] = "Enter a title"
    elif len(title) > TITLE_LIMIT:
        errors["title"] = f"Title must be {TITLE_LIMIT} characters or fewer"
    summary = text(data.get("summary"))
    if not summary:
        errors["summary"] = "Enter a summary of the proposal"
    elif len(summary) > SUMMARY_LIMIT:
        errors["summary"] = f"Summary must be {SUMMARY_LIMIT:,} characters or fewer"
    narrative = text(data.get("narrative"))
    if len(narrative) > NARRATIVE_LIMIT:
        errors["narrative"] = f"The narrative must be {NARRATIVE_LIMIT:,} characters or fewer"
    start_date = date_field(date_parts(data, "start_date"), "start_date", "the start date", errors)
    amount = decimal_field(data.get("amount_requested"), "amount_requested", "the amount requested", errors,
                           maximum=Decimal("999999999999.99"), unit="£")
    model = read_model(data, errors)
    if kind == RATE_UPLIFT:
        if start_date is None and "start_date" not in errors:
            errors["start_date"] = "Enter the date the new rate would start"
        for name in ("hourly_pay", "hours_per_year"):
            if model[name] is None and name not in errors:
                errors[name] = f"Enter the {LABELS[name].lower()}: a rate uplift needs its financial model"
    if model["hourly_pay"] is not None and model["hours_per_year"] is None and "hours_per_year" not in errors:
        errors["hours_per_year"] = "Enter the hours per year, to work out the annual cost"
    if kind == FUND_BID:
        if amount is None and "amount_requested" not in errors:
            errors["amount_requested"] = "Enter the amount requested from the fund"
        elif amount is not None and amount <= 0:
            errors["amount_requested"] = "The amount requested must be more than £0"
    return {"kind": kind, "title": title, "summary": summary, "narrative": narrative, "start_date": start_date,
            "amount_requested": amount if kind == FUND_BID else None, **model}


def whole_id(raw, name: str, what: str, errors: dict) -> int | None:
    value = text(raw)
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        errors[name] = f"Select {what} from the list"
        return None
    return int(value)
