"""One rule decides late or on time (portal.returns.lateness), and the provider's pages, the
review page's words, the compliance dashboard, the returns list's filter and the API agree.

A resubmission after changes were requested is judged against the date the commissioner set to
respond by, or the due date if they set none; a return is late when any submission was."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tests import factories

UTC = timezone.utc
JAN, FEB, MAR, APR, MAY = (date(2025, m, 1) for m in range(1, 6))


@pytest.mark.parametrize("submitted_at, deadline, late", [
    (datetime(2025, 6, 14, 22, 30, tzinfo=UTC), date(2025, 6, 14), False),  # 23:30 in London (summer time)
    (datetime(2025, 6, 14, 23, 30, tzinfo=UTC), date(2025, 6, 14), True),   # 00:30 on the 15th in London
    (datetime(2025, 1, 14, 23, 59, tzinfo=UTC), date(2025, 1, 14), False),  # winter: London is UTC
    (datetime(2025, 1, 15, 0, 0, tzinfo=UTC), date(2025, 1, 14), True),
    (datetime(2025, 1, 1, 12, 0, tzinfo=UTC), date(2025, 1, 14), False),
])
def test_the_rule_in_python_and_in_sql_agree(app, submitted_at, deadline, late):
    from sqlalchemy import Date, DateTime, literal, select

    from portal.extensions import db
    from portal.returns.lateness import is_late, submission_late_sql

    assert is_late(submitted_at, deadline) is late
    with app.app_context():
        in_sql = db.session.scalar(select(submission_late_sql(literal(submitted_at, DateTime(timezone=True)),
                                                              literal(deadline, Date))))
    assert in_sql is late


@pytest.fixture
def resubmissions(contract_setup):
    """CLY-001's first months (due on the 14th of the next month), each sent back once:

    Jan  submitted 10 Feb, changes to respond by 20 Feb, resubmitted 18 Feb      on time
    Feb  submitted 10 Mar, changes with no date set,    resubmitted 20 Mar      late (due 14 Mar)
    Mar  submitted 20 Apr (late), changes by 30 Apr,    resubmitted 25 Apr      late (the first was)
    Apr  submitted 10 May, changes to respond by 20 May, resubmitted 22 May     late
    May  never submitted (due 14 Jun)                                           overdue
    """
    contract = contract_setup["contract"]
    plan = [(JAN, date(2025, 2, 10), date(2025, 2, 20), date(2025, 2, 18)),
            (FEB, date(2025, 3, 10), None, date(2025, 3, 20)),
            (MAR, date(2025, 4, 20), date(2025, 4, 30), date(2025, 4, 25)),
            (APR, date(2025, 5, 10), date(2025, 5, 20), date(2025, 5, 22))]
    for period, first, respond_by, again in plan:
        factories.submission(contract, period, on=first)
        factories.review(contract, period, "request_changes", on=date.fromordinal(first.toordinal() + 1),
                         respond_by=respond_by)
        factories.submission(contract, period, on=again, values={"DEL.NOTES": f"Resubmitted {again}"})
    factories.answers(contract, MAY)
    ids = {period: factories.return_of(contract, period).id for period in (JAN, FEB, MAR, APR, MAY)}
    return {**contract_setup, "ids": ids}


EXPECTED_LATE = {JAN: False, FEB: True, MAR: True, APR: True}


def test_versions_keep_their_deadlines_and_the_return_follows_the_rule(app, resubmissions):
    from portal.returns import lateness, queries
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(resubmissions["provider"].id):
        for period, late in EXPECTED_LATE.items():
            ret = queries.get_return(resubmissions["ids"][period])
            versions = queries.versions_for(ret)
            assert lateness.return_is_late(versions) is late is ret.submitted_late, period
            assert [v.late for v in versions] == [lateness.version_is_late(v) for v in versions]
        jan = queries.versions_for(queries.get_return(resubmissions["ids"][JAN]))
        assert [(v.deadline, v.late) for v in jan] == [(date(2025, 2, 14), False), (date(2025, 2, 20), False)]
        feb = queries.versions_for(queries.get_return(resubmissions["ids"][FEB]))
        assert [(v.deadline, v.late) for v in feb] == [(date(2025, 3, 14), False), (date(2025, 3, 14), True)]
        late_ids = {r.id for r in queries.list_returns(late=True)}  # the rule in SQL
        on_time_ids = {r.id for r in queries.list_returns(late=False, status=["resubmitted"])}
    ids = resubmissions["ids"]
    assert late_ids == {ids[p] for p, late in EXPECTED_LATE.items() if late}
    assert on_time_ids == {ids[JAN]}


def test_the_dashboard_counts_by_the_same_rule(app, resubmissions):
    from portal.dashboards.filters import Filters
    from portal.dashboards.queries import compliance
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(resubmissions["commissioner"].id):
        report = compliance(Filters(month_from=JAN, month_to=APR), today=date(2025, 7, 1))
    cells = report.providers[0].cells
    assert {month: next(iter(states)) for month, states in cells.items()} == {
        JAN: "on_time", FEB: "late", MAR: "late", APR: "late"}


def test_the_api_and_the_pages_say_the_same(app, client, web, api_token, resubmissions):
    from portal.returns import lateness, queries
    from portal.tenants.context import tenant_context

    ids = resubmissions["ids"]
    for email in (resubmissions["submitter"].email, resubmissions["manager"].email):
        headers = {"Authorization": f"Bearer {api_token(email)}"}
        listed = {r["id"]: r for r in client.get("/api/v1/returns", headers=headers).get_json()}
        for period, late in EXPECTED_LATE.items():
            assert listed[ids[period]]["late"] is late is listed[ids[period]]["submitted_late"], (email, period)
        detail = client.get(f"/api/v1/returns/{ids[JAN]}", headers=headers).get_json()
        assert [(v["deadline"], v["late"]) for v in detail["versions"]] == [("2025-02-14", False),
                                                                            ("2025-02-20", False)]
    provider_headers = {"Authorization": f"Bearer {api_token(resubmissions['submitter'].email)}"}
    may = client.get(f"/api/v1/returns/{ids[MAY]}", headers=provider_headers).get_json()
    assert may["late"] is False and may["overdue"] is True and may["deadline"] == "2025-06-14"

    web.sign_in(resubmissions["submitter"].email)
    slug = resubmissions["provider"].slug
    pages = {p: client.get(f"/o/{slug}/returns/{ids[p]}").get_data(as_text=True) for p in ids}
    assert "Resubmitted on time: the date to respond by was 20 Feb 2025." in pages[JAN]
    assert "Resubmitted 6 days late: the due date was 14 Mar 2025." in pages[FEB]
    assert "Resubmitted on time: the date to respond by was 30 Apr 2025, but an earlier submission was late." \
        in pages[MAR]
    assert "Resubmitted 2 days late: the date to respond by was 20 May 2025." in pages[APR]
    assert "Due 14 Jun 2025: " in pages[MAY] and " days overdue." in pages[MAY]
    with app.app_context(), tenant_context(resubmissions["commissioner"].id):  # the review page's words
        ret = queries.get_return(ids[MAR])
        described = lateness.describe(ret, queries.versions_for(ret))
    assert described.late is True and described.deadline == date(2025, 4, 30)
    assert described.summary in pages[MAR]


def test_waiting_for_the_provider_is_judged_against_the_date_to_respond_by(app, contract_setup):
    from portal.returns import lateness, queries
    from portal.tenants.context import tenant_context

    contract = contract_setup["contract"]
    factories.submission(contract, JAN, on=date(2025, 2, 10))
    factories.review(contract, JAN, "request_changes", on=date(2025, 2, 11), respond_by=date(2025, 2, 20))
    with app.app_context(), tenant_context(contract_setup["provider"].id):
        ret = queries.get_return(factories.return_of(contract, JAN).id)
        assert lateness.next_deadline(ret) == date(2025, 2, 20)
        before = lateness.describe(ret, queries.versions_for(ret), today=date(2025, 2, 19))
        after = lateness.describe(ret, queries.versions_for(ret), today=date(2025, 2, 23))
    assert (before.overdue, before.summary) == (False, "Respond by 20 Feb 2025.")
    assert (after.overdue, after.summary) == (True, "Respond by 20 Feb 2025: 3 days overdue.")


def test_the_api_asks_for_changes_by_a_date(app, client, api_token, contract_setup):
    factories.submission(contract_setup["contract"], JAN, on=date(2025, 2, 10))
    return_id = factories.return_of(contract_setup["contract"], JAN).id
    manager = {"Authorization": f"Bearer {api_token(contract_setup['manager'].email)}"}
    past = client.post(f"/api/v1/returns/{return_id}/review", headers=manager, json={
        "decision": "request_changes", "comment": "Check delivery", "tasks": ["delivery"],
        "respond_by": "2025-01-01"})
    assert past.status_code == 422 and "in the future" in past.get_json()["errors"]["respond_by"][0]
    later = date.today().replace(year=date.today().year + 1, day=1)
    asked = client.post(f"/api/v1/returns/{return_id}/review", headers=manager, json={
        "decision": "request_changes", "comment": "Check delivery", "tasks": ["delivery"],
        "respond_by": later.isoformat(), "section_comments": {"delivery": "Hours look low"}})
    assert asked.status_code == 200, asked.get_json()
    body = asked.get_json()
    assert body["respond_by"] == later.isoformat() and body["deadline"] == later.isoformat()
    assert body["section_comments"] == {"delivery": "Hours look low"} and body["overdue"] is False
