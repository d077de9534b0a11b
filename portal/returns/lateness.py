"""Late or on time: the one rule, for the provider's pages, the review page, the API and the
compliance dashboard's SQL.

The rule:

- Each submission is judged against a deadline, frozen into its version (``ReturnVersion.deadline``):
  the first submission against the return's due date; a resubmission after the commissioner
  asked for changes against the date they set to respond by, or the due date if they set none.
- A submission is late when the day it was made, in Europe/London, is after its deadline.
- A return is late when any of its submissions was late: a late first submission stays late
  after an on-time resubmission, and an on-time return becomes late if a resubmission misses
  the date the commissioner set.
- A return that is waiting for the provider (a draft, or changes requested) is *overdue* once
  today, in Europe/London, is after the deadline of its next submission.

``is_late`` and ``submission_late_sql`` are the rule for one submission, in Python and in SQL;
``return_is_late`` and ``return_late_sql`` apply it to a return. ``describe`` puts it in words.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, cast, exists, func

from portal.models_base import utcnow
from portal.returns.models import CHANGES_REQUESTED, EDITABLE, Return, ReturnVersion

LONDON = ZoneInfo("Europe/London")
TIMEZONE = "Europe/London"


def london_date(moment: datetime) -> date:
    """The calendar day of a stored (UTC) time, in Europe/London."""
    return moment.astimezone(LONDON).date()


def london_today(now: datetime | None = None) -> date:
    return london_date(now or utcnow())


def next_deadline(ret: Return) -> date:
    """The date the return's next submission is judged against: the date to respond by that the
    commissioner set when asking for changes, else the due date."""
    if ret.status == CHANGES_REQUESTED and ret.respond_by is not None:
        return ret.respond_by
    return ret.due_date


def is_late(submitted_at: datetime, deadline: date) -> bool:
    """The rule for one submission: made, in Europe/London, on a day after its deadline."""
    return london_date(submitted_at) > deadline


def submission_late_sql(submitted_at, deadline):
    """``is_late`` as a SQL expression over a timestamptz column and a date column."""
    return cast(func.timezone(TIMEZONE, submitted_at), Date) > deadline


def version_is_late(version: ReturnVersion) -> bool:
    return is_late(version.submitted_at, version.deadline)


def return_is_late(versions: list[ReturnVersion]) -> bool:
    """Whether a return (given its versions) is late: any of its submissions was late."""
    return any(version_is_late(v) for v in versions)


def return_late_sql(returns=Return):
    """``return_is_late`` as a SQL expression for a row of ``returns`` (the Return entity or an
    alias of it): EXISTS a version of it submitted after that version's deadline."""
    return exists().where(and_(ReturnVersion.return_id == returns.id, ReturnVersion.tenant_id == returns.tenant_id,
                               submission_late_sql(ReturnVersion.submitted_at, ReturnVersion.deadline)))


def is_overdue(ret: Return, today: date | None = None) -> bool:
    """Waiting for the provider, and past the deadline of its next submission."""
    return ret.status in EDITABLE and (today or london_today()) > next_deadline(ret)


@dataclass(frozen=True)
class Timeliness:
    """A return's lateness, for a page: ``summary`` is one sentence, such as "Submitted 3 days
    late: it was due on 14 Feb 2025" or "Changes requested: respond by 27 Jun 2025"."""
    late: bool           # any submission was late (the rule)
    overdue: bool        # waiting for the provider and past the next deadline
    deadline: date       # the next submission's deadline, or the latest submission's
    deadline_name: str   # "due date" or "date to respond by"
    summary: str


def _day(value: date) -> str:
    return value.strftime("%-d %b %Y")


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def describe(ret: Return, versions: list[ReturnVersion], today: date | None = None) -> Timeliness:
    """The rule in words for ``ret`` with its ``versions`` (oldest first): whether it is late, and
    the deadline that applies. For the provider's pages and the commissioner's review page."""
    today = today or london_today()
    late = return_is_late(versions)
    if ret.status in EDITABLE:
        deadline = next_deadline(ret)
        overdue = today > deadline
        if ret.status == CHANGES_REQUESTED and ret.respond_by is not None:
            name, summary = "date to respond by", f"Respond by {_day(deadline)}"
        elif ret.status == CHANGES_REQUESTED:
            name, summary = "due date", f"Respond by the due date, {_day(deadline)}"
        else:
            name, summary = "due date", f"Due {_day(deadline)}"
        if overdue:
            summary += f": {_days((today - deadline).days)} overdue"
        if late:
            summary += " (an earlier submission was late)"
        return Timeliness(late, overdue, deadline, name, summary + ".")
    latest = versions[-1] if versions else None
    if latest is None:  # cannot happen for a submitted return; say only when it was due
        return Timeliness(late, False, ret.due_date, "due date", f"Due {_day(ret.due_date)}.")
    deadline = latest.deadline
    name = "due date" if latest.number == 1 or deadline == ret.due_date else "date to respond by"
    verb = "Submitted" if latest.number == 1 else "Resubmitted"
    submitted = london_date(latest.submitted_at)
    if version_is_late(latest):
        summary = f"{verb} {_days((submitted - deadline).days)} late: the {name} was {_day(deadline)}."
    else:
        summary = f"{verb} on time: the {name} was {_day(deadline)}."
        if late:
            summary = summary[:-1] + ", but an earlier submission was late."
    return Timeliness(late, False, deadline, name, summary)
