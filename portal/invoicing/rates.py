"""Pricing a line from a contract's rate card, day by day.

A line in a unit the card prices, left without a price, is priced at the rate in force on each
day it covers. Its quantity is spread evenly over those days (the days of its day type when the
line names one; otherwise every day, each priced at its own day type's rate, a weekend or public
holiday falling back to the weekday rate when the card has none). Days at the same rate
of one day type make one part (a month of weekday and weekend care is two parts, not nine); a
rate that changes mid-period splits the line into parts. Parts are kept by day type even when a
weekend or holiday takes the weekday rate, so that an adjustment can later find the days of each
part (each part is rounded on its own, as every line is). Each part's
quantity is the line's quantity × its days / all days, to 4 decimals, the last part taking what
rounding leaves, so the parts add up to the line exactly.

Everything here is pure: the callers pass the card's rates and the public holidays.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import holidays as holiday_calendars

from portal.invoicing.money import QUANTITY_PLACES, line_net

_SUBDIVISIONS = {"england": ("ENG",), "scotland": ("SCT",), "northern_ireland": ("NIR",),
                 "uk": ("ENG", "SCT", "NIR")}


@lru_cache(maxsize=64)
def public_holidays(region: str, year: int) -> frozenset[date]:
    """The public (bank) holidays of a UK region in a year, from the ``holidays`` library."""
    days: set[date] = set()
    for subdivision in _SUBDIVISIONS[region]:
        days.update(holiday_calendars.country_holidays("GB", subdiv=subdivision, years=year))
    return frozenset(days)


def day_type(day: date, region: str) -> str:
    if day in public_holidays(region, day.year):
        return "public_holiday"
    return "weekend" if day.weekday() >= 5 else "weekday"


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


@dataclass(frozen=True)
class Part:
    """Consecutive days of a line priced at one rate."""
    start: date
    end: date
    day_type: str
    days: int
    rate: Decimal
    rate_from: date
    quantity: Decimal
    net: Decimal
    #: The day type of the rate used: "weekday" for a weekend without a rate of its own.
    rate_day_type: str = ""


def rate_on(rates, day: date, unit: str, service_type: str, wanted_day_type: str):
    """The rate in force on ``day`` for the unit, service type and day type: a rate for the
    service type itself before one for any service type; a weekend or public holiday without a
    rate of its own takes the weekday rate. None when the card does not price it that day."""
    candidates = [r for r in rates if r.unit == unit and r.effective_from <= day
                  and (r.effective_to is None or day <= r.effective_to)]
    for kind in (wanted_day_type, "weekday"):
        for service in (service_type, ""):
            for rate in candidates:
                if rate.day_type == kind and (rate.service_type or "") == service:
                    return rate
    return None


def prices_unit(rates, unit: str) -> bool:
    return any(r.unit == unit for r in rates)


def price_by_days(rates, *, unit: str, service_type: str, start: date, end: date, quantity: Decimal,
                  region: str, only_day_type: str = "") -> list[Part] | None:
    """The parts of a line priced from the card, or None when some day it covers has no rate
    (the caller then asks for a price). ``only_day_type`` spreads the quantity over the days of
    that type alone."""
    covered = [d for d in days(start, end) if not only_day_type or day_type(d, region) == only_day_type]
    if not covered:
        return None
    groups: dict[tuple[str, int], tuple[list[date], str, object]] = {}
    for day in covered:
        kind = only_day_type or day_type(day, region)
        rate = rate_on(rates, day, unit, service_type, kind)
        if rate is None:
            return None
        groups.setdefault((kind, id(rate)), ([], kind, rate))[0].append(day)
    parts: list[Part] = []
    left = quantity
    total_days = len(covered)
    for index, (group_days, kind, rate) in enumerate(groups.values()):
        if index == len(groups) - 1:
            share = left
        else:
            share = (quantity * len(group_days) / total_days).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
            left -= share
        price = Decimal(rate.rate)
        parts.append(Part(group_days[0], group_days[-1], kind, len(group_days), price, rate.effective_from, share,
                          line_net(share, price), rate.day_type))
    return parts
