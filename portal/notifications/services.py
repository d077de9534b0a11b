"""Queue email after commit; the worker delivers it."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

from flask import current_app, render_template

from portal.extensions import db
from portal.notifications.models import DevMailboxMessage
from portal.outbox import enqueue_after_commit
from portal.tenants.context import current_tenant_id

log = logging.getLogger(__name__)


def send_email(to: str, subject: str, template: str, **context) -> None:
    """Render now (inside the request), deliver after commit through a worker."""
    body = render_template(f"email/{template}.txt", **context)
    enqueue_after_commit("send_email", tenant_id=current_tenant_id(), to=to, subject=subject, body=body)


def deliver_email(to: str, subject: str, body: str) -> None:
    smtp_url = current_app.config.get("SMTP_URL")
    if not smtp_url:
        log.info("email to %s: %s\n%s", to, subject, body)
        db.session.add(DevMailboxMessage(to_address=to, subject=subject, body=body))
        return
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    url = urlparse(smtp_url)
    default_port = {"smtps": 465, "smtp+starttls": 587}.get(url.scheme, 25)
    smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with smtp_class(url.hostname, url.port or default_port, timeout=30) as smtp:
        if url.scheme == "smtp+starttls" or (url.scheme == "smtp" and url.port == 587):
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)
