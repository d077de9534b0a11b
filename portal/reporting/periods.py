"""Months and periods: the one parser for a month written as YYYY-MM, and the helpers that
turn months into date ranges. Pages, exports and the API all read months through here."""
from __future__ import annotations

import re
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
