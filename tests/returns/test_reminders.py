"""Reminder emails: a week before, a day before and on the first overdue day, once each."""
from __future__ import annotations

from datetime import date, timedelta

from tests.helpers import mailbox, run_jobs


def _sent(app):
    run_jobs(app)
    return [(m.to_address, m.subject) for m in mailbox(app)]


def test_reminders_are_sent_once_each_to_submitters(app, contract_setup):
    from portal.returns.jobs import send_return_reminders

    first_due = date(2025, 2, 14)  # January 2025's return
    with app.app_context():
        assert send_return_reminders(today=first_due - timedelta(days=7)) == 1
        assert send_return_reminders(today=first_due - timedelta(days=7)) == 0  # already sent today
        assert send_return_reminders(today=first_due - timedelta(days=6)) == 0  # still the same reminder
    week = _sent(app)
    recipients = {to for to, _subject in week}
    assert recipients == {"submitter@fern.example", "second@fern.example", "admin@fern.example"}
    assert all("due in a week: CLY-001" in subject for _to, subject in week)
    with app.app_context():
        assert send_return_reminders(today=first_due - timedelta(days=1)) == 1
        assert send_return_reminders(today=first_due + timedelta(days=1)) == 1
        assert send_return_reminders(today=first_due + timedelta(days=1)) == 0
    subjects = [subject for _to, subject in _sent(app)]
    assert sum("due tomorrow" in s for s in subjects) == 3 and sum("overdue" in s for s in subjects) == 3
    assert "manager@clyde.example" not in {to for to, _ in _sent(app)}  # commissioners are not reminded


def test_submitted_returns_get_no_reminders(app, contract_setup):
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.returns.jobs import send_return_reminders
    from portal.tenants.context import tenant_context
    from tests.factories import full_answers

    with app.app_context():
        with tenant_context(contract_setup["provider"].id):
            user = db.session.get(User, contract_setup["submitter"].id)
            ret = queries.list_returns()[0]
            services.save_answers(ret, full_answers(queries.measures_for(ret)), expected_version=ret.lock_version,
                                  actor=user)
            services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=user)
            services.submit(ret, expected_version=ret.lock_version, actor=user)
        db.session.commit()
        assert send_return_reminders(today=date(2025, 2, 13)) == 0


def test_after_changes_are_asked_for_reminders_count_from_the_date_to_respond_by(app, contract_setup):
    from portal.returns.jobs import send_return_reminders
    from tests import factories

    contract = contract_setup["contract"]
    factories.submission(contract, date(2025, 1, 1), on=date(2025, 2, 10))
    factories.review(contract, date(2025, 1, 1), "request_changes", on=date(2025, 2, 12),
                     respond_by=date(2025, 3, 31))
    with app.app_context():
        # January's due date (14 February) has passed, but the provider was given until 31 March.
        assert send_return_reminders(today=date(2025, 2, 15)) == 0
        assert send_return_reminders(today=date(2025, 3, 24)) == 1  # a week before 31 March
        assert send_return_reminders(today=date(2025, 4, 1)) == 1  # overdue, a day after 31 March
    run_jobs(app)
    bodies = [m.body for m in mailbox(app, to="submitter@fern.example") if "CLY-001" in m.subject]
    assert any("The changes to the return" in b and "due on 31 March 2025" in b for b in bodies)
    assert any("were due on 31 March 2025 and have not been submitted" in b for b in bodies)
