"""A submitted return as the people who review it and file it read it: the answers grouped by
outcome (reviewed, achieved, the rate against the previous period's, the narrative), delivery
against what was contracted, what changed since the previous version, the evidence, the
versions and the review. The review page, the print view and the PDF are all drawn from this."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from portal.contracts.models import DELIVERY_TASK, Measure, Outcome
from portal.returns import diffs, queries
from portal.returns.models import ACCEPTED, CHANGES_REQUESTED, Return, ReturnVersion

REVIEWED, ACHIEVED, NARRATIVE = ".REVIEWED", ".ACHIEVED", ".NARRATIVE"
CONTRACTED, DELIVERED = "DEL.UNITS_CONTRACTED", "DEL.UNITS_DELIVERED"
ONE_PLACE = Decimal("0.1")


# -- late or on time: the one place pages read it from ------------------------------------------

def lateness(ret: Return) -> str | None:
    """"Late" or "On time" for a return by the one rule (portal.returns.lateness: late when any
    submission came after its deadline); None if it was never submitted."""
    from portal.returns import lateness as rule
    from portal.returns.queries import versions_for

    if ret.first_submitted_at is None:
        return None
    return "Late" if rule.return_is_late(versions_for(ret)) else "On time"


def version_lateness(version: ReturnVersion) -> str:
    """"Late" or "On time" for one submission, against the deadline it was judged by."""
    from portal.returns.lateness import version_is_late

    return "Late" if version_is_late(version) else "On time"


# -- the page's pieces --------------------------------------------------------------------------

@dataclass
class Figure:
    """One answer in the version shown, and how it changed since the previous version."""

    measure: Measure
    value: object
    change: diffs.Change | None = None


@dataclass
class Section:
    """One outcome (or delivery): its figures, what they add up to, and the reviewer's flag."""

    key: str
    title: str
    outcome: Outcome | None
    figures: list[Figure] = field(default_factory=list)
    narrative: Figure | None = None
    reviewed: Decimal | None = None
    achieved: Decimal | None = None
    previous_rate: Decimal | None = None
    contracted: Decimal | None = None
    delivered: Decimal | None = None
    flagged: bool = False
    comment: str = ""

    @property
    def is_delivery(self) -> bool:
        return self.key == DELIVERY_TASK

    @property
    def rate(self) -> Decimal | None:
        return rate(self.reviewed, self.achieved)

    @property
    def rate_change(self) -> Decimal | None:
        """Percentage points since the previous period."""
        if self.rate is None or self.previous_rate is None:
            return None
        return self.rate - self.previous_rate

    @property
    def delivered_share(self) -> Decimal | None:
        """Delivered as a percentage of contracted."""
        if self.contracted is None or self.delivered is None or not self.contracted:
            return None
        return (self.delivered * 100 / self.contracted).quantize(ONE_PLACE)

    @property
    def delivery_gap(self) -> Decimal | None:
        if self.contracted is None or self.delivered is None:
            return None
        return self.delivered - self.contracted

    @property
    def changed(self) -> bool:
        return any(f.change for f in self.all_figures)

    @property
    def all_figures(self) -> list[Figure]:
        return self.figures + ([self.narrative] if self.narrative else [])


@dataclass
class ReviewPage:
    ret: Return
    versions: list[ReturnVersion]
    latest: ReturnVersion | None
    compared_with: ReturnVersion | None  # the version before the latest, whose changes are shown
    sections: list[Section]
    previous_return: Return | None
    previous_version: ReturnVersion | None
    people: dict
    lateness: str | None

    @property
    def first_period(self) -> bool:
        """Whether this is the contract's first period (so there is no previous one to compare with)."""
        return self.ret.period_start <= self.ret.contract.start_date

    @property
    def changes_count(self) -> int:
        return sum(1 for s in self.sections for f in s.all_figures if f.change)

    @property
    def documents(self) -> list[dict]:
        return self.latest.documents if self.latest else []

    @property
    def reviewer(self):
        return self.people.get(self.ret.reviewed_by_id)

    @property
    def accepted(self) -> bool:
        return self.ret.status == ACCEPTED

    @property
    def changes_requested(self) -> bool:
        return self.ret.status == CHANGES_REQUESTED

    def submitted_by(self, version: ReturnVersion):
        return self.people.get(version.submitted_by_id)

    def lateness_of(self, version: ReturnVersion) -> str:
        return version_lateness(version)

    @property
    def flagged_sections(self) -> list[Section]:
        return [s for s in self.sections if s.flagged]

    @property
    def reviewed_at(self) -> datetime | None:
        return self.ret.reviewed_at


def number(value) -> Decimal | None:
    """An answer as a number (answers are kept as strings), or None."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        parsed = Decimal(str(value))
    except InvalidOperation:
        return None
    return parsed if parsed.is_finite() else None


def rate(reviewed: Decimal | None, achieved: Decimal | None) -> Decimal | None:
    """Achieved as a percentage of reviewed, to one place; None when nobody was reviewed."""
    if reviewed is None or achieved is None or reviewed <= 0:
        return None
    return (achieved * 100 / reviewed).quantize(ONE_PLACE)


def _section_rate(answers: dict | None, key: str) -> Decimal | None:
    if not answers:
        return None
    return rate(number(answers.get(key + REVIEWED)), number(answers.get(key + ACHIEVED)))


def build(ret: Return, version: ReturnVersion | None = None) -> ReviewPage:
    """A submitted version of ``ret`` (the latest unless given), grouped and compared with the
    version before it (a fixed number of queries)."""
    versions = queries.versions_for(ret)
    latest = version or (versions[-1] if versions else None)
    compared_with = next((v for v in versions if latest and v.number == latest.number - 1), None)
    previous_return, previous_version = queries.previous_period_version(ret)
    measures = queries.measures_for(ret)
    answers = latest.answers if latest else {}
    changed = diffs.changes(compared_with.answers if compared_with else None, answers, measures)
    comments = ret.section_comments or {}
    sections: dict[str, Section] = {}
    for measure in measures:
        key = measure.task
        section = sections.get(key)
        if section is None:
            outcome = measure.outcome
            title = (outcome.short_name or outcome.text) if outcome else "Service delivery"
            section = sections[key] = Section(key=key, title=title, outcome=outcome,
                                              flagged=key in (ret.problem_tasks or []),
                                              comment=comments.get(key, ""))
        figure = Figure(measure=measure, value=answers.get(measure.code), change=changed.get(measure.code))
        if measure.is_narrative and section.narrative is None:
            section.narrative = figure
        else:
            section.figures.append(figure)
    for section in sections.values():
        if section.is_delivery:
            section.contracted, section.delivered = number(answers.get(CONTRACTED)), number(answers.get(DELIVERED))
        else:
            section.reviewed = number(answers.get(section.key + REVIEWED))
            section.achieved = number(answers.get(section.key + ACHIEVED))
            section.previous_rate = _section_rate(previous_version.answers if previous_version else None,
                                                  section.key)
    ordered = [s for s in sections.values() if not s.is_delivery] + [s for s in sections.values() if s.is_delivery]
    who = queries.people(ret.reviewed_by_id, ret.declared_by_id, *(v.submitted_by_id for v in versions))
    return ReviewPage(ret=ret, versions=versions, latest=latest, compared_with=compared_with, sections=ordered,
                      previous_return=previous_return, previous_version=previous_version, people=who,
                      lateness=lateness(ret))


def outcome_part(measure: Measure) -> str | None:
    """Which of an outcome's standard questions a measure is (.REVIEWED, .ACHIEVED, .NARRATIVE)."""
    if measure.outcome is None:
        return None
    for part in (REVIEWED, ACHIEVED, NARRATIVE):
        if measure.code == measure.outcome.code + part:
            return part
    return None
