"""Prompt payment: an invoice's age from its first submission against the 30-day statutory limit
and the commissioner's target in working days (weekdays that are not public holidays of the
contract's region).

The day of receipt is the London date of ``first_submitted_at``. The statutory limit is due 30
calendar days after receipt; the target is due ``target_working_days`` working days after it. An
invoice stops ageing when it is paid (``paid_on``). The dashboard of days to pay builds on
``days_to_pay`` and ``prompt_payment``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.invoicing.models import DEFAULT_TARGET_WORKING_DAYS, PAID, STATUTORY_DAYS, Invoice
from portal.invoicing.rates import public_holidays

LONDON = ZoneInfo("Europe/London")
#: Days left at or under which an invoice is flagged as due soon.
DUE_SOON_DAYS = 2


def london_today() -> date:
    return datetime.now(LONDON).date()


def received_on(invoice: Invoice) -> date | None:
    """The day the commissioner received it (its first submission, in London)."""
    return invoice.first_submitted_at.astimezone(LONDON).date() if invoice.first_submitted_at else None


def is_working_day(day: date, region: str) -> bool:
    return day.weekday() < 5 and day not in public_holidays(region, day.year)


def add_working_days(start: date, count: int, region: str) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day, region):
            count -= 1
    return day


def working_days_between(start: date, end: date, region: str) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start, region)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n), region))


def days_to_pay(invoice: Invoice) -> int | None:
    """Calendar days from receipt to payment (None until it is paid)."""
    received = received_on(invoice)
    return (invoice.paid_on - received).days if received and invoice.paid_on else None


@dataclass(frozen=True)
class Ageing:
    received: date
    age_days: int                 # calendar days since receipt (to payment once paid)
    statutory_due: date
    statutory_days_left: int      # calendar days; negative once late
    target_working_days: int | None  # None: judged against the statutory limit only (the provider's view)
    target_due: date | None
    target_days_left: int | None  # working days; negative once late
    paid: bool

    @property
    def flag(self) -> str:
        """"late" (past the statutory limit), "past_target", "due_soon" or "on_time"."""
        if self.statutory_days_left < 0:
            return "late"
        if self.target_days_left is not None and self.target_days_left < 0:
            return "past_target"
        left = self.target_days_left if self.target_days_left is not None else self.statutory_days_left
        if not self.paid and left <= DUE_SOON_DAYS:
            return "due_soon"
        return "on_time"

    @property
    def flag_label(self) -> str:
        return {"late": "Past the 30-day limit", "past_target": "Past target", "due_soon": "Due soon",
                "on_time": "On time"}[self.flag]

    @property
    def tag_colour(self) -> str:
        return {"late": "red", "past_target": "orange", "due_soon": "yellow", "on_time": "green"}[self.flag]


def prompt_payment(invoice: Invoice, target_working_days: int | None = DEFAULT_TARGET_WORKING_DAYS, *,
                   today: date | None = None) -> Ageing | None:
    """The invoice's age and days left (None before its first submission); with no target
    (``None``: the provider does not read the commissioner's settings) only the statutory limit."""
    received = received_on(invoice)
    if received is None:
        return None
    target = target_working_days
    region = invoice.contract.holiday_region
    paid = invoice.status == PAID and invoice.paid_on is not None
    until = invoice.paid_on if paid else (today or london_today())
    statutory_due = received + timedelta(days=STATUTORY_DAYS)
    target_due = add_working_days(received, target, region) if target else None
    return Ageing(received=received, age_days=(until - received).days, statutory_due=statutory_due,
                  statutory_days_left=(statutory_due - until).days, target_working_days=target,
                  target_due=target_due,
                  target_days_left=working_days_between(until, target_due, region) if target_due else None,
                  paid=paid)
