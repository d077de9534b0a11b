"""Market engagement threads: commissioners open them and publish answer sets; providers ask."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.engagement import policy, queries, services
from portal.engagement.schemas import (ThreadAnswerSchema, MarkSchema, ThreadQuerySchema, QuestionCreateSchema, ThreadQuestionSchema,
                                       ReplyCreateSchema, ReplySchema, ThreadCreateSchema, ThreadDetailSchema,
                                       ThreadSchema)
from portal.errors import NotFound
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint

bp = ApiBlueprint("api_threads", __name__, description="Market engagement threads")


def _own(thread) -> None:
    if not policy.owns(g.organisation.id, thread):
        raise NotFound("No such thread")


@bp.org_route("/threads")
@requires("view_threads")
@bp.arguments(ThreadQuerySchema, location="query")
@bp.response(200, ThreadSchema(many=True))
@bp.doc(security=BEARER)
def threads(args):
    """Threads the member reads; `q` searches titles, descriptions and published answers"""
    return queries.list_threads(g.membership, q=args["q"], status=args["status"])


@bp.org_route("/threads", methods=["POST"])
@requires("manage_threads")
@bp.arguments(ThreadCreateSchema)
@bp.response(201, ThreadDetailSchema)
@bp.doc(security=BEARER)
def open_thread(data):
    """Open a thread (commissioners): `scope` market (every organisation) or contract (with `contract_id`)"""
    thread = services.open_thread(g.organisation, g.membership, actor=current_user, **data)
    return queries.thread_detail(thread, g.organisation.id)


@bp.org_route("/threads/<int:thread_id>")
@requires("view_threads")
@bp.response(200, ThreadDetailSchema)
@bp.doc(security=BEARER)
def thread(thread):
    """One thread: the commissioner reads every question and who asked; a provider its own questions"""
    return queries.thread_detail(thread, g.organisation.id)


@bp.org_route("/threads/<int:thread_id>/questions", methods=["POST"])
@requires("post_thread_questions")
@bp.arguments(QuestionCreateSchema)
@bp.response(201, ThreadQuestionSchema)
@bp.doc(security=BEARER)
def ask(data, thread):
    """Ask a question while the thread is open (providers); other providers never learn who asked"""
    return services.ask(g.organisation, thread, data["body"], actor=current_user)


@bp.org_route("/threads/<int:thread_id>/questions/<int:post_id>/reply", methods=["POST"])
@requires("manage_threads")
@bp.arguments(ReplyCreateSchema)
@bp.response(201, ReplySchema)
@bp.doc(security=BEARER)
def reply(data, thread, question):
    """Reply to a question; the provider that asked reads the reply"""
    _own(thread)
    return services.reply(thread, question, data["body"], actor=current_user)


@bp.org_route("/threads/<int:thread_id>/questions/<int:post_id>/answer-set", methods=["POST"])
@requires("manage_threads")
@bp.arguments(MarkSchema)
@bp.response(200, ThreadAnswerSchema)
@bp.doc(security=BEARER)
def mark(data, thread, question):
    """Put a replied question in the answer set, worded as it will be published (no asker)"""
    _own(thread)
    return services.mark(thread, question, question_text=data["question"], answer_text=data["answer"],
                         actor=current_user)


@bp.org_route("/threads/<int:thread_id>/publish", methods=["POST"])
@requires("manage_threads")
@bp.response(200, ThreadAnswerSchema(many=True))
@bp.doc(security=BEARER)
def publish(thread):
    """Publish the answer set's new entries, numbered after those already published"""
    _own(thread)
    services.publish_answers(thread, actor=current_user)
    return queries.published_answers(thread)


@bp.org_route("/threads/<int:thread_id>/close", methods=["POST"])
@requires("manage_threads")
@bp.response(200, ThreadSchema)
@bp.doc(security=BEARER)
def close(thread):
    """Close the thread to questions"""
    _own(thread)
    return services.close_thread(thread, actor=current_user)


@bp.org_route("/threads/<int:thread_id>/answers")
@requires("view_threads")
@bp.response(200, ThreadAnswerSchema(many=True))
@bp.doc(security=BEARER)
def answers(thread):
    """The published answer set, numbered, without the askers"""
    return queries.published_answers(thread)
