"""The timetable rules of a tender's procurement regime.

Pure Python: no database, no Flask. Each tender has a regime (``REGIMES``) that gives its timetable
(``Timetable``) defaults (``default_timetable``) and checks (``check``). Every date of a timetable is
stored as a fixed date: nothing here moves one date because another moved. ``default_timetable``
computes its dates once, and ``check`` only reports (``Problem``); it never corrects.

How time is counted
-------------------
* Every moment is an aware ``datetime`` and is read in Europe/London (``LONDON``); naive datetimes
  are refused with ``ValueError``. Days (``evaluation_on``, ``award_on``, ``contract_start``) are
  plain ``date`` objects, meaning days in Europe/London.
* "N days before (or after) a moment" means the same clock time in Europe/London N calendar days
  earlier (or later). So a moment is "at least 6 days before" 12pm on 31 March 2027 when it is at
  or before 12pm on 25 March 2027, although the clocks went forward in between and only 143 hours
  separate the two. Calendar days, not periods of 24 hours, and never working days unless a rule
  says working days.
* A period that "ends at midnight" at the end of a day is stored as the first moment of the next
  day (00:00 Europe/London), which is the moment the period is over: a standstill ending at
  midnight at the end of 11 March is ``datetime(2027, 3, 12, 0, 0, tzinfo=LONDON)``, and the
  contract may start on 12 March. ``format_moment`` writes such a moment as "midnight at the end
  of 11 March 2027". Midnight never falls in a change of the clocks in the UK.
* A working day is a day that is not a Saturday, a Sunday or a bank holiday (Christmas Day and Good
  Friday included) of the region, from the ``holidays`` library: ``"england"`` (England and Wales,
  the default), ``"scotland"``, ``"northern_ireland"`` or ``"uk"`` (a bank holiday anywhere in the
  UK).

The regimes and their figures
-----------------------------
``scotland``: Public Contracts (Scotland) Regulations 2015, for care contracts under the light-touch
regime.

* Answers to clarification questions at least 6 days before the submission deadline, 4 days when
  the accelerated procedure is used (regulation 54, additional information). A change to the
  procurement documents, or an answer, published later than that needs the submission deadline
  extended (regulation 48, setting time limits, which asks for an extension after any significant
  change to the documents, whenever it comes: the portal only checks the 6 days).
* Standstill: 10 days after the day the last award decision notice is sent when every notice is
  sent electronically, otherwise 15 days, ending at midnight at the end of the 10th (15th) day
  (regulation 86). The standstill is not extended when that day is a weekend or a holiday.
* No minimum tender period: the light-touch regime leaves it to the authority.

``england``: Procurement Act 2023.

* Tender period at least 25 days from publication of the tender notice (section 54: the minimum
  for an open procedure with electronic tenders and the documents published with the notice).
* Standstill: 8 working days beginning with the day the contract award notice is published
  (section 51(2)), so the day of the notice counts when it is a working day, ending at midnight at
  the end of the 8th working day. Working days are those of England and Wales.
* Answers and changes: the Act sets no fixed figure. Section 31 lets the authority change the
  tender notice and documents before the deadline and section 54(1) makes it allow for the nature
  and complexity of a change when setting time limits. The portal takes 6 days, the figure the
  Public Contracts Regulations 2015 used (regulation 53) and suppliers know: answers at least 6
  days before the submission deadline, and a change later than that needs the deadline extended.
  ``accelerated`` does not change the england figures (the Act's urgency periods are not modelled).
* Light touch contracts are exempt from the Act's minimum time limits and from mandatory standstill;
  the portal applies these figures to every england tender all the same (a voluntary standstill is
  usual practice).

``below_threshold``: the commissioner's own periods. No minimum before the submission deadline, no
minimum tender period, and no standstill: ``standstill_end`` returns the award notice moment
itself, so the timetable only has to be in order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")

REGIMES: dict[str, str] = {
    "scotland": "Scotland: Public Contracts (Scotland) Regulations 2015, light-touch regime",
    "england": "England: Procurement Act 2023",
    "below_threshold": "Below threshold: the commissioner's own periods",
}

FIELDS: dict[str, str] = {
    "published_at": "Tender published",
    "clarification_deadline": "Deadline for clarification questions",
    "answer_deadline": "Deadline for answers to clarification questions",
    "submission_deadline": "Deadline for submitting bids",
    "evaluation_on": "Evaluation starts",
    "award_on": "Award decision sent to bidders",
    "standstill_end": "End of the standstill period",
    "contract_start": "Contract starts",
}

EXPLANATIONS: dict[str, str] = {
    "published_at": "When the tender notice and documents go live for bidders. The time bidders have to "
                    "prepare their bids counts from this moment.",
    "clarification_deadline": "The last moment bidders can send you questions about the tender. It is not "
                              "when you must answer: that is the deadline for answers, which comes later.",
    "answer_deadline": "The last moment you will publish your answers to bidders' questions, to every "
                       "bidder. It comes after the deadline for questions and must leave bidders time to "
                       "use the answers before the submission deadline.",
    "submission_deadline": "The last moment bidders can submit a bid. Changing it moves no other date, so "
                           "check the other dates again after changing it.",
    "evaluation_on": "The day your panel starts scoring the bids. It cannot be before the submission "
                     "deadline.",
    "award_on": "The day you send every bidder your award decision (the award notice). The standstill "
                "period counts from this day.",
    "standstill_end": "When the standstill period ends. Until then you must not enter into the contract, so "
                      "that unsuccessful bidders can challenge the decision.",
    "contract_start": "The day the contract starts and the provider begins delivering. It cannot be before "
                      "the standstill period ends.",
}

# Where each figure comes from, as the messages name it.
_SCOTLAND = "Public Contracts (Scotland) Regulations 2015"
_ACT = "Procurement Act 2023"
_RULES: dict[tuple[str, str], str] = {
    ("scotland", "answers"): f"{_SCOTLAND}, regulation 54",
    ("scotland", "changes"): f"{_SCOTLAND}, regulations 48 and 54",
    ("scotland", "standstill"): f"{_SCOTLAND}, regulation 86",
    ("england", "answers"): f"the portal's figure for a reasonable time under the {_ACT}, sections 31 and 54",
    ("england", "changes"): f"the portal's figure for a reasonable time under the {_ACT}, sections 31 and 54",
    ("england", "tender_period"): f"{_ACT}, section 54",
    ("england", "standstill"): f"{_ACT}, section 51",
}

ENGLAND_TENDER_PERIOD = timedelta(days=25)
ENGLAND_STANDSTILL_WORKING_DAYS = 8
SCOTLAND_STANDSTILL_DAYS = {True: 10, False: 15}  # by: were all award notices sent electronically?

# The working-day calendar each regime uses for its own defaults (england's standstill uses "england").
_REGION_OF_REGIME = {"scotland": "scotland", "england": "england", "below_threshold": "england"}
_SUBDIVISIONS = {"england": ("ENG",), "scotland": ("SCT",), "northern_ireland": ("NIR",),
                 "uk": ("ENG", "SCT", "NIR")}


@dataclass(frozen=True)
class Timetable:
    """A tender's timetable: moments as aware datetimes (Europe/London), days as dates."""

    published_at: datetime
    clarification_deadline: datetime
    answer_deadline: datetime
    submission_deadline: datetime
    evaluation_on: date
    award_on: date
    standstill_end: datetime
    contract_start: date


@dataclass(frozen=True)
class Problem:
    """What is wrong with one timetable field, naming the rule and saying what to change."""

    field: str
    message: str


# --- dates in words ---------------------------------------------------------------------------------


def format_date(day: date) -> str:
    """'3 March 2027'."""
    return f"{day.day} {day:%B %Y}"


def format_moment(moment: datetime) -> str:
    """'5:30pm on 3 March 2027', 'midday on 3 March 2027', 'midnight at the end of 2 March 2027'."""
    local = _local(moment)
    if local.time() == time(0):
        return f"midnight at the end of {format_date(local.date() - timedelta(days=1))}"
    if local.time() == time(12):
        return f"midday on {format_date(local.date())}"
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'} on {format_date(local.date())}"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


# --- time --------------------------------------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone: timetable moments must be aware datetimes")
    return moment.astimezone(LONDON)


def _utc(moment: datetime) -> datetime:
    """For comparing and subtracting moments: Python compares two datetimes of the same zone by their
    clock times, which is wrong in the hour the clocks go back; in UTC it is always right."""
    return _local(moment).astimezone(timezone.utc)


def _shift(moment: datetime, delta: timedelta) -> datetime:
    """The same Europe/London clock time, moved by whole calendar days (see the module docstring)."""
    local = _local(moment)
    return (local.replace(tzinfo=None) + delta).replace(tzinfo=LONDON)


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def _end_of_day(day: date) -> datetime:
    """Midnight at the end of ``day``: the first moment of the next day."""
    return _start_of_day(day + timedelta(days=1))


@lru_cache(maxsize=None)
def _bank_holidays(region: str, year: int) -> frozenset[date]:
    if region not in _SUBDIVISIONS:
        raise ValueError(f"unknown region {region!r}: one of {', '.join(_SUBDIVISIONS)}")
    days: set[date] = set()
    for subdivision in _SUBDIVISIONS[region]:
        days.update(holidays.country_holidays("GB", subdiv=subdivision, years=year))
    return frozenset(days)


def is_working_day(day: date, region: str = "england") -> bool:
    """Not a Saturday, a Sunday or a bank holiday of the region."""
    return day.weekday() < 5 and day not in _bank_holidays(region, day.year)


def working_days_after(start: date, n: int, region: str = "england") -> date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted; ``n == 0`` gives ``start``).

    Region: "england" (England and Wales), "scotland", "northern_ireland" or "uk".
    """
    if n < 0:
        raise ValueError("n must be 0 or more")
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day, region):
            n -= 1
    return day


def _working_day_on_or_after(day: date, region: str) -> date:
    return day if is_working_day(day, region) else working_days_after(day, 1, region)


# --- the regimes' figures ----------------------------------------------------------------------------


def _regime(regime: str) -> str:
    if regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}: one of {', '.join(REGIMES)}")
    return regime


def minimum_notice_before_submission(regime: str, *, accelerated: bool = False) -> timedelta:
    """How long before the submission deadline answers must be out; a change published later than this
    needs the deadline extended. Scotland 6 days (4 accelerated), england 6 days, below threshold none."""
    if _regime(regime) == "scotland":
        return timedelta(days=4 if accelerated else 6)
    if regime == "england":
        return timedelta(days=6)
    return timedelta(0)


def minimum_tender_period(regime: str) -> timedelta:
    """Shortest time from publication to the submission deadline: 25 days in england, else none."""
    return ENGLAND_TENDER_PERIOD if _regime(regime) == "england" else timedelta(0)


def standstill_end(regime: str, award_notice_at: datetime, *, electronic: bool = True) -> datetime:
    """When the standstill period after the award notice ends (see the module docstring).

    scotland: midnight at the end of the 10th day after the day of the notice (15th when not every
    notice went electronically). england: midnight at the end of the 8th working day, counting the day
    of the notice when it is a working day. below_threshold: no standstill, so the notice moment itself.
    """
    notice = _local(award_notice_at)
    if _regime(regime) == "scotland":
        return _end_of_day(notice.date() + timedelta(days=SCOTLAND_STANDSTILL_DAYS[electronic]))
    if regime == "england":
        day_before = notice.date() - timedelta(days=1)
        return _end_of_day(working_days_after(day_before, ENGLAND_STANDSTILL_WORKING_DAYS, "england"))
    return notice


def rule_hint(regime: str, field: str, *, accelerated: bool = False, electronic: bool = True) -> str | None:
    """The regime's own rule for one field, in a sentence for the form (None when it has none)."""
    notice = minimum_notice_before_submission(regime, accelerated=accelerated)
    if field == "answer_deadline" and notice:
        return (f"At least {_days(notice.days)} before the submission deadline "
                f"({_RULES[(regime, 'answers')]}).")
    if field == "submission_deadline" and regime == "england":
        return (f"At least {_days(ENGLAND_TENDER_PERIOD.days)} after the tender is published "
                f"({_RULES[('england', 'tender_period')]}). A change to the tender published less than "
                f"{_days(notice.days)} before it needs the deadline extended.")
    if field == "submission_deadline" and notice:
        return (f"A change to the tender published less than {_days(notice.days)} before it needs the "
                f"deadline extended ({_RULES[(regime, 'changes')]}).")
    if field == "standstill_end" and regime == "scotland":
        days = SCOTLAND_STANDSTILL_DAYS[electronic]
        how = ("every award notice is sent electronically" if electronic
               else "not every award notice is sent electronically")
        return (f"Midnight at the end of the {days}th day after the award decision is sent, as {how} "
                f"({_RULES[('scotland', 'standstill')]}).")
    if field == "standstill_end" and regime == "england":
        return (f"Midnight at the end of the {ENGLAND_STANDSTILL_WORKING_DAYS}th working day, counting the day "
                f"the contract award notice is published ({_RULES[('england', 'standstill')]}).")
    return None


# --- defaults ----------------------------------------------------------------------------------------


def default_timetable(regime: str, published_at: datetime, submission_deadline: datetime, *,
                      accelerated: bool = False, electronic: bool = True) -> Timetable:
    """A first timetable from the two moments given, computed once and stored as fixed dates.

    Answers at the regime's minimum before the submission deadline (6 days when the regime has none),
    questions close 10 days before the submission deadline (or, in a short tender, halfway between
    publication and the answer deadline), evaluation the next working day, the award decision 3 weeks
    later (on a working day), the regime's standstill, and the contract the next working day after it.
    """
    region = _REGION_OF_REGIME[_regime(regime)]
    published, submission = _utc(published_at), _utc(submission_deadline)
    answer = _utc(_shift(submission, -(minimum_notice_before_submission(regime, accelerated=accelerated)
                                       or timedelta(days=6))))
    if answer <= published:  # too short a tender for the usual gaps: share the time out
        answer = _on_the_minute(published + (submission - published) * 2 / 3)
    clarification = _utc(_shift(submission, -timedelta(days=10)))
    if clarification <= published:
        clarification = _on_the_minute(published + (answer - published) / 2)
    evaluation = working_days_after(_local(submission).date(), 1, region)
    award = _working_day_on_or_after(evaluation + timedelta(weeks=3), region)
    # The award notice is taken as sent at midday: only below_threshold, which has no standstill, uses the time.
    standstill = standstill_end(regime, datetime.combine(award, time(12), tzinfo=LONDON), electronic=electronic)
    last_day_of_standstill = max(award, (_local(standstill) - timedelta(microseconds=1)).date())
    return Timetable(
        published_at=_local(published),
        clarification_deadline=_local(clarification),
        answer_deadline=_local(answer),
        submission_deadline=_local(submission),
        evaluation_on=evaluation,
        award_on=award,
        standstill_end=standstill,
        contract_start=working_days_after(last_day_of_standstill, 1, region),
    )


def _on_the_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


# --- checks ------------------------------------------------------------------------------------------


def check(regime: str, timetable: Timetable, *, accelerated: bool = False,
          electronic: bool = True) -> list[Problem]:
    """Everything wrong with the timetable under the regime, in timetable order; empty when it is fine."""
    _regime(regime)
    t = timetable
    published, clarification = _utc(t.published_at), _utc(t.clarification_deadline)
    answer, submission = _utc(t.answer_deadline), _utc(t.submission_deadline)
    standstill = _utc(t.standstill_end)
    submission_day, standstill_day = _local(submission).date(), _local(standstill).date()
    problems: list[Problem] = []

    def problem(field: str, message: str) -> None:
        problems.append(Problem(field, message))

    # The order every timetable keeps, whatever the regime.
    if clarification <= published:
        problem("clarification_deadline", "The deadline for clarification questions must be after the tender "
                f"is published: make it later than {format_moment(published)}")
    if answer < clarification:
        problem("answer_deadline", "The deadline for answers cannot be before the deadline for clarification "
                "questions, or questions sent at the last moment could not be answered: make it "
                f"{format_moment(clarification)} or later")
    if submission <= answer:
        problem("submission_deadline", "The submission deadline must be after the deadline for answers, so "
                f"that bidders can use the answers in their bids: make it later than {format_moment(answer)}")
    if t.evaluation_on < submission_day:
        problem("evaluation_on", "Evaluation cannot start before the submission deadline: make it "
                f"{format_date(submission_day)} or later")
    if t.award_on < t.evaluation_on:
        problem("award_on", "The award decision cannot be sent before evaluation starts: make it "
                f"{format_date(t.evaluation_on)} or later")
    if standstill_day < t.award_on:
        problem("standstill_end", "The standstill period cannot end before the award decision is sent: make "
                f"it end on {format_date(t.award_on)} or later")
    if t.contract_start < standstill_day:
        problem("contract_start", "The contract cannot start before the standstill period ends: make it "
                f"{format_date(standstill_day)} or later")

    # The regime's minimum periods.
    notice = minimum_notice_before_submission(regime, accelerated=accelerated)
    latest_answer = _utc(_shift(submission, -notice))
    if notice and answer > latest_answer:
        problem("answer_deadline", f"The deadline for answers must be at least {_days(notice.days)} before the "
                f"submission deadline ({_RULES[(regime, 'answers')]}): make it "
                f"{format_moment(latest_answer)} or earlier")
    period = minimum_tender_period(regime)
    earliest_submission = _utc(_shift(published, period))
    if period and submission < earliest_submission:
        problem("submission_deadline", f"The submission deadline must be at least {_days(period.days)} after "
                f"the tender is published ({_RULES[(regime, 'tender_period')]}): make it "
                f"{format_moment(earliest_submission)} or later")
    shortest = _utc(standstill_end(regime, _start_of_day(t.award_on), electronic=electronic))
    if regime != "below_threshold" and standstill < shortest:
        if regime == "scotland":
            days = SCOTLAND_STANDSTILL_DAYS[electronic]
            length = (f"{_days(days)} after the day the award decision is sent"
                      + ("" if electronic else ", as not every award notice is sent electronically"))
        else:
            length = (f"{ENGLAND_STANDSTILL_WORKING_DAYS} working days, counting the day the contract award "
                      "notice is published")
        problem("standstill_end", f"The standstill period must last {length} ({_RULES[(regime, 'standstill')]}): "
                f"make it {format_moment(shortest)} or later")
    order = list(FIELDS)
    return sorted(problems, key=lambda p: order.index(p.field))  # stable: order rules before minimums


def amendment_problem(regime: str, submission_deadline: datetime, amended_at: datetime, *,
                      accelerated: bool = False) -> Problem | None:
    """Whether a change to the tender published at ``amended_at`` needs the submission deadline extended.

    It does when it comes inside the regime's minimum period before the deadline
    (``minimum_notice_before_submission``), or after the deadline under any regime. The Problem says
    the earliest deadline that gives bidders the minimum period after the change.
    """
    notice = minimum_notice_before_submission(regime, accelerated=accelerated)
    submission, amended = _utc(submission_deadline), _utc(amended_at)
    if notice and amended > _utc(_shift(submission, -notice)):
        return Problem("submission_deadline", f"This change comes less than {_days(notice.days)} before the "
                       f"submission deadline ({_RULES[(regime, 'changes')]}): extend the deadline to "
                       f"{format_moment(_shift(amended, notice))} or later")
    if not notice and amended >= submission:
        return Problem("submission_deadline", "This change comes after the submission deadline: extend the "
                       f"deadline to later than {format_moment(amended)}")
    return None

