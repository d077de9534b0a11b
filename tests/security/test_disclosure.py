"""Disclosure: no figure suppressed for small numbers can be recovered from other figures the same
member can obtain. Property-based (hypothesis) over the collaborative view's rules
(portal.reporting.suppression: pooled_suppression for a completed year, growing_year_suppression
for the year in progress; pooled_outcomes uses them for the page and its CSV and Excel downloads,
the only views of it): generated members' figures by month, every threshold from the floor up, and the
differences between what a member can obtain.

A member obtains whole financial years only. Completed years do not overlap, so each is one view
(the single-view tests below run over every range of months, more than the product offers). The
year in progress grows a month at a time, so a member can save it month after month and subtract
one snapshot from the next: the snapshot test covers that.

Within one view the rule is checked exhaustively for small worlds in
tests/collaboratives/test_suppression.py; here hypothesis reaches larger figures.
"""
from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.reporting.suppression import DEFAULT_FLOOR, growing_year_suppression, is_small, pooled_suppression

FLOOR = DEFAULT_FLOOR  # 5, the configured default (SUPPRESSION_THRESHOLD)
MONTHS = 4


@st.composite
def figure(draw):
    """(reviewed, achieved) for a month: often small, sometimes nobody."""
    reviewed = draw(st.one_of(st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=40)))
    return reviewed, draw(st.integers(min_value=0, max_value=reviewed))


@st.composite
def worlds(draw):
    """Members (2 to 4) with a (reviewed, achieved) figure for each month."""
    members = draw(st.integers(min_value=2, max_value=4))
    return {m: [draw(figure()) for _ in range(MONTHS)] for m in range(members)}


def total(figures) -> tuple[Decimal, Decimal]:
    reviewed, achieved = Decimal(0), Decimal(0)
    for r, a in figures:
        reviewed, achieved = reviewed + r, achieved + a
    return reviewed, achieved


def minus(a, b) -> tuple[Decimal, Decimal]:
    return Decimal(a[0]) - Decimal(b[0]), Decimal(a[1]) - Decimal(b[1])


def nothing(figure) -> bool:
    return figure[0] == 0 and figure[1] == 0


def view(world, months: range, threshold: int = FLOOR):
    """What the collaborative page shows for a completed period range: each member's figure or
    None, and the pooled figure or None (pooled_outcomes sums each member's rollup first)."""
    cells = {m: total(f[i] for i in months) for m, f in world.items()}
    hidden, pooled_hidden = pooled_suppression(cells, threshold=threshold, floor=FLOOR, viewers=set(world))
    shown = {m: (None if m in hidden else cells[m]) for m in cells}
    pooled = None if pooled_hidden else total(cells.values())
    return shown, pooled


def snapshot(world, k: int, threshold: int = FLOOR):
    """The year in progress as the page shows it when months 0..k-1 are in: the same shape."""
    months = [{m: f[i] for m, f in world.items()} for i in range(k)]
    hidden, pooled_hidden = growing_year_suppression(months, threshold=threshold, floor=FLOOR, viewers=set(world))
    cells = {m: total(f[:k]) for m, f in world.items()}
    shown = {m: (None if m in hidden else cells[m]) for m in cells}
    pooled = None if pooled_hidden else total(cells.values())
    return shown, pooled


def month_alone(world, month: int, threshold: int):
    """The view of one month on its own, the safe view (a single view, checked exhaustively in
    test_suppression.py): which members it hides and whether it hides the pooled figure. A
    member that reviewed nobody that month adds nothing to it and is left out."""
    cells = {m: f[month] for m, f in world.items() if not nothing(f[month])}
    return pooled_suppression(cells, threshold=threshold, floor=FLOOR, viewers=set(world))


def _ranges():
    return [range(a, b) for a in range(MONTHS) for b in range(a + 1, MONTHS + 1)]


def _views(world, threshold: int = FLOOR):
    """Every single view: every range as a completed period, and every snapshot of the year in
    progress."""
    for months in _ranges():
        yield ("range", months.start, months.stop), view(world, months, threshold)
    for k in range(1, MONTHS + 1):
        yield ("snapshot", k), snapshot(world, k, threshold)


def test_one_view_hides_what_the_rule_says():
    shown, pooled = view({0: [(3, 1)] * MONTHS, 1: [(30, 15)] * MONTHS}, range(0, 1))
    assert shown[0] is None and shown[1] == (30, 15)
    assert pooled is None  # two members: pooled minus the viewer's own would be the other's


def test_the_year_in_progress_hides_a_member_with_a_small_month():
    """November's snapshot shows 20 of 10; December's would show 23 of 11, and the difference is
    3 of 1. The same months as a completed range are shown: one view, no difference."""
    world = {0: [(20, 10), (3, 1), (20, 10), (20, 10)], 1: [(30, 15)] * MONTHS, 2: [(30, 15)] * MONTHS}
    assert snapshot(world, 1)[0][0] == (20, 10)
    assert snapshot(world, 2)[0][0] is None and snapshot(world, 4)[0][0] is None
    assert view(world, range(0, 2))[0][0] == (23, 11)
    # A month with nothing in it (no return yet) hides nobody.
    quiet = {0: [(20, 10), (0, 0)], 1: [(30, 15), (30, 15)], 2: [(30, 15), (0, 0)]}
    shown, pooled = growing_year_suppression([{m: f[i] for m, f in quiet.items()} for i in range(2)],
                                             threshold=FLOOR, floor=FLOOR)
    assert shown == set() and pooled is False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_a_shown_pooled_figure_never_gives_away_one_hidden_member(world):
    """In every single view: pooled minus what a member sees (its own figure and the shown ones)
    is never exactly one other member's hidden figure."""
    for which, (shown, pooled) in _views(world):
        if pooled is None:
            continue
        hidden = [m for m, v in shown.items() if v is None]
        for viewer in world:
            unknown = [m for m in hidden if m != viewer]
            assert len(unknown) != 1, (which, viewer, world)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.integers(min_value=FLOOR + 1, max_value=12))
def test_snapshots_of_the_year_in_progress_reveal_no_small_month(world, raised):
    """What a member really obtains over a year: completed years, which do not overlap, and the
    year in progress saved month after month (months 1..k for k = 1..n). Two consecutive
    snapshots, at the floor or a raised threshold each, differ by month k. For every member shown
    in both, the difference is its month k; for the pooled figure shown in both, the difference
    minus the viewer's own month and the members shown in both is the total of the others. No
    such figure is one other member's small month, and none is a figure the one-month view at
    that threshold hides. A difference of nothing (no one reviewed that month, or no return yet)
    names nobody and is allowed, as in the rule.

    Where the two snapshots are at different thresholds, the floor's rule is the one to meet
    (what a raised view shows, the floor shows: that difference is the floor's too)."""
    thresholds = (FLOOR, raised)
    snapshots = {(k, t): snapshot(world, k, t) for k in range(1, MONTHS + 1) for t in thresholds}
    for k in range(1, MONTHS):
        month = k  # snapshot k covers months 0..k-1, snapshot k + 1 adds month k
        for before_t, after_t in itertools.product(thresholds, repeat=2):
            threshold = min(before_t, after_t)
            (before, pooled_before), (after, pooled_after) = snapshots[(k, before_t)], snapshots[(k + 1, after_t)]
            alone_hidden, alone_pooled_hidden = month_alone(world, month, threshold)
            context = (month, before_t, after_t, world)
            known = {m: minus(after[m], before[m]) for m in world if after[m] is not None and before[m] is not None}
            for m, difference in known.items():
                assert difference == world[m][month], context
                assert nothing(difference) or (not is_small(*difference, threshold) and m not in alone_hidden), \
                    (m, difference, context)
            if pooled_before is None or pooled_after is None:
                continue
            pooled_month = minus(pooled_after, pooled_before)
            assert nothing(pooled_month) or not alone_pooled_hidden, (pooled_month, context)
            for viewer in world:
                others = [m for m in world if m != viewer and m not in known]
                rest = minus(minus(pooled_month, world[viewer][month]),
                             total(known[m] for m in known if m != viewer))
                if len(others) == 1:
                    assert rest == world[others[0]][month], context
                    assert nothing(rest) or not is_small(*rest, threshold), (viewer, others, rest, context)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.integers(min_value=FLOOR + 1, max_value=12))
def test_a_raised_threshold_shows_nothing_the_floor_hides(world, threshold):
    """A filter may raise the threshold, never lower it: what a raised view shows, the floor shows."""
    for (which, (at_floor, pooled_floor)), (same, (raised, pooled_raised)) in zip(_views(world),
                                                                                _views(world, threshold)):
        assert which == same
        for m in world:
            if raised[m] is not None:
                assert at_floor[m] == raised[m]
        if pooled_raised is not None:
            assert pooled_floor == pooled_raised
