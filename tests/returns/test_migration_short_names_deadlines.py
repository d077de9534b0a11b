"""Migration 0010 on a database that already holds returns: outcomes get short names, versions
their deadline (the due date: there was no date to respond by before), and returns the lateness
the one rule gives (a late resubmission makes the return late, as it did not before)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import text

from tests import factories

BEFORE = "0009_return_reviews"


def test_upgrading_fills_in_what_existing_rows_lack(app, contract_setup, owner_engine):
    from flask_migrate import downgrade, upgrade

    contract, provider = contract_setup["contract"], contract_setup["provider"]
    own = factories.framework(contract_setup["commissioner"], code="OLD", outcomes=[
        ("OLD-1", "People stay well at home; they are supported by people they know")])
    factories.submission(contract, date(2025, 1, 1), on=date(2025, 2, 20))  # late (due 14 Feb)
    factories.submission(contract, date(2025, 2, 1), on=date(2025, 3, 10))  # on time (due 14 Mar)...
    factories.review(contract, date(2025, 2, 1), "request_changes", on=date(2025, 3, 11))
    factories.submission(contract, date(2025, 2, 1), on=date(2025, 3, 20),  # ...resubmitted after it
                         values={"DEL.NOTES": "Corrected"})
    with app.app_context():
        downgrade(revision=BEFORE)
        try:
            with owner_engine.begin() as conn:
                assert conn.execute(text("select count(*) from outcomes where short_name <> ''")).scalar() == 0
                conn.execute(text("select set_config('app.org_id', :org, true)"), {"org": str(provider.id)})
                # What the old code stored: lateness of the first submission only.
                old = conn.execute(text("update returns set submitted_late = (period_start = '2025-01-01') "
                                        "where status <> 'draft'"))
                assert old.rowcount == 2
        finally:
            upgrade(revision="heads")
    with owner_engine.begin() as conn:
        names = dict(conn.execute(text("select code, short_name from outcomes")).all())
        conn.execute(text("select set_config('app.org_id', :org, true)"), {"org": str(provider.id)})
        versions = conn.execute(text(
            "select r.period_start, v.number, v.deadline, r.due_date from return_versions v "
            "join returns r on r.id = v.return_id order by r.period_start, v.number")).all()
        late = dict(conn.execute(text("select period_start, submitted_late from returns where status <> 'draft'")).all())
    assert names["NHWO-7"] == "Safe from harm" and names["ASCOF-4"] == "Safeguarding"
    assert names["OLD-1"] == "People stay well at home"
    assert own.code == "OLD" and all(names.values())
    assert [(v.period_start, v.number, v.deadline) for v in versions] == [
        (date(2025, 1, 1), 1, date(2025, 2, 14)), (date(2025, 2, 1), 1, date(2025, 3, 14)),
        (date(2025, 2, 1), 2, date(2025, 3, 14))]
    assert late == {date(2025, 1, 1): True, date(2025, 2, 1): True}
