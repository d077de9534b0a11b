"""Changing the email address of an account: a signed link to the new address confirms it, and the
old address is told. Nothing changes until the link is followed; the link works once (it names the
address it changes from) and for a day."""
from __future__ import annotations

from portal.accounts.models import User
from portal.accounts.services import get_user_by_email, normalise_email
from portal.accounts.tokens import sign, unsign
from portal.audit.services import record_platform
from portal.errors import Conflict, ServiceError
from portal.extensions import db
from portal.notifications.services import send_email
from portal.urls import external_url

EMAIL_CHANGE_SALT = "email-change"
LINK_HOURS = 24


def request_email_change(user: User, new_email: str) -> str:
    """Email a confirmation link to ``new_email`` and a notice to the current address; the token."""
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise ServiceError("That is already your email address: enter a different one", field="email")
    if get_user_by_email(new_email) is not None:
        # Said plainly: the person is signed in and has just confirmed who they are.
        raise Conflict("Another account already uses that email address", field="email")
    token = sign(EMAIL_CHANGE_SALT, {"u": user.id, "from": user.email, "to": new_email})
    link = external_url("account.confirm_email", token=token)
    send_email(new_email, "Confirm your new email address for Portal", "email_change_confirm", user=user,
               link=link, hours=LINK_HOURS, new_email=new_email)
    send_email(user.email, "Someone asked to change the email address of your Portal account",
               "email_change_notice", user=user, new_email=new_email)
    record_platform("email_change_requested", user, actor=user)
    return token


def confirm_email_change(token: str) -> User:
    """Follow the link: the account's email address becomes the new one (it signs in with it from now on)."""
    payload = unsign(EMAIL_CHANGE_SALT, token, max_age=LINK_HOURS * 3600)
    user = db.session.get(User, payload.get("u")) if payload else None
    if user is None or user.email != payload.get("from"):
        raise ServiceError("This link has expired or has been used. Change your email address again from "
                           "your account page.")
    new_email = payload["to"]
    if get_user_by_email(new_email) is not None:
        raise Conflict("Another account now uses that email address, so yours cannot change to it.")
    old_email = user.email
    user.email = new_email
    db.session.flush()
    record_platform("email_changed", user, actor=user)
    send_email(old_email, "The email address of your Portal account has changed", "email_changed_notice",
               user=user, new_email=new_email)
    return user
