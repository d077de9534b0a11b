"""Reminders: 7 days and 1 day before a return's deadline, and on the first overdue day, once each per
deadline (the due date, or the date to respond by when changes were asked for)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from portal.accounts.models import User
from portal.extensions import db
from portal.notifications.services import send_email
from portal.returns.lateness import next_deadline
from portal.returns.models import EDITABLE, Return, ReturnReminder
from portal.tenants.context import tenant_context
from portal.tenants.models import PROVIDER, Membership, Organisation
from portal.urls import external_url

LONDON = ZoneInfo("Europe/London")
RECIPIENT_ROLES = ("submitter", "provider_admin")


def reminder_due(ret: Return, today: date, sent: set[str] | None = None) -> str | None:
    """Which reminder, if any, this return should get today: counted from its next deadline (the
    due date, or the date to respond by when changes were asked for), once each per deadline."""
    days = (next_deadline(ret) - today).days
    sent = set(sent or ())
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
    window = (today - timedelta(days=3), today + timedelta(days=7))
    returns = list(db.session.scalars(
        select(Return).where(Return.status.in_(EDITABLE),
                             or_(Return.due_date.between(*window), Return.respond_by.between(*window)))))
    sent: dict[tuple[int, date], set[str]] = {}
    for reminder in db.session.scalars(select(ReturnReminder).where(ReturnReminder.return_id.in_([r.id for r in returns]))):
        sent.setdefault((reminder.return_id, reminder.deadline), set()).add(reminder.kind)
    due = [(ret, kind) for ret in returns
           if (kind := reminder_due(ret, today, sent.get((ret.id, next_deadline(ret)), set())))]
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
                       kind=kind, link=link, organisation=organisation, deadline=next_deadline(ret))
        # Kept where the commissioner can read it, as well as on the return (the provider's own).
        db.session.add(ReturnReminder(tenant_id=ret.tenant_id, commissioner_id=ret.commissioner_id,
                                      return_id=ret.id, contract_id=ret.contract_id, period_start=ret.period_start,
                                      kind=kind, deadline=next_deadline(ret)))
        ret.reminders_sent = [*(ret.reminders_sent or []), kind]
    db.session.flush()
    return len(due)
