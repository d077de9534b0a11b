"""Clarification questions and the published log of a tender."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.errors import NotFound
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.procurement import clarification_queries as queries
from portal.procurement import clarifications as services
from portal.procurement.clarification_schemas import (ClarificationAnswerSchema, AskSchema, ClarificationSchema,
                                                      QuestionCreatedSchema, ClarificationQuestionSchema)

bp = ApiBlueprint("api_clarifications", __name__, description="Clarification questions")


@bp.org_route("/tenders/<int:tender_id>/questions", methods=["POST"])
@requires("ask_questions")
@bp.arguments(AskSchema)
@bp.response(201, QuestionCreatedSchema)
@bp.doc(security=BEARER)
def ask(data, tender):
    """Ask a clarification question (providers), until the tender's clarification deadline"""
    return services.ask_question(g.organisation, tender, data["question"], data["lot"], actor=current_user)


@bp.org_route("/questions")
@requires("view_questions")
@bp.response(200, ClarificationQuestionSchema(many=True))
@bp.doc(security=BEARER)
def questions():
    """The procurement team's inbox (questions on its tenders, open first); a provider's own questions"""
    return queries.inbox()


@bp.org_route("/questions/<int:question_id>/answer", methods=["POST"])
@requires("answer_questions")
@bp.arguments(ClarificationAnswerSchema)
@bp.response(200, ClarificationQuestionSchema)
@bp.doc(security=BEARER)
def answer(data, question):
    """Answer a question: publish it to all as the next clarification, or to the asker alone with a reason"""
    if question.commissioner_id != g.organisation.id:
        raise NotFound("No such question")
    return services.answer_question(question, data["answer"], publish=data["publish"],
                                    question_text=data["question_text"], reason=data["reason"],
                                    duplicates=data["duplicates"], actor=current_user)


@bp.org_route("/tenders/<int:tender_id>/clarifications")
@requires("view_tenders")
@bp.response(200, ClarificationSchema(many=True))
@bp.doc(security=BEARER)
def clarifications(tender):
    """The tender's published clarifications, numbered in order of publication (no asker is ever named)"""
    return queries.clarifications_of(tender)
