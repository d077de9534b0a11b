"""Outcome aggregates against hand-computed figures; suppression; benchmarks; isolation; exports."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import event

from tests.conftest import Browserless
from tests.factories import full_answers
from tests.returns.test_reviews import _second_provider


def _submit(app, provider_id, user_id, values_by_month: dict[date, tuple[int, int]], draft: dict | None = None):
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider_id):
        user = db.session.get(User, user_id)
        for ret in queries.list_returns():
            values = full_answers(queries.measures_for(ret))
            if ret.period_start in values_by_month:
                values["NHWO-1.REVIEWED"], values["NHWO-1.ACHIEVED"] = map(str, values_by_month[ret.period_start])
                services.save_answers(ret, values, expected_version=ret.lock_version, actor=user)
                # Figures far from the previous month's are confirmed, as the person would.
                services.confirm_warnings_of(ret, [w.code for w in services.current_warnings(ret)], actor=user)
                services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=user)
                services.submit(ret, expected_version=ret.lock_version, actor=user)
            elif draft and ret.period_start in draft:
                values["NHWO-1.REVIEWED"], values["NHWO-1.ACHIEVED"] = map(str, draft[ret.period_start])
                services.save_answers(ret, values, expected_version=ret.lock_version, actor=user)
        db.session.commit()


@pytest.fixture
def market(app, make_org, make_user, contract_setup):
    birch, birch_staff, _ = _second_provider(app, make_org, make_user, contract_setup)
    _submit(app, contract_setup["provider"].id, contract_setup["submitter"].id,
            {date(2025, 1, 1): (10, 7), date(2025, 2, 1): (20, 12)}, draft={date(2025, 3, 1): (100, 100)})
    _submit(app, birch.id, birch_staff.id, {date(2024, 6, 1): (8, 6)})
    return {"setup": contract_setup, "birch": birch}


def _summaries(app, market, **overrides):
    from portal.outcomes.queries import OutcomeFilters, outcome_summaries
    from portal.tenants.context import tenant_context

    setup = market["setup"]
    filters = OutcomeFilters(framework_id=setup["framework_id"], period_from=date(2024, 6, 1),
                             period_to=date(2025, 3, 1), **overrides)
    with app.app_context(), tenant_context(setup["commissioner"].id):
        return {s.outcome: s for s in outcome_summaries(filters, setup["commissioner"].id)}


def test_totals_rates_and_suppression_match_hand_computed_figures(app, market):
    nhwo1 = _summaries(app, market)["NHWO-1"]
    assert (nhwo1.overall.reviewed, nhwo1.overall.achieved) == (38, 25)  # the March draft never counts
    assert nhwo1.overall.rate == Decimal("65.8")
    fern = nhwo1.providers[market["setup"]["provider"].id]
    assert (fern.reviewed, fern.achieved, fern.rate) == (30, 19, Decimal("63.3"))
    birch = nhwo1.providers[market["birch"].id]
    assert birch.suppressed and birch.reviewed is None and birch.rate is None  # only 2 did not achieve it
    assert nhwo1.benchmark is None  # quartiles need four providers with a figure shown
    assert [p for p, _c in nhwo1.trend] == [date(2024, 6, 1), date(2025, 1, 1), date(2025, 2, 1)]
    assert nhwo1.service_types["care_at_home"].rate == Decimal("63.3")
    assert nhwo1.localities["South"].suppressed


def test_every_numeric_measure_is_totalled_across_and_by_provider(app, market):
    from portal.outcomes.queries import OutcomeFilters, measure_totals
    from portal.outcomes.views import measure_figure
    from portal.tenants.context import tenant_context

    setup = market["setup"]
    filters = OutcomeFilters(framework_id=setup["framework_id"], period_from=date(2024, 6, 1),
                             period_to=date(2025, 3, 1))
    with app.app_context(), tenant_context(setup["commissioner"].id):
        rows = {(r.code, r.overall, r.provider_id): r for r in measure_totals(filters, setup["commissioner"].id)}
    fern, birch = setup["provider"].id, market["birch"].id
    assert measure_figure(rows[("NHWO-1.REVIEWED", True, None)]) == "38"  # 10 + 20 + 8
    assert measure_figure(rows[("NHWO-1.REVIEWED", False, fern)]) == "30"
    assert ("DEL.UNITS_DELIVERED", True, None) not in rows  # hours and other units are never added up here
    assert measure_figure(rows[("DEL.LIVING_WAGE", True, None)]) == "95.0"  # a mean, not a sum
    assert measure_figure(rows[("NHWO-1.ACHIEVED", False, birch)]) == "6"
    assert ("NHWO-1.NARRATIVE", True, None) not in rows  # text is not totalled


def test_a_threshold_below_the_floor_is_raised_to_it_and_a_higher_one_hides_more(app, market):
    lowered = _summaries(app, market, threshold=2)["NHWO-1"]
    assert lowered.providers[market["birch"].id].suppressed  # 6 of 8: 2 did not achieve it, and 2 < 5
    assert lowered.benchmark is None
    raised = _summaries(app, market, threshold=12)["NHWO-1"]
    assert raised.providers[market["setup"]["provider"].id].suppressed  # 30 reviewed, 11 did not achieve it
    assert raised.overall.rate == Decimal("65.8")  # 38, 25 and 13 are all at least 12


def test_one_query_whatever_the_number_of_providers(app, market):
    from portal.extensions import db

    counts = []
    for provider_filter in (None, market["birch"].id):
        with app.app_context():
            statements = []
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                _summaries(app, market, provider_id=provider_filter)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            counts.append(len([s for s in statements if "WITH latest" in s]))
    assert counts == [1, 1]  # totals, benchmarks and trend together, over the answers read once


def test_a_resubmitted_return_counts_once_with_its_latest_figures(app, market):
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.tenants.context import tenant_context

    setup = market["setup"]
    with app.app_context():
        manager = db.session.get(User, setup["manager"].id)
        with tenant_context(setup["commissioner"].id, manager.id):
            february = next(r for r in queries.list_returns() if r.period_start == date(2025, 2, 1))
            services.review(february, decision="request_changes", comment="Check NHWO-1", problem_tasks=["NHWO-1"],
                            actor=manager)
            db.session.commit()
        user = db.session.get(User, setup["submitter"].id)
        with tenant_context(setup["provider"].id, user.id):
            ret = queries.get_return(february.id)
            services.save_answers(ret, {"NHWO-1.REVIEWED": "40", "NHWO-1.ACHIEVED": "30"},
                                  expected_version=ret.lock_version, actor=user)
            services.confirm_warnings_of(ret, [w.code for w in services.current_warnings(ret)], actor=user)
            services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=user)
            services.submit(ret, expected_version=ret.lock_version, actor=user)
            assert len(queries.versions_for(ret)) == 2
            db.session.commit()
    nhwo1 = _summaries(app, market)["NHWO-1"]
    fern = nhwo1.providers[setup["provider"].id]
    assert (fern.reviewed, fern.achieved) == (50, 37)  # January's 10 and 7 with February's second version only
    february_cell = dict(nhwo1.trend)[date(2025, 2, 1)]
    assert (february_cell.reviewed, february_cell.achieved) == (40, 30)


def test_another_commissioner_sees_nothing(app, market, make_org, make_user):
    from portal.outcomes.queries import OutcomeFilters, outcome_summaries
    from portal.tenants.context import tenant_context

    other = make_org("commissioner", slug="far-hscp")
    filters = OutcomeFilters(framework_id=market["setup"]["framework_id"], period_from=date(2024, 1, 1),
                             period_to=date(2026, 1, 1))
    with app.app_context(), tenant_context(other.id):
        assert outcome_summaries(filters, other.id) == []
        # Even naming the real commissioner in the query cannot get past row-level security.
        assert outcome_summaries(filters, market["setup"]["commissioner"].id) == []


def test_page_exports_and_drill_down_agree(app, market):
    setup = market["setup"]
    web = Browserless(app.test_client())
    web.sign_in(setup["manager"].email)
    query = f"?framework={setup['framework_id']}&from=2024-06&to=2025-03"
    page = web.client.get(f"/o/clyde-hscp/outcomes/{query}").get_data(as_text=True)
    assert "65.8%" in page and "63.3%" in page and "Suppressed" in page and "(25 of 38)" in page
    assert 'role="img"' in page  # the trend's small multiples
    # Each outcome opens its own page: its providers' chart and table, drilling down to the returns.
    link = BeautifulSoup(page, "html.parser").select_one("#outcomes-table a")
    assert link.get_text().startswith("NHWO-1") and "from=2024-06" in link["href"]
    outcome = web.client.get(link["href"]).get_data(as_text=True)
    assert "63.3%" in outcome and "(25 of 38)" in outcome and 'role="img"' in outcome
    assert "status=counted&amp;provider=fern-care" in outcome and "Birch Care" in outcome
    rows = list(csv.reader(io.StringIO(web.client.get(f"/o/clyde-hscp/outcomes/export.csv{query}").get_data(
        as_text=True))))
    assert ["NHWO-1", "All providers", "", "38", "25", "65.8"] in rows
    assert ["NHWO-1", "Provider", "Birch Care", "suppressed", "suppressed", "suppressed"] in rows
    sheet = load_workbook(io.BytesIO(web.client.get(f"/o/clyde-hscp/outcomes/export.xlsx{query}").data)).active
    xlsx_rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert ["NHWO-1", "All providers", None, 38.0, 25.0, 65.8] in xlsx_rows
    assert len(xlsx_rows) == len(rows) - 1
    assert not [row for row in rows if row[0].startswith("DEL.UNITS")] and "361.5" not in page
    measures_link = BeautifulSoup(page, "html.parser").find("a", string="Every measure's total")["href"]
    measures = web.client.get(measures_link).get_data(as_text=True)
    assert "Every measure" in measures and "DEL.PEOPLE" in measures and "361.5" not in measures
    drill = web.client.get("/o/clyde-hscp/reviews/?status=counted&provider=fern-care&from=2024-06&to=2025-03")
    assert "2 returns" in drill.get_data(as_text=True)
    bad = web.client.get("/o/clyde-hscp/outcomes/?from=June")
    assert bad.status_code == 422 and "The start month must be a real month and year" in bad.get_data(as_text=True)


def test_providers_have_no_outcome_pages(app, market):
    web = Browserless(app.test_client())
    web.sign_in(market["setup"]["submitter"].email)
    assert web.client.get("/o/fern-care/outcomes/").status_code == 404


def test_outcomes_through_the_api(app, client, api_token, market):
    setup = market["setup"]
    headers = {"Authorization": f"Bearer {api_token(setup['manager'].email)}"}
    body = client.get(f"/api/v1/dashboards/outcomes?framework={setup['framework_id']}&from=2024-06&to=2025-03",
                      headers=headers).get_json()
    nhwo1 = next(o for o in body["outcomes"] if o["outcome"] == "NHWO-1")
    assert nhwo1["overall"] == {"suppressed": False, "reviewed": 38, "achieved": 25, "rate": "65.8"}
    assert {"slug": "birch-care", "name": "Birch Care", "suppressed": True, "reviewed": None, "achieved": None,
            "rate": None} in nhwo1["providers"]
    assert client.get("/api/v1/dashboards/outcomes?from=bad", headers=headers).status_code == 422
    provider = {"Authorization": f"Bearer {api_token(setup['submitter'].email)}"}
    assert client.get("/api/v1/dashboards/outcomes", headers=provider).status_code == 404  # no such page for providers
