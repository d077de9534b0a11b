"""Clarification questions: a provider asks, the procurement team answers, to all or privately.

- A provider asks until the tender's clarification deadline (its row; the commissioner reads it).
- The procurement team may edit the question's text before publishing, to remove anything that
  names the asker (the original stays on the question for the asker and the team), merge
  duplicates under one answer, and publish: a new :class:`Clarification` row, the
  commissioner's, numbered 1, 2, 3... per tender in publication order, read by every
  organisation. Or it answers privately (commercially sensitive) with a recorded reason: the
  answer stays on the question row, for the asker alone.
- Answering after the tender's answer deadline is allowed (better late than never) but the inbox
  and the tender page warn of it.
- Every interested provider is emailed about each published batch, after the commit, by a job
  that runs as that provider (``notify_clarifications``); the asker of a private answer likewise.

Services flush and never commit.
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.services import record
from portal.errors import Conflict, Invalid, ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.services import send_email
from portal.outbox import enqueue_after_commit
from portal.procurement.clarification_models import (ANSWER_LIMIT, OPEN, PRIVATE, PUBLISHED, QUESTION_LIMIT,
                                                      REASON_LIMIT, Clarification, Question)
from portal.procurement.models import CANCELLED, DRAFT, PUBLISHED as TENDER_PUBLISHED, Interest, Tender
from portal.procurement.services import register_interest
from portal.tenants.context import current_tenant_id
from portal.tenants.models import COMMISSIONER, PROVIDER, Membership, Organisation
from portal.urls import external_url

LONDON = ZoneInfo("Europe/London")
LONDON_FORMAT = "%-d %B %Y at %H:%M"


def _london(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime(LONDON_FORMAT)


#: Control characters a document (XML) cannot hold; tabs and line ends stay.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _text(value, field: str, what: str, limit: int) -> str:
    text = CONTROL.sub("", str(value if value is not None else "").replace("\r\n", "\n")).strip()
    if not text:
        raise Invalid(f"Enter {what}", field=field)
    if len(text) > limit:
        raise Invalid(f"{what[0].upper()}{what[1:]} must be {limit:,} characters or fewer: shorten it by "
                      f"{len(text) - limit:,}", field=field)
    return text


def _lot(tender: Tender, lot) -> int | None:
    """A lot number of the tender, or None for the whole tender."""
    if lot in (None, "", 0, "0"):
        return None
    numbers = [item.number for item in tender.lots]
    try:
        number = int(str(lot).strip()) if not isinstance(lot, bool) else None
    except ValueError:
        number = None
    if number not in numbers:
        raise Invalid(f"Choose a lot of this tender ({', '.join(str(n) for n in numbers)}) or leave it out for the "
                      "whole tender", field="lot")
    return number


def questions_open(tender: Tender, now: datetime | None = None) -> bool:
    return tender.status == TENDER_PUBLISHED and (now or utcnow()) < tender.clarification_deadline


def ask_question(provider: Organisation, tender: Tender, question: str, lot=None, *, actor: User | None,
                 now: datetime | None = None) -> Question:
    """The provider's question, until the tender's clarification deadline. Asking registers the
    provider's interest, so it hears of every published answer."""
    if provider.kind != PROVIDER or provider.id != current_tenant_id():
        raise ServiceError("Only a provider asks clarification questions")
    now = now or utcnow()
    if tender.status != TENDER_PUBLISHED:
        raise Conflict("Questions can only be asked while the tender is open")
    if now >= tender.clarification_deadline:
        raise Conflict(f"The deadline for clarification questions was {_london(tender.clarification_deadline)} "
                       "(UK time): questions can no longer be asked", field="question")
    text = _text(question, "question", "your question", QUESTION_LIMIT)
    lot_number = _lot(tender, lot)
    item = Question(tenant_id=provider.id, commissioner_id=tender.tenant_id, tender_id=tender.id,
                    lot_number=lot_number, text=text, status=OPEN, asked_by_id=actor.id if actor else None)
    db.session.add(item)
    db.session.flush()
    record("clarification_question_asked", item, actor=actor, tender=tender.reference)
    register_interest(provider, tender, actor=actor)
    return item


def _answerable(question: Question) -> Tender:
    if question.commissioner_id != current_tenant_id():
        raise ServiceError("Only the procurement team of the tender's commissioner answers its questions")
    if question.status != OPEN:
        raise Conflict("This question has already been answered")
    tender = question.tender
    if tender.status in (DRAFT, CANCELLED):
        raise Conflict(f"The tender is {tender.status}: its questions can no longer be answered")
    return tender


def _duplicates(question: Question, ids) -> list[Question]:
    """Other open questions of the same tender that the answer also answers."""
    wanted = []
    for value in ids or ():
        try:
            wanted.append(int(value))
        except (TypeError, ValueError):
            raise Invalid("Choose duplicates from the questions listed", field="duplicates") from None
    wanted = sorted(set(wanted) - {question.id})
    if not wanted:
        return []
    found = list(db.session.scalars(select(Question).where(
        Question.id.in_(wanted), Question.commissioner_id == question.commissioner_id,
        Question.tender_id == question.tender_id, Question.status == OPEN)))
    if len(found) != len(wanted):
        raise Invalid("Choose duplicates from the open questions of the same tender", field="duplicates")
    return found


def answer_question(question: Question, answer: str, *, publish: bool, question_text: str | None = None,
                    reason: str | None = None, duplicates=(), actor: User | None,
                    now: datetime | None = None) -> Question:
    """Answer a question: ``publish`` to every organisation as the next numbered clarification of
    the tender (with ``question_text``, the question as published, if given), also answering the
    ``duplicates`` (ids of other open questions of the tender); or privately to the asker alone,
    with the ``reason``."""
    if publish not in (True, False):
        raise Invalid("Say whether the answer is published to all or sent to the asker alone", field="publish")
    tender = _answerable(question)
    now = now or utcnow()
    answer = _text(answer, "answer", "the answer", ANSWER_LIMIT)
    if not publish:
        reason = _text(reason, "reason", "the reason the answer goes to the asker alone (commercially sensitive)",
                       REASON_LIMIT)
        if duplicates:
            raise Invalid("Duplicates are merged under an answer published to all: answer them on their own",
                          field="duplicates")
        question.status, question.answer, question.private_reason = PRIVATE, answer, reason
        question.answered_at, question.answered_by_id = now, actor.id if actor else None
        db.session.flush()
        record("clarification_answered_privately", question, actor=actor, tender=tender.reference, reason=reason)
        enqueue_after_commit("notify_clarifications", tenant_id=question.tenant_id, tender_id=tender.id,
                             question_id=question.id)
        return question
    published = question.text if question_text is None or not str(question_text).strip() else question_text
    published = _text(published, "question_text", "the question as it will be published", QUESTION_LIMIT)
    merged = _duplicates(question, duplicates)
    clarification = publish_clarification(tender, published, answer, lot_number=question.lot_number, now=now)
    for item in (question, *merged):
        item.status, item.answer, item.clarification_id = PUBLISHED, answer, clarification.id
        item.answered_at, item.answered_by_id = now, actor.id if actor else None
    question.published_text = published
    db.session.flush()
    record("clarification_published", clarification, actor=actor, tender=tender.reference,
           number=clarification.number, merged=len(merged))
    notify_interested(tender, [clarification.number])
    return question


def publish_clarification(tender: Tender, question: str, answer: str, *, lot_number: int | None,
                          now: datetime) -> Clarification:
    """The tender's next numbered clarification. The tender's row is locked first, so two
    officers publishing at once take numbers one after the other."""
    if tender.tenant_id != current_tenant_id():
        raise ServiceError("Only the tender's commissioner publishes its clarifications")
    db.session.execute(select(Tender.id).where(Tender.id == tender.id, Tender.tenant_id == tender.tenant_id)
                       .with_for_update())
    number = db.session.scalar(select(func.coalesce(func.max(Clarification.number), 0) + 1)
                               .where(Clarification.tenant_id == tender.tenant_id,
                                      Clarification.tender_id == tender.id))
    clarification = Clarification(tenant_id=tender.tenant_id, tender_id=tender.id, number=number,
                                  lot_number=lot_number, question=question, answer=answer, published_at=now,
                                  listed=True)
    db.session.add(clarification)
    db.session.flush()
    return clarification


def notify_interested(tender: Tender, numbers: list[int]) -> None:
    """One email job per interested provider, run as that provider after the commit."""
    interested = db.session.scalars(select(Interest.tenant_id).where(Interest.commissioner_id == tender.tenant_id,
                                                                     Interest.tender_id == tender.id))
    for provider_id in sorted(set(interested)):
        enqueue_after_commit("notify_clarifications", tenant_id=provider_id, tender_id=tender.id, numbers=numbers)


def notify_clarifications(tender_id: int, numbers: list[int] | None = None, question_id: int | None = None) -> None:
    """Runs as a provider: email its administrators and submitters the newly published
    clarifications of a tender (``numbers``) or the private answer to its question."""
    provider = db.session.get(Organisation, current_tenant_id())
    tender = db.session.scalar(select(Tender).where(Tender.id == tender_id))
    if provider is None or provider.kind != PROVIDER or tender is None:
        return
    link = external_url("clarifications.log", slug=provider.slug, tender_id=tender.id)
    if question_id is not None:
        question = db.session.scalar(select(Question).where(Question.id == question_id,
                                                            Question.tenant_id == provider.id))
        if question is None or question.status != PRIVATE:
            return
        subject, template, context = (f"Your question about {tender.reference} has been answered",
                                      "clarification_answered_privately", {"question": question})
        link = external_url("clarifications.question", slug=provider.slug, question_id=question.id)
    else:
        items = list(db.session.scalars(select(Clarification).where(
            Clarification.tender_id == tender.id, Clarification.tenant_id == tender.tenant_id,
            Clarification.number.in_(numbers or [])).order_by(Clarification.number)))
        if not items:
            return
        subject, template, context = (f"New clarifications on {tender.reference}: {tender.title}"[:200],
                                      "clarifications_published", {"clarifications": items})
    recipients = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(("submitter", "provider_admin")), User.is_active_account)))
    for user in recipients:
        send_email(user.email, subject, template, user=user, tender=tender, link=link, **context)


def is_commissioner_of(org: Organisation, tender: Tender) -> bool:
    return org.kind == COMMISSIONER and tender.tenant_id == org.id
