"""Opening and closing threads, asking, replying, and publishing the answer set.

Services flush and never commit; each change is audited in the log of the organisation that
made it. A provider's audit entry for its question names the thread, never the question's
text; the commissioner's entries never name the provider that asked.
"""
from __future__ import annotations

from portal.accounts.models import User
from portal.audit.services import record
from portal.engagement import policy, queries
from portal.engagement.models import (CLOSED, CONTRACT, MARKET, QUESTION_LIMIT, REPLY_LIMIT, SCOPES, Answer, ThreadQuestion,
                                      Reply, Thread)
from portal.errors import Conflict, Invalid, ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenants.context import current_tenant_id
from portal.tenants.models import COMMISSIONER, PROVIDER, Organisation

TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 20000


def _text(value, field: str, label: str, limit: int, *, required: bool = True, one_line: bool = False) -> str:
    text = str(value or "")
    text = " ".join(text.split()) if one_line else text.replace("\r\n", "\n").strip()
    if required and not text:
        raise Invalid(f"Enter {label}", field=field)
    if len(text) > limit:
        raise Invalid(f"{label[0].upper()}{label[1:]} must be {limit:,} characters or fewer: shorten it by "
                      f"{len(text) - limit:,}", field=field)
    return text


def _commissioner_of(thread: Thread) -> None:
    if thread.tenant_id != current_tenant_id():
        raise ServiceError("Only the commissioner that opened this thread can do this")


def open_thread(commissioner: Organisation, membership, *, title: str, description: str = "", scope: str = MARKET,
                contract_id=None, actor: User | None) -> Thread:
    """Open a thread: market-wide (every organisation reads it at once) or for one contract
    (its provider only, and on the commissioner's side the contract's lead manager and the
    administrators and procurement team)."""
    if commissioner.kind != COMMISSIONER or commissioner.id != current_tenant_id():
        raise ServiceError("Only a commissioner opens market engagement threads")
    title = _text(title, "title", "the title", TITLE_LIMIT, one_line=True)
    description = _text(description, "description", "the description", DESCRIPTION_LIMIT, required=False)
    if scope not in SCOPES:
        raise Invalid("Choose who can read the thread", field="scope")
    contract = None
    if scope == CONTRACT:
        if contract_id in (None, ""):
            raise Invalid("Choose the contract whose provider the thread is for", field="contract_id")
        try:
            wanted = int(contract_id)
        except (TypeError, ValueError):
            raise Invalid("Choose one of the contracts listed", field="contract_id") from None
        contract = next((c for c in queries.contracts_for_threads(membership) if c.id == wanted), None)
        if contract is None:
            raise Invalid("Choose one of the contracts listed: you can open a thread for a contract you lead, "
                          "or any of your organisation's as an administrator or procurement officer",
                          field="contract_id")
    thread = Thread(tenant_id=commissioner.id, title=title, description=description, scope=scope,
                    listed=scope == MARKET, contract_id=contract.id if contract else None,
                    provider_id=contract.tenant_id if contract else None,
                    created_by_id=actor.id if actor else None)
    db.session.add(thread)
    db.session.flush()
    record("thread_opened", thread, actor=actor, title=title, scope=scope,
           contract=contract.reference if contract else None)
    return thread


def close_thread(thread: Thread, *, actor: User | None) -> Thread:
    """No more questions; replies and the answer set can still be published."""
    _commissioner_of(thread)
    if thread.status == CLOSED:
        raise Conflict("This thread is already closed")
    thread.status, thread.closed_at = CLOSED, utcnow()
    db.session.flush()
    record("thread_closed", thread, actor=actor)
    return thread


def ask(provider: Organisation, thread: Thread, body: str, *, actor: User | None) -> ThreadQuestion:
    """A provider's question: the commissioner sees who asked; no other provider ever does."""
    if provider.kind != PROVIDER or provider.id != current_tenant_id():
        raise ServiceError("Only a provider asks questions in a thread")
    if not policy.may_ask(provider.id, thread):
        raise Conflict("This thread is closed: it no longer takes questions", field="body")
    body = _text(body, "body", "your question", QUESTION_LIMIT)
    question = ThreadQuestion(tenant_id=provider.id, commissioner_id=thread.tenant_id, thread_id=thread.id, body=body,
                        author_id=actor.id if actor else None)
    db.session.add(question)
    db.session.flush()
    record("thread_question_asked", question, actor=actor, thread=thread.id)
    return question


def reply(thread: Thread, question: ThreadQuestion, body: str, *, actor: User | None) -> Reply:
    """The commissioner's reply to one question, read by the provider that asked it."""
    _commissioner_of(thread)
    if question.thread_id != thread.id:
        raise ServiceError("That question is not in this thread")
    if queries.reply_to(question) is not None:
        raise Conflict("This question has already been replied to", field="body")
    body = _text(body, "body", "your reply", REPLY_LIMIT)
    made = Reply(tenant_id=thread.tenant_id, thread_id=thread.id, question_id=question.id,
                 provider_id=question.tenant_id, body=body, author_id=actor.id if actor else None)
    db.session.add(made)
    db.session.flush()
    record("thread_reply_given", made, actor=actor, thread=thread.id)
    return made


def mark(thread: Thread, question: ThreadQuestion, *, question_text: str, answer_text: str,
         actor: User | None) -> Answer:
    """Put a replied question in the answer set (or change its wording while unpublished): the
    question and reply as they will be published, edited to remove anything that names the asker."""
    _commissioner_of(thread)
    replied = queries.reply_to(question)
    if replied is None:
        raise Conflict("Reply to the question before you add it to the answer set")
    question_text = _text(question_text, "question", "the question as published", QUESTION_LIMIT)
    answer_text = _text(answer_text, "answer", "the answer as published", REPLY_LIMIT)
    entry = queries.entry_for(replied)
    if entry is not None and entry.number is not None:
        raise Conflict(f"This is answer {entry.number} of the published set: it can no longer be changed")
    if entry is None:
        entry = Answer(tenant_id=thread.tenant_id, thread_id=thread.id, reply_id=replied.id, listed=False)
        db.session.add(entry)
    entry.question, entry.answer = question_text, answer_text
    db.session.flush()
    record("thread_answer_marked", entry, actor=actor, thread=thread.id)
    return entry


def unmark(thread: Thread, question: ThreadQuestion, *, actor: User | None) -> None:
    """Take an unpublished entry out of the answer set."""
    _commissioner_of(thread)
    replied = queries.reply_to(question)
    entry = queries.entry_for(replied) if replied else None
    if entry is None:
        return
    if entry.number is not None:
        raise Conflict(f"This is answer {entry.number} of the published set: it stays published")
    db.session.delete(entry)
    db.session.flush()
    record("thread_answer_unmarked", None, actor=actor, thread=thread.id)


def publish_answers(thread: Thread, *, actor: User | None) -> list[Answer]:
    """Publish every marked entry, numbered after those already published: from now every
    organisation that reads the thread reads them, with no asker named."""
    _commissioner_of(thread)
    entries = list(queries.marked_of(thread).values())
    waiting = sorted((e for e in entries if e.number is None), key=lambda e: (e.created_at, e.id))
    if not waiting:
        raise Conflict("Add at least one replied question to the answer set before you publish it")
    number = max((e.number for e in entries if e.number is not None), default=0)
    now = utcnow()
    for entry in waiting:
        number += 1
        entry.number, entry.published_at = number, now
        entry.listed, entry.provider_id = thread.listed, thread.provider_id
    thread.answers_published_at = now
    db.session.flush()
    record("thread_answers_published", thread, actor=actor, published=len(waiting), total=number)
    return waiting
