"""Market engagement: a commissioner opens Q&A threads, providers ask, the commissioner replies
and publishes an answer set without the askers' names."""
from __future__ import annotations

from flask import Response, abort, g, request, url_for
from flask_login import current_user

from portal.documents.filenames import content_disposition
from portal.engagement import answer_set, policy, queries, services
from portal.engagement.forms import MarkForm, QuestionForm, ReplyForm, thread_form
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.reporting.exports import csv_text, download

bp = tenant_blueprint("threads", __name__, "/threads")


@bp.get("/")
@requires("view_threads")
def index():
    q, status = request.args.get("q", "")[:200], request.args.get("status", "")
    status = status if status in queries.FILTERS else ""
    threads = queries.list_threads(g.membership, q=q, status=status)
    return render("threads/index.html", threads=threads, q=q, chosen=status)


@bp.route("/new", methods=["GET", "POST"])
@requires("manage_threads")
def new():
    form = thread_form(queries.contracts_for_threads(g.membership))
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            thread = services.open_thread(g.organisation, g.membership, title=form.title.data,
                                          description=form.description.data, scope=form.scope.data,
                                          contract_id=form.contract_id.data, actor=current_user)
        if attempt.ok:
            flash_success(f"“{thread.title}” is open for questions")
            return redirect_to(url_for(".show", thread_id=thread.id))
        return render("threads/new.html", form=form, status=attempt.status)
    return render("threads/new.html", form=form, status=422 if form.errors else 200)


def _show(thread, *, form=None, status: int = 200, problem: str | None = None):
    owner = policy.owns(g.organisation.id, thread)
    may_ask = policy.may_ask(g.organisation.id, thread) and g.membership.can("post_thread_questions")
    return render("threads/show.html", thread=thread, owner=owner, questions=queries.questions_of(thread),
                  replies=queries.replies_of(thread), marked=queries.marked_of(thread) if owner else {},
                  answers=queries.published_answers(thread), form=form or (QuestionForm() if may_ask else None),
                  may_ask=may_ask, problem=problem, status=status)


@bp.get("/<int:thread_id>")
@requires("view_threads")
def show(thread):
    return _show(thread)


@bp.post("/<int:thread_id>/questions")
@requires("post_thread_questions")
def ask(thread):
    form = QuestionForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.ask(g.organisation, thread, form.body.data, actor=current_user)
        if attempt.ok:
            flash_success("Your question has been sent. The commissioner’s reply will appear here.")
            return redirect_to(url_for(".show", thread_id=thread.id, _anchor="your-questions"))
        return _show(thread, form=form, status=attempt.status)
    return _show(thread, form=form, status=422)


@bp.route("/<int:thread_id>/questions/<int:post_id>/reply", methods=["GET", "POST"])
@requires("manage_threads")
def reply(thread, question):
    _own(thread)
    form = ReplyForm()
    replied = queries.reply_to(question)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.reply(thread, question, form.body.data, actor=current_user)
        if attempt.ok:
            flash_success("Your reply has been sent to the provider that asked")
            return redirect_to(url_for(".show", thread_id=thread.id, _anchor=f"question-{question.id}"))
        return render("threads/reply.html", thread=thread, question=question, replied=replied, form=form,
                      status=attempt.status)
    return render("threads/reply.html", thread=thread, question=question, replied=replied, form=form,
                  status=422 if form.errors else 200)


@bp.route("/<int:thread_id>/questions/<int:post_id>/answer-set", methods=["GET", "POST"])
@requires("manage_threads")
def mark(thread, question):
    _own(thread)
    replied = queries.reply_to(question)
    entry = queries.entry_for(replied) if replied else None
    form = MarkForm(data={"question": entry.question if entry else question.body,
                          "answer": entry.answer if entry else (replied.body if replied else "")})
    if request.method == "POST":
        form.process(request.form)
        if form.validate():
            with form_errors(form) as attempt:
                services.mark(thread, question, question_text=form.question.data, answer_text=form.answer.data,
                              actor=current_user)
            if attempt.ok:
                flash_success("Saved to the answer set. Publish the set when it is ready.")
                return redirect_to(url_for(".show", thread_id=thread.id, _anchor=f"question-{question.id}"))
            return render("threads/mark.html", thread=thread, question=question, replied=replied, entry=entry,
                          form=form, status=attempt.status)
        return render("threads/mark.html", thread=thread, question=question, replied=replied, entry=entry,
                      form=form, status=422)
    return render("threads/mark.html", thread=thread, question=question, replied=replied, entry=entry, form=form)


@bp.post("/<int:thread_id>/questions/<int:post_id>/answer-set/remove")
@requires("manage_threads")
def unmark(thread, question):
    _own(thread)
    with form_errors() as attempt:
        services.unmark(thread, question, actor=current_user)
    if attempt.ok:
        flash_success("Taken out of the answer set")
        return redirect_to(url_for(".show", thread_id=thread.id, _anchor=f"question-{question.id}"))
    return _show(thread, status=attempt.status, problem=attempt.message)


@bp.post("/<int:thread_id>/publish")
@requires("manage_threads")
def publish(thread):
    _own(thread)
    with form_errors() as attempt:
        published = services.publish_answers(thread, actor=current_user)
    if attempt.ok:
        flash_success(f"{len(published)} answer{'' if len(published) == 1 else 's'} published, without the askers’ "
                      "names")
        return redirect_to(url_for(".answers", thread_id=thread.id))
    return _show(thread, status=attempt.status, problem=attempt.message)


@bp.post("/<int:thread_id>/close")
@requires("manage_threads")
def close(thread):
    _own(thread)
    with form_errors() as attempt:
        services.close_thread(thread, actor=current_user)
    if attempt.ok:
        flash_success("The thread is closed: it takes no more questions. You can still reply and publish answers.")
        return redirect_to(url_for(".show", thread_id=thread.id))
    return _show(thread, status=attempt.status, problem=attempt.message)


@bp.get("/<int:thread_id>/answers")
@requires("view_threads")
def answers(thread):
    return render("threads/answers.html", thread=thread, answers=queries.published_answers(thread))


@bp.get("/<int:thread_id>/answers.csv")
@requires("view_threads")
def answers_csv(thread):
    header, rows = queries.answer_set_rows(queries.published_answers(thread))
    return download(csv_text(header, rows), answer_set.filename(thread, "csv"))


@bp.get("/<int:thread_id>/answers.docx")
@requires("view_threads")
def answers_docx(thread):
    body = answer_set.answer_set_docx(thread, queries.published_answers(thread))
    return Response(body, mimetype=answer_set.DOCX_MIMETYPE,
                    headers={"Content-Disposition": content_disposition(answer_set.filename(thread, "docx"))})


def _own(thread) -> None:
    """Another commissioner's thread is read-only: its pages for changing it do not exist."""
    if not policy.owns(g.organisation.id, thread):
        abort(404)
