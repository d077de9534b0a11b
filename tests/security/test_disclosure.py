"""Disclosure: no figure suppressed for small numbers can be recovered from other figures the same
member can obtain. Property-based (hypothesis) over the collaborative view's rule
(portal.reporting.suppression.pooled_suppression, used by pooled_outcomes for the page, its CSV
and Excel downloads and the API): generated members' figures by month, every period range a
member can ask for, every threshold from the floor up, and the differences between them.

Within one view the rule is checked exhaustively for small worlds in
tests/collaboratives/test_suppression.py; here hypothesis reaches larger figures. Across views
(two period ranges that differ by one month, or the floor and a raised threshold) a member can
subtract one shown figure from another.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.reporting.suppression import DEFAULT_FLOOR, is_small, pooled_suppression

FLOOR = DEFAULT_FLOOR  # 5, the configured default (SUPPRESSION_THRESHOLD)
MONTHS = 3


@st.composite
def figure(draw):
    reviewed = draw(st.integers(min_value=0, max_value=40))
    return reviewed, draw(st.integers(min_value=0, max_value=reviewed))


@st.composite
def worlds(draw):
    """Members (2 to 4) with a (reviewed, achieved) figure for each month."""
    members = draw(st.integers(min_value=2, max_value=4))
    return {m: [draw(figure()) for _ in range(MONTHS)] for m in range(members)}


def view(world, months: range, threshold: int = FLOOR):
    """What the collaborative page shows for a period range: each member's figure or None, and the
    pooled figure or None (pooled_outcomes sums each member's rollup over the range first)."""
    cells = {m: (sum(Decimal(f[i][0]) for i in months), sum(Decimal(f[i][1]) for i in months))
             for m, f in world.items()}
    hidden, pooled_hidden = pooled_suppression(cells, threshold=threshold, floor=FLOOR, viewers=set(world))
    shown = {m: (None if m in hidden else cells[m]) for m in cells}
    pooled = None if pooled_hidden else tuple(map(sum, zip(*cells.values())))
    return shown, pooled


def _ranges():
    return [range(a, b) for a in range(MONTHS) for b in range(a + 1, MONTHS + 1)]


def test_one_view_hides_what_the_rule_says():
    shown, pooled = view({0: [(3, 1)] * MONTHS, 1: [(30, 15)] * MONTHS}, range(0, 1))
    assert shown[0] is None and shown[1] == (30, 15)
    assert pooled is None  # two members: pooled minus the viewer's own would be the other's


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_a_shown_pooled_figure_never_gives_away_one_hidden_member(world):
    """In every single view: pooled minus what a member sees (its own figure and the shown ones)
    is never exactly one other member's hidden figure."""
    for months in _ranges():
        shown, pooled = view(world, months)
        if pooled is None:
            continue
        hidden = [m for m, v in shown.items() if v is None]
        for viewer in world:
            unknown = [m for m in hidden if m != viewer]
            assert len(unknown) != 1, (months, viewer, world)


@pytest.mark.xfail(strict=True, reason="Known leak, reported and not fixed in this round: two period ranges "
                   "that differ by one month are each shown, so their difference is a member's month that is "
                   "suppressed on its own. The fix is to suppress by the smallest period a range can be "
                   "differenced to (secondary suppression across periods).")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_differences_between_period_ranges_reveal_no_hidden_month(world):
    """A member asks for two period ranges that differ by one month at either end (months 1-2 and
    1-3, or 2-3 and 1-3): if both show member M's figure, their difference is M's figure for that
    month, which the one-month view must not be hiding."""
    views = {(r.start, r.stop): view(world, r)[0] for r in _ranges()}
    for (start, stop), outer in views.items():
        if stop - start < 2:
            continue
        for inner, month in (((start, stop - 1), stop - 1), ((start + 1, stop), start)):
            alone = views[(month, month + 1)]
            for m in world:
                if outer[m] is not None and views[inner][m] is not None:
                    assert alone[m] is not None, f"member {m}'s month {month}: {world[m][month]} from {outer[m]} " \
                                                 f"minus {views[inner][m]}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.integers(min_value=FLOOR + 1, max_value=12))
def test_a_raised_threshold_shows_nothing_the_floor_hides(world, threshold):
    """A filter may raise the threshold, never lower it: what a raised view shows, the floor shows."""
    for months in _ranges():
        at_floor, pooled_floor = view(world, months)
        raised, pooled_raised = view(world, months, threshold)
        for m in world:
            if raised[m] is not None:
                assert at_floor[m] == raised[m]
        if pooled_raised is not None:
            assert pooled_floor == pooled_raised
