"""The aggregates against figures worked out by hand from the `hand_computed` fixture (see its docstring)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

JULY_1 = date(2025, 7, 1)


@pytest.fixture
def as_commissioner(app, hand_computed):
    from portal.tenants.context import tenant_context

    def run(fn, *args, commissioner=None, **kwargs):
        org = commissioner or hand_computed["commissioner"]
        with app.app_context(), tenant_context(org.id):
            return fn(*args, **kwargs)

    return run


def _filters(**changes):
    from portal.dashboards.filters import Filters

    return Filters(month_from=date(2025, 1, 1), month_to=date(2025, 6, 1)).with_(**changes)


def _counts(counts) -> tuple:
    return (counts.on_time, counts.late, counts.changes_requested, counts.missing, counts.not_yet_due, counts.total,
            counts.due)


def _pcts(counts) -> tuple:
    return (counts.pct_on_time, counts.pct_late, counts.pct_changes_requested, counts.pct_missing)


def test_compliance_per_provider_and_overall(as_commissioner):
    from portal.dashboards.queries import compliance

    report = as_commissioner(compliance, _filters(), today=JULY_1)
    by_name = {p.name: p for p in report.providers}
    assert list(by_name) == ["Birch Support", "Fern Care"]  # by name; Other HSCP's contract is not here
    fern, birch = by_name["Fern Care"], by_name["Birch Support"]
    # on time, late, changes requested, missing, not yet due, periods, due
    assert _counts(fern.counts) == (2, 1, 1, 1, 1, 6, 5)
    assert _pcts(fern.counts) == (Decimal("40.0"), Decimal("20.0"), Decimal("20.0"), Decimal("20.0"))
    assert _counts(birch.counts) == (0, 1, 0, 0, 1, 2, 1)
    assert _pcts(birch.counts) == (Decimal("0.0"), Decimal("100.0"), Decimal("0.0"), Decimal("0.0"))
    assert _counts(report.overall) == (2, 2, 1, 1, 2, 8, 6)
    assert _pcts(report.overall) == (Decimal("33.3"), Decimal("33.3"), Decimal("16.7"), Decimal("16.7"))


def test_compliance_matrix_cells_and_months(as_commissioner):
    from portal.dashboards.queries import compliance

    report = as_commissioner(compliance, _filters(), today=JULY_1)
    assert report.months == [date(2025, m, 1) for m in range(1, 7)]
    fern = next(p for p in report.providers if p.name == "Fern Care")
    birch = next(p for p in report.providers if p.name == "Birch Support")
    assert fern.cells == {date(2025, 1, 1): {"on_time": 1}, date(2025, 2, 1): {"late": 1},
                          date(2025, 3, 1): {"changes_requested": 1}, date(2025, 4, 1): {"missing": 1},
                          date(2025, 5, 1): {"on_time": 1}, date(2025, 6, 1): {"not_yet_due": 1}}
    # A quarterly contract has a period in January and one in April.
    assert birch.cells == {date(2025, 1, 1): {"late": 1}, date(2025, 4, 1): {"not_yet_due": 1}}
    assert report.by_month == {date(2025, 1, 1): {"on_time": 1, "late": 1}, date(2025, 2, 1): {"late": 1},
                               date(2025, 3, 1): {"changes_requested": 1},
                               date(2025, 4, 1): {"missing": 1, "not_yet_due": 1}, date(2025, 5, 1): {"on_time": 1},
                               date(2025, 6, 1): {"not_yet_due": 1}}


def test_missing_follows_the_day(as_commissioner):
    """On 15 July June's return (due 14 July) is missing: a draft never counts as submitted."""
    from portal.dashboards.queries import compliance

    fern = next(p for p in as_commissioner(compliance, _filters(), today=date(2025, 7, 15)).providers
                if p.name == "Fern Care")
    assert fern.cells[date(2025, 6, 1)] == {"missing": 1}
    assert _counts(fern.counts) == (2, 1, 1, 2, 0, 6, 6)
    on_the_day = next(p for p in as_commissioner(compliance, _filters(), today=date(2025, 7, 14)).providers
                      if p.name == "Fern Care")
    assert on_the_day.cells[date(2025, 6, 1)] == {"not_yet_due": 1}


def test_compliance_filters(as_commissioner, hand_computed):
    from portal.dashboards.queries import compliance

    def names(**changes):
        report = as_commissioner(compliance, _filters(**changes), today=JULY_1)
        return {p.name: p.counts.total for p in report.providers}, report.overall.total

    assert names(provider="fern-care") == ({"Fern Care": 6}, 6)
    assert names(contract_id=hand_computed["cly2"]) == ({"Birch Support": 2}, 2)
    assert names(service_type="supported_living") == ({"Birch Support": 2}, 2)
    assert names(locality="North") == ({"Fern Care": 6}, 6)
    assert names(locality="Nowhere") == ({}, 0)
    assert names(month_from=date(2025, 2, 1), month_to=date(2025, 3, 1)) == ({"Fern Care": 2}, 2)
    # Another commissioner's contract cannot be chosen by id.
    assert names(contract_id=hand_computed["oth1"]) == ({}, 0)


def test_delivery_per_contract(as_commissioner):
    from portal.dashboards.queries import delivery

    report = as_commissioner(delivery, _filters())
    rows = {c.reference: (c.returns, c.contracted, c.delivered, c.pct, c.under) for c in report.contracts}
    # Fern: January 90, February 100, March 80 (changes requested: still its latest submission), May 95 (the
    # resubmission replaces 70); April's draft is not counted. Birch: 297 of 300.
    assert rows == {"CLY-001": (4, Decimal("400"), Decimal("365"), Decimal("91.3"), True),
                    "CLY-002": (1, Decimal("300"), Decimal("297"), Decimal("99.0"), False)}
    # Never one total across services: care at home and supported living may count different units.
    assert [(t.service_type, t.contracts, t.returns, t.contracted, t.delivered, t.pct, t.under)
            for t in report.totals] == [("care_at_home", 1, 4, Decimal("400"), Decimal("365"), Decimal("91.3"), True),
                                        ("supported_living", 1, 1, Decimal("300"), Decimal("297"), Decimal("99.0"),
                                         False)]
    assert [c.reference for c in report.below] == ["CLY-001"] and report.returns == 5


def test_delivery_threshold_and_filters(as_commissioner, hand_computed):
    from portal.dashboards.queries import delivery

    report = as_commissioner(delivery, _filters(threshold=Decimal("90")))
    assert [(c.reference, c.under) for c in report.contracts] == [("CLY-002", False), ("CLY-001", False)]
    assert [t.under for t in report.totals] == [False, False]
    strict = as_commissioner(delivery, _filters(threshold=Decimal("99.5")))
    assert [(c.reference, c.under) for c in strict.contracts] == [("CLY-002", True), ("CLY-001", True)]
    january = as_commissioner(delivery, _filters(month_to=date(2025, 1, 1)))
    assert [(c.reference, c.returns, c.delivered, c.pct) for c in january.contracts] == [
        ("CLY-002", 1, Decimal("297"), Decimal("99.0")), ("CLY-001", 1, Decimal("90"), Decimal("90.0"))]
    quiet = as_commissioner(delivery, _filters(month_from=date(2025, 6, 1), month_to=date(2025, 6, 1)))
    assert [(c.reference, c.returns, c.pct, c.under) for c in quiet.contracts] == [
        ("CLY-002", 0, None, False), ("CLY-001", 0, None, False)]
    only = as_commissioner(delivery, _filters(provider="birch-support"))
    assert [c.reference for c in only.contracts] == ["CLY-002"]


def test_the_other_commissioner_sees_only_its_own_contract(as_commissioner, hand_computed):
    """Other HSCP commissions the same provider: it sees its contract, never Clyde's."""
    from portal.dashboards.queries import compliance, delivery

    other = hand_computed["other"]
    report = as_commissioner(compliance, _filters(), today=JULY_1, commissioner=other)
    assert [(p.name, _counts(p.counts)) for p in report.providers] == [("Fern Care", (5, 0, 0, 0, 1, 6, 5))]
    supply = as_commissioner(delivery, _filters(), commissioner=other)
    assert [(c.reference, c.returns, c.contracted, c.delivered, c.pct) for c in supply.contracts] == [
        ("OTH-001", 5, Decimal("250"), Decimal("50"), Decimal("20.0"))]
    # Clyde's provider filter on Birch gives Other HSCP nothing at all.
    assert as_commissioner(compliance, _filters(provider="birch-support"), today=JULY_1,
                           commissioner=other).providers == []


def test_every_statement_carries_the_tenant_criteria(app, as_commissioner):
    """Layer 2: each dashboard statement names the commissioner's criteria (RLS is layer 4, tested apart)."""
    from sqlalchemy import event

    from portal.dashboards.queries import compliance, delivery, filter_choices
    from portal.extensions import db

    seen = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        if "set_config" not in statement:
            seen.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            as_commissioner(compliance, _filters(), today=JULY_1)
            as_commissioner(delivery, _filters())
            as_commissioner(filter_choices)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 4
    for statement in seen:
        assert "contracts.commissioner_id = " in statement, statement
    for statement in seen[:3]:
        assert "returns.commissioner_id = " in statement and "returns.status NOT IN" in statement, statement
    assert "return_versions.commissioner_id = " in seen[2]


def test_no_tenant_no_figures(app, hand_computed):
    from portal.dashboards.queries import compliance
    from portal.tenants.context import TenantNotSet

    with app.app_context(), pytest.raises(TenantNotSet):
        compliance(_filters(), today=JULY_1)


def test_delivery_adds_up_only_within_a_type_of_service_and_a_unit(as_commissioner, hand_computed):
    """Two care at home contracts counting hours are added up together; one counting visits
    stays apart, as does supported living; two 'other' contracts counting sessions add up, and
    one counting nights stays apart."""
    from portal.dashboards.queries import delivery

    m = hand_computed
    elm = m["add_provider"]("elm-care", "Elm Care")
    home = m["add_contract"](elm, "CLY-003")
    m["submit"](elm, home, date(2025, 2, 1), date(2025, 3, 1), contracted="50", delivered="45")
    calls = m["add_contract"](elm, "CLY-VISITS", delivery_unit="visits")
    m["submit"](elm, calls, date(2025, 2, 1), date(2025, 3, 1), contracted="900", delivered="850")
    lunch = m["add_contract"](elm, "CLY-LUNCH", service_type="other", delivery_unit="sessions")
    club = m["add_contract"](elm, "CLY-CLUB", service_type="other", delivery_unit="sessions")
    sitting = m["add_contract"](elm, "CLY-SIT", service_type="other", delivery_unit="nights")
    m["submit"](elm, lunch, date(2025, 2, 1), date(2025, 3, 1), contracted="60", delivered="58")
    m["submit"](elm, club, date(2025, 2, 1), date(2025, 3, 1), contracted="40", delivered="30")
    m["submit"](elm, sitting, date(2025, 2, 1), date(2025, 3, 1), contracted="8", delivered="4")
    report = as_commissioner(delivery, _filters())
    totals = [(t.service_type, t.unit, t.contracts, t.returns, t.contracted, t.delivered, t.pct)
              for t in report.totals]
    assert totals == [("care_at_home", "hours", 2, 5, Decimal("450"), Decimal("410"), Decimal("91.1")),
                      ("care_at_home", "visits", 1, 1, Decimal("900"), Decimal("850"), Decimal("94.4")),
                      ("supported_living", "hours", 1, 1, Decimal("300"), Decimal("297"), Decimal("99.0")),
                      ("other", "sessions", 2, 2, Decimal("100"), Decimal("88"), Decimal("88.0")),
                      ("other", "nights", 1, 1, Decimal("8"), Decimal("4"), Decimal("50.0"))]
    assert {c.reference: c.unit for c in report.contracts}["CLY-SIT"] == "nights"
