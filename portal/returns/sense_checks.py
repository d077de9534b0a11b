"""Sense checks on a return's figures.

- An **error** stops a save: more people achieving an outcome than were reviewed for it.
- A **warning** asks the person to look again: a figure that moved a long way from the one the
  same contract's return gave for the previous period (its latest submitted version). The
  person confirms it (it is kept in ``Return.confirmed_warnings``, for that figure only: change
  the figure and the confirmation goes); a return is submitted only once every warning is
  confirmed, and the confirmations are frozen into the version for the commissioner to see.

Only the provider's own returns are compared, so a check never depends on another tenant's data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select

from portal.contracts.frameworks import short_name_of
from portal.contracts.models import Measure
from portal.extensions import db
from portal.models_base import utcnow
from portal.returns.models import Return, ReturnVersion

LONDON = ZoneInfo("Europe/London")
REVIEWED, ACHIEVED = ".REVIEWED", ".ACHIEVED"
NUMERIC = ("integer", "decimal", "percentage")
#: A figure is far from the previous period's when it moved by more than half of it...
RATIO = Decimal("0.5")
#: ...and by more than this much (so 2 people becoming 4 does not ask for a confirmation).
FLOOR = Decimal("5")


def _text(value: Decimal) -> str:
    value = Decimal(value)
    return format(value.normalize(), "f") if value == value.to_integral() else str(value.normalize())


# -- errors ---------------------------------------------------------------------------------------

def impossible_figures(numbers: dict[str, Decimal | None], changed: set[str]) -> dict[str, str]:
    """Messages by measure code for outcomes with more people achieving them than reviewed.

    ``numbers`` are the figures as they would be after the save; the message goes on the figure
    being changed (the achieved one when both are)."""
    errors = {}
    for code, achieved in numbers.items():
        if not code.endswith(ACHIEVED) or achieved is None:
            continue
        reviewed_code = code[: -len(ACHIEVED)] + REVIEWED
        reviewed = numbers.get(reviewed_code)
        if reviewed is None or achieved <= reviewed:
            continue
        field = reviewed_code if reviewed_code in changed and code not in changed else code
        errors[field] = (f"People who achieved or sustained this outcome ({_text(achieved)}) cannot be more than "
                         f"people reviewed ({_text(reviewed)}): check both figures")
    return errors


# -- warnings -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FigureWarning:
    code: str
    label: str
    value: str      # the figure now, as text
    previous: str   # the previous period's figure
    period: str     # the previous period, in words ("December 2024")
    message: str
    section: str = ""  # what pages call the measure's section ("Safe from harm", "Service delivery")

    def record(self, actor, now: datetime) -> dict:
        """What is kept once the person confirms it (and frozen into the version)."""
        return {"label": self.label, "section": self.section, "value": self.value, "previous": self.previous,
                "period": self.period, "message": self.message, "confirmed_by": getattr(actor, "display_name", None),
                "confirmed_by_id": getattr(actor, "id", None), "confirmed_at": now.isoformat(),
                "confirmed_on": now.astimezone(LONDON).strftime("%-d %b %Y %H:%M")}


@dataclass(frozen=True)
class PreviousFigures:
    period_start: date
    period_end: date
    answers: dict

    @property
    def period(self) -> str:
        start, end = self.period_start, self.period_end
        if start.day == 1 and (start.year, start.month) == (end.year, end.month):
            return start.strftime("%B %Y")
        return f"{start:%-d %b %Y} to {end:%-d %b %Y}"


def previous_figures(ret: Return) -> PreviousFigures | None:
    """The latest submitted answers of the same contract's most recent earlier period."""
    row = db.session.execute(
        select(Return.period_start, Return.period_end, ReturnVersion.answers)
        .join(ReturnVersion, and_(ReturnVersion.return_id == Return.id, ReturnVersion.tenant_id == Return.tenant_id))
        .where(Return.contract_id == ret.contract_id, Return.tenant_id == ret.tenant_id,
               Return.period_start < ret.period_start)
        .order_by(Return.period_start.desc(), ReturnVersion.number.desc()).limit(1)).first()
    return None if row is None else PreviousFigures(row.period_start, row.period_end, row.answers)


def _number(raw) -> Decimal | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        number = Decimal(str(raw))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def far_from(value: Decimal, previous: Decimal) -> bool:
    change = abs(value - previous)
    return change > FLOOR and change > abs(previous) * RATIO


def _message(value: Decimal, previous: Decimal, period: str) -> str:
    direction = "higher" if value > previous else "lower"
    text = f"{_text(value)} is much {direction} than the {_text(previous)} you gave for {period}"
    if previous:
        percent = abs((value - previous) * 100 / previous).quantize(Decimal(1))
        text += f" ({percent}% {'more' if value > previous else 'less'})"
    return text + ". Check it is right."


def warnings_for(measures: list[Measure], numbers: dict[str, Decimal | None],
                 previous: PreviousFigures | None) -> list[FigureWarning]:
    """A warning for each numeric figure in ``numbers`` (code -> figure) far from ``previous``."""
    if previous is None:
        return []
    found = []
    for measure in measures:
        value, before = numbers.get(measure.code), _number(previous.answers.get(measure.code))
        if measure.type not in NUMERIC or value is None or before is None or not far_from(value, before):
            continue
        section = (short_name_of(measure.outcome) + f" ({measure.outcome.code})") if measure.outcome \
            else "Service delivery"
        found.append(FigureWarning(code=measure.code, label=measure.label, value=_text(value), previous=_text(before),
                                   period=previous.period, message=_message(value, before, previous.period),
                                   section=section))
    return found


def is_confirmed(ret: Return, warning: FigureWarning) -> bool:
    kept = (ret.confirmed_warnings or {}).get(warning.code)
    return bool(kept) and kept.get("value") == warning.value and kept.get("previous") == warning.previous


def unconfirmed(ret: Return, warnings: list[FigureWarning]) -> list[FigureWarning]:
    return [w for w in warnings if not is_confirmed(ret, w)]


def confirm(ret: Return, warnings: list[FigureWarning], *, actor, now: datetime | None = None) -> None:
    """Keep the person's confirmation of each warning (for its figure as it is now)."""
    if not warnings:
        return
    now = now or utcnow()
    kept = dict(ret.confirmed_warnings or {})
    for warning in warnings:
        if not is_confirmed(ret, warning):
            kept[warning.code] = warning.record(actor, now)
    ret.confirmed_warnings = kept


def forget(ret: Return, codes: set[str]) -> None:
    """Drop the confirmations of figures that changed (a new figure needs a new look)."""
    kept = ret.confirmed_warnings or {}
    if codes & set(kept):
        ret.confirmed_warnings = {code: item for code, item in kept.items() if code not in codes}


def frozen(ret: Return, warnings: list[FigureWarning]) -> dict:
    """The confirmations of the warnings that apply, as a version keeps them."""
    kept = ret.confirmed_warnings or {}
    return {w.code: kept[w.code] for w in warnings if is_confirmed(ret, w)}
