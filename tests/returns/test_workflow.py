"""Workflow transitions and refusals, validation, optimistic locking, versions."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.errors import Conflict
from tests.factories import full_answers


@pytest.fixture
def as_provider(app, contract_setup):
    """Run a block as the provider's submitter: yields (first return, its measures, user)."""
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries
    from portal.tenants.context import tenant_context

    with app.app_context():
        with tenant_context(contract_setup["provider"].id, contract_setup["submitter"].id):
            ret = queries.list_returns()[0]
            yield ret, queries.measures_for(ret), db.session.get(User, contract_setup["submitter"].id)
            db.session.rollback()


def fill_and_declare(ret, measures, user):
    from portal.returns import services

    services.save_answers(ret, full_answers(measures), expected_version=ret.lock_version, actor=user)
    services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=user)


def test_schedule_generates_a_return_per_period(app, contract_setup):
    from portal.extensions import db
    from portal.returns.models import Return
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(contract_setup["provider"].id):
        returns = list(db.session.scalars(select(Return).order_by(Return.period_start)))
    assert len(returns) == 24
    assert (returns[0].period_start, returns[0].period_end, returns[0].due_date) == (
        date(2025, 1, 1), date(2025, 1, 31), date(2025, 2, 14))
    assert returns[-1].period_end == date(2026, 12, 31)
    assert {r.status for r in returns} == {"draft"}


def test_drafts_are_invisible_to_the_commissioner(app, contract_setup):
    from portal.returns import queries
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(contract_setup["commissioner"].id):
        assert queries.list_returns() == []


def test_task_list_statuses(as_provider):
    from portal.returns import queries, services

    ret, measures, user = as_provider
    tasks = queries.task_list(ret)
    assert len(tasks) == 9 + 1  # nine outcomes and delivery (the declaration is made with the submission)
    assert {t.status for t in tasks} == {"Not yet started"}
    first = tasks[0]
    values = {m.code: "" for m in first.measures}
    values[first.measures[0].code] = "3"
    services.save_answers(ret, {first.measures[0].code: "3"}, expected_version=ret.lock_version, actor=user)
    assert queries.task_list(ret)[0].status == "In progress"
    services.save_answers(ret, full_answers(first.measures), expected_version=ret.lock_version, actor=user,
                          measures=first.measures)
    assert queries.task_list(ret)[0].status == "Completed"


def test_per_field_validation_saves_nothing(as_provider):
    from portal.returns import queries, services

    ret, measures, user = as_provider
    values = full_answers(measures)
    values["NHWO-1.REVIEWED"] = "ten"
    values["NHWO-1.ACHIEVED"] = "-1"
    values["DEL.LIVING_WAGE"] = "150"
    values["DEL.UNITS_DELIVERED"] = "12.5.1"
    values["NHWO-2.NARRATIVE"] = ""
    with pytest.raises(services.ValidationFailed) as failure:
        services.save_answers(ret, values, expected_version=ret.lock_version, actor=user, measures=measures,
                              partial=False)
    errors = failure.value.errors
    assert set(errors) == {"NHWO-1.REVIEWED", "NHWO-1.ACHIEVED", "DEL.LIVING_WAGE", "DEL.UNITS_DELIVERED",
                           "NHWO-2.NARRATIVE"}
    assert "whole number" in errors["NHWO-1.REVIEWED"]
    assert "0 or more" in errors["NHWO-1.ACHIEVED"]
    assert "100 or less" in errors["DEL.LIVING_WAGE"]
    assert errors["NHWO-2.NARRATIVE"] == "Describe the evidence of this outcome"
    assert queries.answers_for(ret) == []


def test_optimistic_locking_refuses_the_second_save(as_provider):
    from portal.returns import services

    ret, measures, user = as_provider
    opened_at = ret.lock_version
    services.save_answers(ret, {"NHWO-1.REVIEWED": "4"}, expected_version=opened_at, actor=user)
    with pytest.raises(Conflict, match="Someone else saved this return"):
        services.save_answers(ret, {"NHWO-1.REVIEWED": "5"}, expected_version=opened_at, actor=user)


def test_submit_needs_every_task_complete(as_provider):
    from portal.returns import services

    ret, measures, user = as_provider
    with pytest.raises(Conflict, match="Complete every section"):
        services.submit(ret, expected_version=ret.lock_version, actor=user)


def test_submit_freezes_a_version_with_its_hash(as_provider):
    from portal.returns import queries, services

    ret, measures, user = as_provider
    fill_and_declare(ret, measures, user)
    version = services.submit(ret, expected_version=ret.lock_version, actor=user)
    assert ret.status == "submitted" and version.number == 1 and len(version.sha256) == 64
    assert version.answers["NHWO-1.REVIEWED"] == "10" and version.answers["DEL.LIVING_WAGE"] == "95"
    assert ret.submitted_late is True  # January 2025 was due in February 2025
    _answers, _docs, digest = services.snapshot(ret)
    assert digest == version.sha256
    with pytest.raises(Conflict, match="no longer be changed"):
        services.save_answers(ret, {"NHWO-1.REVIEWED": "1"}, expected_version=ret.lock_version, actor=user)
    assert [v.number for v in queries.versions_for(ret)] == [1]


def test_double_submit_makes_one_submission(as_provider):
    from portal.returns import queries, services

    ret, measures, user = as_provider
    fill_and_declare(ret, measures, user)
    version = ret.lock_version
    services.submit(ret, expected_version=version, actor=user)
    with pytest.raises(Conflict, match="already been submitted"):
        services.submit(ret, expected_version=version, actor=user)
    assert len(queries.versions_for(ret)) == 1


def test_review_cycle_and_version_differences(app, contract_setup, as_provider):
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.tenants.context import tenant_context

    ret, measures, user = as_provider
    fill_and_declare(ret, measures, user)
    services.submit(ret, expected_version=ret.lock_version, actor=user)
    return_id = ret.id
    db.session.commit()
    manager = db.session.get(User, contract_setup["manager"].id)
    with tenant_context(contract_setup["commissioner"].id, manager.id):
        seen = queries.get_return(return_id)
        assert seen is not None and seen.status == "submitted"
        with pytest.raises(services.ValidationFailed):
            services.review(seen, decision="request_changes", comment="", actor=manager)
        services.review(seen, decision="request_changes", comment="NHWO-3 figures look wrong",
                        problem_tasks=["NHWO-3"], actor=manager)
        db.session.commit()
    with tenant_context(contract_setup["provider"].id, user.id):
        ret = queries.get_return(return_id)
        assert ret.status == "changes_requested"
        problem = [t for t in queries.task_list(ret) if t.status == "There is a problem"]
        assert [t.key for t in problem] == ["NHWO-3"]
        services.save_answers(ret, {"NHWO-3.ACHIEVED": "9"}, expected_version=ret.lock_version, actor=user)
        services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=user)
        services.submit(ret, expected_version=ret.lock_version, actor=user)
        assert ret.status == "resubmitted"
        first, second = queries.versions_for(ret)
        changes = queries.diff(first, second, queries.measures_for(ret))
        assert [(c["measure"].code, c["old"], c["new"]) for c in changes] == [("NHWO-3.ACHIEVED", "7", "9")]
        db.session.commit()
    with tenant_context(contract_setup["commissioner"].id, manager.id):
        seen = queries.get_return(return_id)
        services.review(seen, decision="accept", comment="", actor=manager)
        assert seen.status == "accepted"
        with pytest.raises(Conflict):
            services.review(seen, decision="accept", comment="", actor=manager)


def test_versions_are_immutable_in_the_database(app, contract_setup, as_provider, owner_engine):
    from sqlalchemy import text

    from portal.extensions import db
    from portal.returns import services

    ret, measures, user = as_provider
    fill_and_declare(ret, measures, user)
    services.submit(ret, expected_version=ret.lock_version, actor=user)
    db.session.commit()
    with pytest.raises(Exception, match="append-only"):
        with owner_engine.begin() as conn:
            conn.execute(text("select set_config('app.org_id', :o, true)"), {"o": str(contract_setup["provider"].id)})
            conn.execute(text("update return_versions set sha256 = 'x'"))
