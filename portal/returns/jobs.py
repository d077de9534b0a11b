"""Reminders: 7 days and 1 day before a return is due, and on the first overdue day, once each."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.notifications.services import send_email
from portal.returns.models import EDITABLE, Return
from portal.tenants.context import tenant_context
from portal.tenants.models import PROVIDER, Membership, Organisation
from portal.urls import external_url

LONDON = ZoneInfo("Europe/London")
RECIPIENT_ROLES = ("submitter", "provider_admin")


def reminder_due(ret: Return, today: date) -> str | None:
    """Which reminder, if any, this return should get today."""
    days = (ret.due_date - today).days
    sent = set(ret.reminders_sent or [])
    if 1 < days <= 7 and "week" not in sent:
        return "week"
    if 0 <= days <= 1 and "day" not in sent:
        return "day"
    if -3 <= days < 0 and "overdue" not in sent:
        return "overdue"
    return None


def send_return_reminders(today: date | None = None) -> int:
    """Run by rq cron every hour; idempotent, because each reminder is recorded on its return."""
    from portal.worker_app import app_context

    sent = 0
    with app_context():
        today = today or datetime.now(LONDON).date()
        providers = list(db.session.scalars(select(Organisation.id).where(Organisation.kind == PROVIDER,
                                                                          Organisation.is_active)))
        for provider_id in providers:
            with tenant_context(provider_id):
                sent += _remind_one_provider(provider_id, today)
            db.session.commit()
    return sent


def _remind_one_provider(provider_id: int, today: date) -> int:
    returns = list(db.session.scalars(
        select(Return).where(Return.status.in_(EDITABLE),
                             Return.due_date.between(today - timedelta(days=3), today + timedelta(days=7)))))
    due = [(ret, kind) for ret in returns if (kind := reminder_due(ret, today))]
    if not due:
        return 0
    recipients = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(RECIPIENT_ROLES), User.is_active_account)))
    organisation = db.session.get(Organisation, provider_id)
    for ret, kind in due:
        link = external_url("returns.show", slug=organisation.slug, return_id=ret.id)
        subject = {"week": "A return is due in a week", "day": "A return is due tomorrow",
                   "overdue": "A return is overdue"}[kind]
        for user in recipients:
            send_email(user.email, f"{subject}: {ret.contract.reference}", "return_reminder", user=user, ret=ret,
                       kind=kind, link=link, organisation=organisation)
        ret.reminders_sent = [*(ret.reminders_sent or []), kind]
    db.session.flush()
    return len(due)
