"""Small-number suppression: the configured floor, the rule for one figure, and the rule for a
figure pooled from several organisations.

**The floor.** ``SUPPRESSION_THRESHOLD`` (default 5) is the least number of people a shown
figure may rest on. A filter may raise it, never lower it: a lower value is an error that names
the floor, and the queries apply the floor again whatever they are given.

**One figure.** Counts of people reviewed (R) and achieving an outcome (A) are hidden when
R < t, or 0 < A < t, or 0 < R - A < t (a zero is shown: it names nobody).

**A pooled figure.** A collaborative shows each member's figure and the sum over members. A
member V knows its own contribution even when its own figure is hidden, so from the pooled
figure it works out the total of every *other* hidden member: with H the hidden members, V
learns the sum over H without V. And V knows the rule: every hidden member failed the
one-figure rule, and the pooled figure was shown only if the rule's checks passed. Three holes
follow, each found by the exhaustive search in tests/collaboratives/test_suppression.py:

1. One other member hidden: the total *is* its figure (two members: pooled minus own).
2. Two or more others hidden, but their total small or with a zero: if B and C are hidden and
   together reviewed 6 people of whom none achieved, each reviewed fewer than the threshold
   (4, say), so each reviewed 3. So the total each member learns must reach the threshold in
   reviewed, achieved and not-achieved, for every member.
3. That check itself leaks: knowing it passed for every *other* member bounds each hidden
   member's figure from above (its share of the hidden total), and near the bounds the figures
   are pinned (three members all hidden, totals of 4 not achieving, each then exactly 2).
   Requiring the hidden members' total to be more than twice the threshold in every count
   leaves room between the bounds.

So a pooled figure is shown only when it passes the one-figure rule, and either no member is
hidden, or at least three are, their total (pooled minus the members shown) is more than twice
the threshold in reviewed, achieved and not-achieved, and for every member V the hidden members
other than V total at least the threshold in each. The search finds no hidden count that any
member can pin down from the page, for two to three members and thresholds 3 to 5; the
narrowest range it leaves is the 1 to threshold-1 band a suppressed figure shows by itself.

Raising the threshold hides more members, and a view at a raised threshold may be set beside
the view at the floor. So the pooled figure is shown at a raised threshold only when it is
shown at the floor and, at the raised threshold, passes the one-figure rule and the hidden-total
check, both worked out from what is shown (the pooled figure and the members shown at the
floor): a raised threshold then tells a member nothing the floor's view did not. The floor must
be at least 3: at 2 a hidden count is exactly 1 and the search pins figures down.

**The financial year in progress.** The view offers whole financial years, which do not overlap,
so no view is the difference of two others: except the year in progress, which grows a month at
a time. A member who saves the view in November and again in December subtracts the two and has
every shown member's December figure and, when the pooled figure is shown both times, the pooled
December figure; either may be small. So for a range that reaches the current month
(``growing_year_suppression``):

- A member is hidden also when any one month of the range fails the one-figure rule on its own.
  Figures that pass add up to figures that pass, so the range passes too; a member shown in
  December was shown in November (unless it had nothing before December); and the difference,
  its December figure, passes. A month in which a member reviewed nobody (or sent no return yet,
  as the current month usually is) adds nothing and is passed over: a difference of nothing
  names nobody, and counting it would hide every member until the month's returns are in.
- The pooled figure is shown only when the rule above shows it for the range with that larger
  hidden set, and the pooled figure of each month on its own (members with nothing that month
  left out) would be shown by the rule above at the same threshold. What a member works out from
  two snapshots is then no more than a one-month view would show it.
- A raised threshold makes the month checks at that threshold too, after the floor's, so it
  still shows nothing the floor hides; what it adds is what one-month views at the floor and at
  that threshold would tell.

tests/security/test_disclosure.py checks every difference between consecutive snapshots.

The accepted limit. Completed years keep the rule for one view, so when the year ends the month
checks stop: a member hidden since a small February is shown again in April, and the April view
minus the last snapshot that showed it gives its February and March together (February alone if
March had nothing). And a late revision, a return corrected after the year ended (or for an
earlier month of the year in progress), changes a figure a member has already seen: the
difference between the views before and after is the correction, which may be small.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from decimal import Decimal

from flask import current_app, has_app_context

DEFAULT_FLOOR = 5
MAX_THRESHOLD = 100


def threshold_floor() -> int:
    """The configured least threshold (``SUPPRESSION_THRESHOLD``)."""
    if has_app_context():
        return int(current_app.config.get("SUPPRESSION_THRESHOLD", DEFAULT_FLOOR))
    return DEFAULT_FLOOR


def effective_threshold(requested: int | None) -> int:
    """The threshold a query uses: the requested one, raised to the floor."""
    floor = threshold_floor()
    return floor if requested is None else max(int(requested), floor)


def threshold_field(value) -> tuple[int, str | None]:
    """The threshold from a form or an address: blank means the floor; below the floor, above
    100 or not a whole number is an error saying what to enter (and the floor stands in)."""
    floor = threshold_floor()
    text = str(value if value is not None else "").strip()
    if not text:
        return floor, None
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or not floor <= number <= MAX_THRESHOLD:
        return floor, (f"Enter a whole number from {floor} to {MAX_THRESHOLD}: figures built on fewer than "
                       f"{floor} people are always suppressed")
    return number, None


def is_small(reviewed, achieved, threshold: int) -> bool:
    """The one-figure rule (the SQL of the outcome queries says the same)."""
    reviewed, achieved = Decimal(reviewed or 0), Decimal(achieved or 0)
    not_achieved = reviewed - achieved
    return reviewed < threshold or 0 < achieved < threshold or 0 < not_achieved < threshold


def _totals(cells: Mapping[Hashable, tuple], members) -> tuple[Decimal, Decimal, Decimal]:
    reviewed = sum((Decimal(cells[m][0]) for m in members), Decimal(0))
    achieved = sum((Decimal(cells[m][1]) for m in members), Decimal(0))
    return reviewed, achieved, reviewed - achieved


def _hidden_total_large(cells: Mapping[Hashable, tuple], hidden: set, threshold: int) -> bool:
    """Public once the pooled figure is shown: at least three hidden members, and their total
    (pooled minus the members shown) above twice the threshold in every count."""
    return not hidden or (len(hidden) >= 3 and min(_totals(cells, hidden)) > 2 * threshold)


def _each_member_learns_a_safe_total(cells: Mapping[Hashable, tuple], hidden: set, viewers: set,
                                     threshold: int) -> bool:
    """What member V works out, the total of the hidden members other than V, rests on at least
    two members and reaches the threshold in every count, for every V."""
    for viewer in viewers:
        others = hidden - {viewer}
        if hidden and (len(others) < 2 or min(_totals(cells, others)) < threshold):
            return False
    return True


def _small_members(cells: Mapping[Hashable, tuple], threshold: int) -> set:
    return {m for m, (r, a) in cells.items() if is_small(r, a, threshold)}


def _pooled_shown(cells: Mapping[Hashable, tuple], at_floor: set, hidden: set, *, threshold: int, floor: int,
                  viewers: set) -> bool:
    """The pooled figure's checks, with the members hidden at the floor and at ``threshold``."""
    pooled_reviewed, pooled_achieved, _ = _totals(cells, set(cells))
    shown_at_floor = (not is_small(pooled_reviewed, pooled_achieved, floor)
                      and _hidden_total_large(cells, at_floor, floor)
                      and _each_member_learns_a_safe_total(cells, at_floor, viewers, floor))
    return (shown_at_floor and not is_small(pooled_reviewed, pooled_achieved, threshold)
            and _hidden_total_large(cells, hidden, threshold))


def pooled_suppression(cells: Mapping[Hashable, tuple], *, threshold: int, floor: int,
                       viewers: Iterable[Hashable] = ()) -> tuple[set, bool]:
    """Which members' figures are hidden at ``threshold``, and whether the pooled figure is.

    ``cells`` maps each contributing member to its (reviewed, achieved); ``viewers`` are every
    organisation that sees the result (the contributors are always among them). The pooled
    figure is shown at the floor only when every check passes there; at a raised threshold it
    is shown only when it is shown at the floor and the public checks pass at that threshold
    too, so what a raised threshold adds can be worked out from the floor's view.
    """
    viewers = set(viewers) | set(cells)
    hidden = _small_members(cells, threshold)
    shown = _pooled_shown(cells, _small_members(cells, floor), hidden, threshold=threshold, floor=floor,
                          viewers=viewers)
    return hidden, not shown


def _nothing(cell: tuple) -> bool:
    """Nobody reviewed and nobody achieved: a month that adds nothing to any figure."""
    return not Decimal(cell[0] or 0) and not Decimal(cell[1] or 0)


def growing_year_suppression(months: Sequence[Mapping[Hashable, tuple]], *, threshold: int, floor: int,
                             viewers: Iterable[Hashable] = ()) -> tuple[set, bool]:
    """``pooled_suppression`` for a range that is still growing (the financial year in progress),
    from each month's cells (member to (reviewed, achieved)): a member is hidden also when one
    month of its own fails the one-figure rule, and the pooled figure is shown only when it is
    shown for the range with those members hidden and each month's pooled figure would be shown
    on its own. The figures shown are the range's totals, as for any range; a member with
    nothing in the range is hidden by the one-figure rule, as in any range."""
    every_member = {m for month in months for m in month}
    months = [{m: cell for m, cell in month.items() if not _nothing(cell)} for month in months]
    cells = {m: (sum((Decimal(month[m][0]) for month in months if m in month), Decimal(0)),
                 sum((Decimal(month[m][1]) for month in months if m in month), Decimal(0)))
             for m in every_member}
    viewers = set(viewers) | every_member

    def hidden_at(t: int) -> set:
        return _small_members(cells, t).union(*(_small_members(month, t) for month in months))

    at_floor, hidden = hidden_at(floor), hidden_at(threshold)
    shown = (_pooled_shown(cells, at_floor, hidden, threshold=threshold, floor=floor, viewers=viewers)
             and not any(pooled_suppression(month, threshold=threshold, floor=floor, viewers=viewers)[1]
                         for month in months if month))
    return hidden, not shown
