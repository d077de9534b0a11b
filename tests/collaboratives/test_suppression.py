"""Pooled figures that no member can difference: the rule checked exhaustively over small
figures, and the attacks tried through the page and its CSV and Excel downloads."""
from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from dateutil.relativedelta import relativedelta
from openpyxl import load_workbook

from tests.conftest import Browserless
from tests.helpers import run_jobs
from tests.outcomes.test_outcomes import _submit
from tests.reporting.builders import commissioner_with_provider, submit, this_month


# -- the rule, against every small world ---------------------------------------------------------

def _simple_rule(cells, *, threshold, floor):
    """The first idea: show the pooled figure when no member or at least three are hidden."""
    from portal.reporting.suppression import is_small

    hidden = {m for m, (r, a) in cells.items() if is_small(r, a, threshold)}
    reviewed, achieved = sum(r for r, _a in cells.values()), sum(a for _r, a in cells.values())
    return hidden, is_small(reviewed, achieved, threshold) or len(hidden) in (1, 2)


def determined_figures(rule, members: int, floor: int, largest: int, raised: tuple[int, ...] = ()) -> list:
    """Every world of ``members`` members with up to ``largest`` people reviewed each, seen by
    each member as the page shows it at the floor and at each ``raised`` threshold: its own
    figure, the figures shown, the pooled figure if shown anywhere, and where it was shown. A
    hidden member's reviewed, achieved or not-achieved count that is the same in every world a
    member cannot tell apart is one that member has worked out."""
    cells = [(r, a) for r in range(largest + 1) for a in range(r + 1)]
    possible = defaultdict(lambda: defaultdict(set))
    for world in itertools.product(cells, repeat=members):
        data = dict(enumerate(world))
        decisions = [rule(data, threshold=t, floor=floor) for t in (floor, *raised)]
        hidden = decisions[0][0]
        shown = tuple(not pooled_hidden for _h, pooled_hidden in decisions)
        pooled = (sum(r for r, _a in world), sum(a for _r, a in world)) if any(shown) else None
        for viewer in range(members):
            seen = (viewer, data[viewer], tuple(None if m in hidden else data[m] for m in range(members)), pooled,
                    shown)
            for m in hidden - {viewer}:
                r, a = data[m]
                possible[seen][(m, "reviewed")].add(r)
                possible[seen][(m, "achieved")].add(a)
                possible[seen][(m, "not achieved")].add(r - a)
    found = []
    for (viewer, own, visible, pooled, _shown), figures in possible.items():
        if pooled is not None:
            others = pooled[0] - sum(v[0] for v in visible if v is not None) - (0 if visible[viewer] else own[0])
            if others > largest:  # larger worlds were not listed, so a figure could look pinned
                continue
        found += [(viewer, own, visible, pooled, figure, values.pop())
                  for figure, values in figures.items() if len(values) == 1]
    return found


def test_the_simple_rule_lets_a_member_work_out_hidden_figures():
    """Why the rule is stronger than 'none or at least three hidden': with three members all
    hidden, a member works out the others' figures from bounds on them (this shows the search
    below finds such leaks)."""
    assert determined_figures(_simple_rule, members=3, floor=3, largest=8)


@pytest.mark.parametrize("members,floor,largest,raised", [(2, 5, 14, (7,)), (3, 3, 9, (4, 6)), (3, 4, 10, ())])
def test_no_member_can_work_out_a_hidden_figure(members, floor, largest, raised):
    from portal.reporting.suppression import pooled_suppression

    assert determined_figures(pooled_suppression, members, floor, largest, raised) == []


def test_the_rule_on_hand_picked_figures():
    from portal.reporting.suppression import pooled_suppression

    def decide(cells, threshold=5):
        return pooled_suppression(cells, threshold=threshold, floor=5)

    assert decide({"a": (40, 30), "b": (3, 2)}) == ({"b"}, True)  # pooled minus own gives b away
    assert decide({"a": (40, 30), "b": (3, 2), "c": (50, 25)}) == ({"b"}, True)
    assert decide({"a": (40, 30), "b": (20, 10), "c": (50, 25)}) == (set(), False)
    # Three members hidden (few achieved each) protect each other: the others' total is large.
    assert decide({"a": (30, 4), "b": (30, 4), "c": (30, 4)}) == ({"a", "b", "c"}, False)
    # ...but not when one of them would learn a small total: c (57 of 60 achieved, 3 did not)
    # would learn from the pooled figure that a and b achieved it for 2 people between them.
    assert decide({"a": (30, 1), "b": (30, 1), "c": (60, 57)}) == ({"a", "b", "c"}, True)
    # The same at threshold 4, where the search below would need worlds too large to list: v (9 of
    # 12 achieved, 3 did not) would learn that b and c reviewed 6 between them and none achieved;
    # each is hidden, so with none achieving each reviewed fewer than 4: 3 each.
    assert pooled_suppression({"v": (12, 9), "b": (3, 0), "c": (3, 0)}, threshold=4, floor=4) == (
        {"v", "b", "c"}, True)
    # Raised to 6, the hidden total of 12 achieving is no longer above twice the threshold.
    assert decide({"a": (30, 4), "b": (30, 4), "c": (30, 4)}, threshold=6)[1] is True
    assert pooled_suppression({"a": (40, 30), "b": (20, 10)}, threshold=25, floor=5) == ({"a", "b"}, True)


# -- the attacks through the page and its downloads ------------------------------------------------

def _collaborative(app, make_org, make_user, figures: dict[str, tuple[int, int] | dict[date, tuple[int, int]]]
                   ) -> dict:
    """One commissioner per entry, each with a provider that submitted NHWO-1 this month as
    (reviewed, achieved), or in each month of a {month: (reviewed, achieved)}, all active members
    of one collaborative."""
    from portal.collaboratives.services import accept, create_collaborative
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    parties = {}
    framework_id = None
    for name, figure in figures.items():
        slug = name.lower()
        by_month = figure if isinstance(figure, dict) else None
        party = commissioner_with_provider(app, make_org, make_user, commissioner=(f"{slug}-hscp", f"{name} HSCP"),
                                           provider=(f"{slug}-care", f"{name} Care"), framework_id=framework_id,
                                           months=(min(by_month), max(by_month)) if by_month else None)
        framework_id = party["framework_id"]
        if by_month:
            _submit(app, party["provider"].id, party["submitter"].id, by_month)
        else:
            submit(app, party, *figure)
        parties[name] = party
    first, *others = parties.values()
    with app.app_context():
        with tenant_context(first["commissioner"].id):
            collaborative = create_collaborative(get_organisation_by_slug(first["commissioner"].slug), name="Pool",
                                                 invite=[p["commissioner"].slug for p in others], actor=None)
            db.session.commit()
            collaborative_id = collaborative.id
        for party in others:
            with tenant_context(party["commissioner"].id):
                accept(get_organisation_by_slug(party["commissioner"].slug), collaborative_id, actor=None)
                db.session.commit()
    run_jobs(app)
    return {"parties": parties, "id": collaborative_id}


def _views(app, pool, viewer: str, query: str = "") -> list[dict[tuple[str, str], str]]:
    """NHWO-1's rates as the page, the CSV and the Excel file show them to ``viewer``. Each
    shows counts too: they are checked here to be suppressed exactly where the rate is, and the
    same in all three."""
    party = pool["parties"][viewer]
    web = Browserless(app.test_client())
    web.sign_in(party["manager"].email)
    base = f"/o/{party['commissioner'].slug}/collaboratives/{pool['id']}"
    page = web.client.get(base + query)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    table = BeautifulSoup(page.get_data(as_text=True), "html.parser").find("table", id="pooled")
    shown, shown_counts = {}, {}
    for body in table.find_all("tbody"):
        outcome = body.find("th").get_text(strip=True).split(":")[0]
        for tr in body.find_all("tr"):
            commissioner, reviewed, achieved, rate = [td.get_text(strip=True) for td in tr.find_all("td")]
            shown[(outcome, commissioner)] = rate
            shown_counts[(outcome, commissioner)] = [reviewed, achieved, rate.rstrip("%").lower()]
    rows = list(csv.reader(io.StringIO(web.client.get(f"{base}/export.csv{query}").get_data(as_text=True))))[1:]
    exported = {(row[0], row[2]): row[5] for row in rows}
    exported_counts = {(row[0], row[2]): [row[3], row[4], row[5]] for row in rows}
    sheet = load_workbook(io.BytesIO(web.client.get(f"{base}/export.xlsx{query}").data)).active
    sheet_rows = list(sheet.iter_rows(min_row=2, values_only=True))
    workbook = {(row[0], row[2]): row[5] for row in sheet_rows}
    assert exported_counts == {key: [str(v).lower() for v in counts] for key, counts in shown_counts.items()}
    for (_outcome, _who), (reviewed, achieved, rate) in exported_counts.items():
        assert (rate == "suppressed") == (reviewed == "suppressed") == (achieved == "suppressed")
    def same(value, text) -> bool:
        return value == text if text == "suppressed" else Decimal(str(value)) == Decimal(text)

    assert all(all(same(v, c) for v, c in zip(row[3:6], exported_counts[(row[0], row[2])])) for row in sheet_rows)
    return [{k: v for k, v in view.items() if k[0] == "NHWO-1"} for view in (shown, exported, workbook)]


def _page_text(app, pool, viewer: str, query: str = "") -> str:
    party = pool["parties"][viewer]
    web = Browserless(app.test_client())
    web.sign_in(party["manager"].email)
    page = web.client.get(f"/o/{party['commissioner'].slug}/collaboratives/{pool['id']}{query}")
    return BeautifulSoup(page.get_data(as_text=True), "html.parser").select_one("main").get_text(" ")


def _rate(achieved, reviewed) -> Decimal:
    return (Decimal(achieved) * 100 / Decimal(reviewed)).quantize(Decimal("0.1"))


def test_two_members_one_small_the_pooled_figure_is_suppressed(app, make_org, make_user):
    """Alpha knows its own 30 of 40; had the pooled rate of 32 of 43 been shown, Alpha would
    have Bravo's 2 of 3. No view shows it, at the floor or at a raised threshold."""
    pool = _collaborative(app, make_org, make_user, {"Alpha": (40, 30), "Bravo": (3, 2)})
    for query in ("", "?threshold=10", "?threshold=35"):
        page, exported, workbook = _views(app, pool, "Alpha", query)
        assert page[("NHWO-1", "All members")] == "Suppressed" and page[("NHWO-1", "Bravo HSCP")] == "Suppressed"
        assert exported[("NHWO-1", "All members")] == "suppressed" == exported[("NHWO-1", "Bravo HSCP")]
        assert workbook[("NHWO-1", "All members")] == "suppressed" == workbook[("NHWO-1", "Bravo HSCP")]
        leaked = str(_rate(32, 43))
        assert leaked not in str(page) + str(exported) + str(workbook)
        text = _page_text(app, pool, "Alpha", query)
        assert "43" not in text and "32" not in text  # the pooled counts are not shown either
    page, exported, _workbook = _views(app, pool, "Alpha")
    assert page[("NHWO-1", "Alpha HSCP")] == "75.0%" and exported[("NHWO-1", "Alpha HSCP")] == "75.0"
    # Bravo, who knows its own 2 of 3, sees no more than Alpha's own rate either.
    page, _exported, _workbook = _views(app, pool, "Bravo")
    assert page[("NHWO-1", "All members")] == "Suppressed" and page[("NHWO-1", "Alpha HSCP")] == "75.0%"


def test_three_members_one_small_the_pooled_figure_is_suppressed(app, make_org, make_user):
    pool = _collaborative(app, make_org, make_user, {"Alpha": (40, 30), "Bravo": (3, 2), "Charlie": (50, 25)})
    for viewer in ("Alpha", "Charlie"):
        page, exported, workbook = _views(app, pool, viewer)
        assert page == {("NHWO-1", "All members"): "Suppressed", ("NHWO-1", "Alpha HSCP"): "75.0%",
                        ("NHWO-1", "Bravo HSCP"): "Suppressed", ("NHWO-1", "Charlie HSCP"): "50.0%"}
        assert exported[("NHWO-1", "All members")] == "suppressed" == workbook[("NHWO-1", "All members")]


def test_everyone_large_enough_the_pooled_figure_is_shown(app, make_org, make_user):
    pool = _collaborative(app, make_org, make_user, {"Alpha": (40, 30), "Bravo": (20, 10), "Charlie": (50, 25)})
    page, exported, workbook = _views(app, pool, "Bravo")
    pooled = _rate(30 + 10 + 25, 40 + 20 + 50)
    assert page[("NHWO-1", "All members")] == f"{pooled}%" == "59.1%"
    assert exported[("NHWO-1", "All members")] == str(pooled)
    assert workbook[("NHWO-1", "All members")] == float(pooled)  # a number, not text
    assert page[("NHWO-1", "Bravo HSCP")] == "50.0%"
    # Raised to 11, Alpha's and Bravo's 10 not achieving are hidden: with two hidden, each would
    # learn the other's figure from the pooled one, so it goes too.
    page, _exported, _workbook = _views(app, pool, "Alpha", "?threshold=11")
    assert page[("NHWO-1", "Bravo HSCP")] == "Suppressed" and page[("NHWO-1", "All members")] == "Suppressed"


def test_a_small_month_hides_a_member_in_the_year_in_progress_not_in_a_completed_year(app, make_org, make_user):
    """Bravo reviewed 10 (5 achieving) in one month and 3 (1 achieving) in the next, in this
    financial year and in the last. Its year's total, 6 of 13, passes the one-figure rule, but
    this year is still growing: a member who saved the view before the second month and again
    after it would subtract the two and have Bravo's 1 of 3. So this year hides Bravo on the page
    and in the downloads, and last year, a completed year that no other view overlaps, shows it."""
    from portal.reporting.periods import financial_year_start

    this_year = financial_year_start(this_month())
    last_year = this_year - relativedelta(years=1)
    months = [last_year, last_year + relativedelta(months=1), this_year, this_year + relativedelta(months=1)]
    bravo = dict(zip(months, [(10, 5), (3, 1)] * 2))
    pool = _collaborative(app, make_org, make_user, {"Alpha": dict.fromkeys(months, (40, 30)), "Bravo": bravo})
    page, exported, workbook = _views(app, pool, "Alpha", f"?year={this_year.year}")
    assert page[("NHWO-1", "Bravo HSCP")] == "Suppressed"
    assert exported[("NHWO-1", "Bravo HSCP")] == "suppressed" == workbook[("NHWO-1", "Bravo HSCP")]
    assert page[("NHWO-1", "Alpha HSCP")] == "75.0%"  # 60 of 80, every month large
    assert page[("NHWO-1", "All members")] == "Suppressed"  # two members, one hidden
    page, exported, workbook = _views(app, pool, "Alpha", f"?year={last_year.year}")
    assert page[("NHWO-1", "Bravo HSCP")] == f"{_rate(6, 13)}%" == "46.2%"
    assert exported[("NHWO-1", "Bravo HSCP")] == "46.2" and workbook[("NHWO-1", "Bravo HSCP")] == 46.2
