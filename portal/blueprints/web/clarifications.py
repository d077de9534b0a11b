"""Clarification questions: providers ask, the procurement team answers from its inbox, and every
organisation reads the published, numbered log (live with htmx, a full page without it)."""
from __future__ import annotations

from flask import Response, abort, g, request, url_for
from flask_login import current_user

from portal.documents.filenames import content_disposition
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.procurement import clarification_queries as queries
from portal.procurement import clarifications as services
from portal.procurement import policy
from portal.procurement.clarification_forms import answer_form, ask_form, chosen_lot
from portal.reporting.exports import download
from portal.tenants.models import COMMISSIONER

bp = tenant_blueprint("clarifications", __name__)


@bp.get("/tenders/<int:tender_id>/clarifications")
@requires("view_tenders")
def log(tender):
    """The published log: the full page, or (htmx polling) the log alone."""
    return render("clarifications/log.html", partial="clarifications/_log.html", tender=tender,
                  clarifications=queries.clarifications_of(tender), policy=policy)


@bp.get("/tenders/<int:tender_id>/clarifications.csv")
@requires("view_tenders")
def log_csv(tender):
    return download(queries.log_csv(tender), queries.log_filename(tender, "csv"))


@bp.get("/tenders/<int:tender_id>/clarifications.docx")
@requires("view_tenders")
def log_docx(tender):
    return Response(queries.log_docx(tender), mimetype=queries.DOCX_MIMETYPE,
                    headers={"Content-Disposition": content_disposition(queries.log_filename(tender, "docx"))})


@bp.route("/tenders/<int:tender_id>/questions/new", methods=["GET", "POST"])
@requires("ask_questions")
def ask(tender):
    form = ask_form(tender)
    closed = not services.questions_open(tender)
    if request.method == "POST" and form.validate_on_submit():
        with form_errors(form) as attempt:
            question = services.ask_question(g.organisation, tender, form.question.data, chosen_lot(form),
                                             actor=current_user)
        if attempt.ok:
            flash_success("Your question has been sent to the procurement team. You will be emailed when it is "
                          "answered.")
            return redirect_to(url_for(".question", question_id=question.id))
        return render("clarifications/ask.html", tender=tender, form=form, closed=closed, status=attempt.status)
    return render("clarifications/ask.html", tender=tender, form=form, closed=closed,
                  status=422 if form.errors else 200)


@bp.get("/questions/")
@requires("view_questions")
def inbox():
    team = g.organisation.kind == COMMISSIONER
    return render("clarifications/inbox.html", questions=queries.inbox(), team=team, time_left=queries.time_left)


@bp.get("/questions/<int:question_id>")
@requires("view_questions")
def question(question):
    return _question_page(question)


@bp.post("/questions/<int:question_id>/answer")
@requires("answer_questions")
def answer(question):
    _team(question)
    duplicates = queries.open_duplicates(question)
    form = answer_form(question, duplicates)
    form.process(request.form)
    if form.validate():
        publish = form.audience.data == "all"
        with form_errors(form) as attempt:
            services.answer_question(question, form.answer.data, publish=publish,
                                     question_text=form.question_text.data, reason=form.reason.data,
                                     duplicates=getattr(form, "duplicates", None) and form.duplicates.data,
                                     actor=current_user)
        if attempt.ok:
            flash_success("The answer has been published to every organisation" if publish
                          else "The answer has been sent to the provider that asked, alone")
            return redirect_to(url_for(".question", question_id=question.id))
        return _question_page(question, form=form, duplicates=queries.open_duplicates(question),
                              status=attempt.status)
    return _question_page(question, form=form, duplicates=duplicates, status=422)


def _question_page(question, *, form=None, duplicates=None, status: int = 200):
    team = g.organisation.id == question.commissioner_id and g.membership.can("answer_questions")
    if team and form is None and question.status == "open":
        duplicates = queries.open_duplicates(question)
        form = answer_form(question, duplicates)
    return render("clarifications/question.html", question=question, tender=question.tender, team=team, form=form,
                  duplicates=duplicates or [], time_left=queries.time_left(question), status=status)


def _team(question) -> None:
    """A provider's own question is not answered by the provider: that page does not exist for it."""
    if question.commissioner_id != g.organisation.id:
        abort(404)
