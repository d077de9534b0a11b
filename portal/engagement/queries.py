"""Reading threads, their questions, replies and answer sets (the ORM criteria decide which
rows an organisation reads; the policy which of them a member sees)."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from portal.contracts.models import Contract
from portal.engagement import policy
from portal.engagement.models import CONTRACT, OPEN, Answer, ThreadQuestion, Reply, Thread
from portal.extensions import db
from portal.tenants.context import current_tenant_id

FILTERS = ("open", "closed")


def _visible(query, membership):
    """Leave out the contract-scoped threads of the member's own organisation that are not theirs."""
    if policy.sees_every_contract_thread(membership):
        return query
    led = select(Contract.id).where(Contract.lead_manager_id == membership.user_id)
    return query.where(or_(Thread.scope != CONTRACT, Thread.tenant_id != membership.tenant_id,
                           Thread.contract_id.in_(led)))


def get_thread(thread_id: int, membership) -> Thread | None:
    return db.session.scalar(_visible(select(Thread).where(Thread.id == thread_id), membership))


def list_threads(membership, *, q: str = "", status: str = "", limit: int = 200, offset: int = 0) -> list[Thread]:
    """Threads the member sees, open ones and the newest first; ``q``: words of the title, the
    description or the published answers."""
    query = _visible(select(Thread), membership)
    words = q.strip()
    if words:
        tsquery = func.websearch_to_tsquery("english", words)
        answered = select(Answer.thread_id).where(Answer.number.is_not(None), Answer.search.bool_op("@@")(tsquery))
        query = query.where(or_(Thread.search.bool_op("@@")(tsquery), Thread.id.in_(answered)))
    if status in FILTERS:
        query = query.where(Thread.status == status)
    query = query.order_by((Thread.status == OPEN).desc(), Thread.created_at.desc(), Thread.id.desc())
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def get_question(thread: Thread, question_id: int) -> ThreadQuestion | None:
    """A question of the thread: the commissioner reads all of its thread's; a provider its own."""
    return db.session.scalar(select(ThreadQuestion).where(ThreadQuestion.id == question_id, ThreadQuestion.thread_id == thread.id,
                                                    ThreadQuestion.commissioner_id == thread.tenant_id))


def questions_of(thread: Thread) -> list[ThreadQuestion]:
    """The thread's questions this organisation reads (its own, or all of its own thread's)."""
    return list(db.session.scalars(select(ThreadQuestion).where(ThreadQuestion.thread_id == thread.id,
                                                          ThreadQuestion.commissioner_id == thread.tenant_id)
                                   .order_by(ThreadQuestion.created_at, ThreadQuestion.id)))


def replies_of(thread: Thread) -> dict[int, Reply]:
    """Replies by question id, those this organisation reads."""
    rows = db.session.scalars(select(Reply).where(Reply.tenant_id == thread.tenant_id, Reply.thread_id == thread.id))
    return {reply.question_id: reply for reply in rows}


def reply_to(question: ThreadQuestion) -> Reply | None:
    return db.session.scalar(select(Reply).where(Reply.tenant_id == question.commissioner_id,
                                                 Reply.question_id == question.id))


def marked_of(thread: Thread) -> dict[int, Answer]:
    """The answer-set entries by reply id (the commissioner's; published and not)."""
    rows = db.session.scalars(select(Answer).where(Answer.tenant_id == thread.tenant_id,
                                                   Answer.thread_id == thread.id))
    return {answer.reply_id: answer for answer in rows}


def entry_for(reply: Reply) -> Answer | None:
    return db.session.scalar(select(Answer).where(Answer.tenant_id == reply.tenant_id, Answer.reply_id == reply.id))


def published_answers(thread: Thread) -> list[Answer]:
    """The published answer set, in its numbered order."""
    return list(db.session.scalars(select(Answer).where(Answer.tenant_id == thread.tenant_id,
                                                        Answer.thread_id == thread.id, Answer.number.is_not(None))
                                   .order_by(Answer.number)))


def lead_manager_of(thread: Thread) -> int | None:
    if thread.contract_id is None:
        return None
    return db.session.scalar(select(Contract.lead_manager_id).where(Contract.id == thread.contract_id))


def contracts_for_threads(membership) -> list[Contract]:
    """The contracts the member may open a contract-scoped thread on: all of the commissioner's
    for administrators and procurement, the ones they lead for contract managers."""
    query = select(Contract).where(Contract.commissioner_id == current_tenant_id())
    if not policy.sees_every_contract_thread(membership):
        query = query.where(Contract.lead_manager_id == membership.user_id)
    return list(db.session.scalars(query.order_by(Contract.reference)))


def thread_detail(thread: Thread, org_id: int) -> dict:
    """The thread as this organisation reads it, for the API: the commissioner gets every
    question with who asked; a provider its own questions, never a name; both the published set."""
    owner = policy.owns(org_id, thread)
    replies, marked = replies_of(thread), marked_of(thread) if owner else {}
    questions = []
    for question in questions_of(thread):
        reply = replies.get(question.id)
        item = {"id": question.id, "body": question.body, "created_at": question.created_at, "reply": reply}
        if owner:
            item["provider"] = question.provider
            item["in_answer_set"] = reply is not None and reply.id in marked
        questions.append(item)
    return {"id": thread.id, "title": thread.title, "description": thread.description, "scope": thread.scope,
            "status": thread.status, "commissioner": thread.commissioner, "created_at": thread.created_at,
            "closed_at": thread.closed_at, "answers_published_at": thread.answers_published_at,
            "contract": _contract_reference(thread), "questions": questions, "answers": published_answers(thread)}


def _contract_reference(thread: Thread) -> str | None:
    if thread.contract_id is None:
        return None
    return db.session.scalar(select(Contract.reference).where(Contract.id == thread.contract_id))


def answer_set_rows(answers: list[Answer]) -> tuple[list[str], list[list]]:
    """The published answer set as a table (for the CSV): number, question, answer. No asker."""
    return ["Number", "ThreadQuestion", "Answer"], [[a.number, a.question, a.answer] for a in answers]
