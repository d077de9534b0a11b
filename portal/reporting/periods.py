"""Months and periods: the one parser for a month written as YYYY-MM, and the helpers that
turn months into date ranges. Pages, exports and the API all read months through here."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

LONDON = ZoneInfo("Europe/London")
MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")
FIRST_YEAR, LAST_YEAR = 1900, 2200
MONTH_MESSAGE = f"Enter a month from {FIRST_YEAR} to {LAST_YEAR} as year and month, like 2026-03"


def london_today() -> date:
    """Today in Europe/London, where the portal's people work (the server may run in UTC)."""
    return datetime.now(LONDON).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return month_start(day) + relativedelta(months=1) - timedelta(days=1)


def months_back(month: date, count: int) -> date:
    """The first day of the month ``count`` months before ``month``."""
    return month_start(month) - relativedelta(months=count)


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from ``first`` to ``last``, both included."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [month_start(first) + relativedelta(months=n) for n in range(max(count, 0))]


def parse_month(value: str | None) -> date | None:
    """'2025-03' (or '2025-3') as the first day of that month; None if it is not a real month."""
    match = MONTH_RE.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR):
        return None
    return date(year, month, 1)


def month_field(value: str | None, *, default: date | None = None, end: bool = False,
                message: str = MONTH_MESSAGE) -> tuple[date | None, str | None]:
    """A month from a form or an address: (the first day, or the last with ``end``, or
    ``default`` when blank; a message saying how to write it when it is not a month)."""
    if not (value or "").strip():
        return default, None
    first = parse_month(value)
    if first is None:
        return default, message
    return (month_end(first) if end else first), None


# -- the month filter every page shows -------------------------------------------------------------
# One pattern on every page that filters by month (outcomes, compliance, delivery, the review
# queue): a GOV.UK date input with month and year fields, ``<name>-month`` and ``<name>-year``,
# the same hint and the same messages. Links, downloads and the API write the month as YYYY-MM
# in ``<name>``; both go through parse_month.

MONTH_HINT = "For example, 3 2026"
MONTH_LABELS = {"from": "start", "to": "end"}


@dataclass
class MonthInput:
    """One month field as read from a request: the month (or None), what to show back in the
    two boxes, and the problem to show beside them."""

    name: str
    value: date | None
    typed: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def hint(self) -> str:
        return MONTH_HINT


def read_month(args, name: str, *, default: date | None = None) -> MonthInput:
    """The month in ``<name>-month`` and ``<name>-year`` (a GOV.UK date input), or in ``<name>``
    as YYYY-MM; ``default`` when both are blank, and also in place of a month that is wrong
    (with the error set, and what was typed kept to show back)."""
    label = MONTH_LABELS.get(name, name)
    wrong = f"The {label} month must be a real month and year, like 3 2026"
    out_of_range = f"The {label} month must be between January {FIRST_YEAR} and December {LAST_YEAR}"
    month_text = (args.get(f"{name}-month") or "").strip()
    year_text = (args.get(f"{name}-year") or "").strip()
    link_text = (args.get(name) or "").strip()
    if month_text or year_text:
        typed = {"month": month_text, "year": year_text}
        if not month_text or not year_text:
            return MonthInput(name, default, typed, f"The {label} month must include a month and a year")
        value = (parse_month(f"{year_text}-{month_text}")
                 if (month_text + year_text).isascii() and len(year_text) == 4 else None)
        problem = None if value else out_of_range if _year_outside(f"{year_text}-{month_text}") else wrong
        return MonthInput(name, value or default, typed, problem)
    if link_text:
        value = parse_month(link_text)
        if value is None:
            problem = out_of_range if _year_outside(link_text) else wrong
            return MonthInput(name, default, {"month": "", "year": ""}, problem)
    else:
        value = default
    typed = {"month": str(value.month), "year": str(value.year)} if value else {"month": "", "year": ""}
    return MonthInput(name, value, typed)


def _year_outside(text: str) -> bool:
    """A well-formed month whose year the portal does not take."""
    match = MONTH_RE.match(text.strip())
    return bool(match) and 1 <= int(match.group(2)) <= 12 and not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR


def read_month_range(args, *, default_from: date | None = None, default_to: date | None = None,
                     longest: int | None = None) -> tuple[MonthInput, MonthInput, dict[str, str]]:
    """The ``from`` and ``to`` months with the problems found, keyed ``from`` and ``to``. A
    start after the end (or a range longer than ``longest`` months) is a problem of ``from``,
    and the defaults then stand in for both."""
    first = read_month(args, "from", default=default_from)
    last = read_month(args, "to", default=default_to)
    errors = {m.name: m.error for m in (first, last) if m.error}
    if not errors and first.value and last.value:
        problem = None
        if first.value > last.value:
            problem = "The start month must be the same as or before the end month"
        elif longest and len(months_between(first.value, last.value)) > longest:
            problem = f"Choose a range of at most {longest} months"
        if problem:
            errors["from"] = first.error = problem
            first.value, last.value = default_from, default_to
    return first, last, errors


def as_month_args(*months: MonthInput) -> dict[str, str]:
    """Months as YYYY-MM query arguments (for links and for code that reads YYYY-MM)."""
    return {m.name: f"{m.value:%Y-%m}" for m in months if m.value is not None and not m.error}


# -- financial years -------------------------------------------------------------------------------

FIRST_MONTH_OF_YEAR = 4  # UK councils and health and social care partnerships: April to March


def financial_year_start(day: date) -> date:
    year = day.year if day.month >= FIRST_MONTH_OF_YEAR else day.year - 1
    return date(year, FIRST_MONTH_OF_YEAR, 1)


def financial_year_label(start: date) -> str:
    end = start + relativedelta(months=11)
    return f"{start:%B %Y} to {end:%B %Y}"


def recent_financial_years(today: date, count: int = 5) -> list[date]:
    """The first days of this financial year and the ``count - 1`` before it, newest first."""
    start = financial_year_start(today)
    return [start - relativedelta(years=n) for n in range(count)]


def with_month_args(args, *months: MonthInput):
    """A copy of ``args`` (a MultiDict) in which each month is YYYY-MM under its name, or left
    out when blank or wrong: for code that reads months as YYYY-MM."""
    copy = args.copy()
    for m in months:
        for key in (m.name, f"{m.name}-month", f"{m.name}-year"):
            copy.pop(key, None)
        if m.value is not None and not m.error:
            copy[m.name] = f"{m.value:%Y-%m}"
    return copy
