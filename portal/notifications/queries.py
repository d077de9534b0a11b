"""Reads for the development mailbox (the platform administrator's page)."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import DevMailboxMessage


def list_dev_mail(limit: int = 200) -> list[DevMailboxMessage]:
    return list(db.session.scalars(select(DevMailboxMessage).order_by(DevMailboxMessage.id.desc()).limit(limit)))


def get_dev_mail(message_id: int) -> DevMailboxMessage | None:
    return db.session.get(DevMailboxMessage, message_id)
