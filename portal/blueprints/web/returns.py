"""Returns: the provider fills them task by task and submits; the commissioner reviews them."""
from __future__ import annotations

from flask import Response, flash, g, redirect, request, url_for
from flask_login import current_user

from portal.contracts.queries import list_contracts
from portal.documents import services as document_services
from portal.documents.filenames import content_disposition
from portal.documents.queries import list_usable_documents
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.models_base import utcnow
from portal.returns import attachments, contract_file, imports, queries, readiness, review_form, review_page
from portal.returns import services as return_services
from portal.returns.models import ACCEPTED, AWAITING_REVIEW, STATUS_LABELS
from portal.returns.policy import can_edit, can_review, sees_working_copy
from portal.returns.services import DECLARATION_FIELD

bp = tenant_blueprint("returns", __name__, "/returns")


def _version_from_form() -> int | None:
    value = request.form.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 10 else None


def _problem(attempt, fields) -> str | None:
    """A message about no field on this page (someone else saved first, a refused action)."""
    if attempt.error is None:
        return None
    return None if set(attempt.error.field_errors()) & set(fields) else attempt.message


def _evidence_url(ret) -> str:
    return url_for(".show", return_id=ret.id) + "#evidence"


@bp.get("/")
@requires("view_returns")
def index():
    listing = queries.listing_from_args(request.args)
    return render("returns/index.html", returns=queries.list_returns(**listing.query), contracts=list_contracts(),
                  selected_status=listing.single_status, contract_id=listing.contract_id, statuses=STATUS_LABELS,
                  chosen_statuses=listing.statuses, drill=listing.drill)


@bp.get("/<int:return_id>")
@requires("view_returns")
def show(ret):
    if not sees_working_copy(g.membership):
        return _review_page(ret)
    progress = readiness.progress(ret)
    attached = progress.documents
    attached_ids = {link.document_id for link in attached}
    return render("returns/task_list.html", partial="returns/_evidence.html", ret=ret, tasks=progress.tasks,
                  progress=progress, versions=progress.versions, can_edit=can_edit(ret, g.membership),
                  attached=attached, library=[d for d in list_usable_documents() if d.id not in attached_ids])


def _review_page(ret, *, errors: dict | None = None, form: review_form.ReviewForm | None = None, status: int = 200):
    page = review_page.build(ret)
    return render("returns/review.html", ret=ret, page=page, tasks=page.sections,
                  can_review=can_review(ret, g.membership), errors=errors or {}, form=form or review_form.ReviewForm(),
                  respond_by_example=review_form.example_date(), status=status)


@bp.get("/<int:return_id>/print")
@requires("view_returns")
def print_view(ret):
    """The return for the contract file: answers, evidence, versions and review, set for printing."""
    return render("returns/print.html", ret=ret, page=review_page.build(ret), printed_at=utcnow())


@bp.get("/<int:return_id>/return.pdf")
@requires("view_returns")
def pdf(ret):
    body, name = contract_file.pdf(review_page.build(ret), organisation=g.organisation)
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": content_disposition(name)})


def _warned() -> dict[str, str]:
    """The warnings the page showed, as measure code -> the figure shown (hidden fields)."""
    shown = {}
    for item in request.form.getlist("warned")[:200]:
        code, _sep, value = item.partition("=")
        shown[code] = value
    return shown


@bp.route("/<int:return_id>/tasks/<task_key>", methods=["GET", "POST"])
@requires("edit_returns")
def task(ret, task):
    if request.method == "GET":
        return render("returns/task.html", ret=ret, task=task, values=queries.answer_values(ret), errors={})
    submitted = {m.code: request.form.get(m.code, "") for m in task.measures}
    complete = request.form.get("action") != "later"
    confirmed = _warned() if request.form.get("confirm_warnings") == "yes" else {}
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        saved = return_services.save_task(ret, task, submitted, expected_version=_version_from_form(),
                                          actor=current_user, complete=complete, confirmed=confirmed)
    if attempt.ok and not saved.needs_confirmation:
        flash_success(f"Saved: {task.title}" if complete else
                      f"Saved: {task.title}. You can come back to it later.")
        return redirect_to(url_for(".show", return_id=ret.id))
    if attempt.ok:  # saved, with figures far from the previous period's to confirm
        shown_before = _warned()
        again = all(shown_before.get(w.code) == w.value for w in saved.unconfirmed)
        errors = {"confirm_warnings": "Confirm that the figures are right, or change them"} if again else {}
        return render("returns/task.html", ret=ret, task=queries.get_task(ret, task.key),
                      values=queries.answer_values(ret), errors=errors, status=422 if again else 200)
    return render("returns/task.html", ret=ret, task=task, values=submitted,
                  errors={k: v for k, v in errors.items() if k in submitted},
                  problem=_problem(attempt, submitted), status=attempt.status)


@bp.route("/<int:return_id>/declaration", methods=["GET", "POST"])
@requires("edit_returns")
def declaration(ret):
    """The declaration is made on the check answers page, with the submission."""
    return redirect_to(url_for(".check", return_id=ret.id) + "#declaration")


def _check_page(ret, *, errors: dict | None = None, problem: str | None = None, status: int = 200):
    return render("returns/check.html", partial="returns/_check_documents.html", ret=ret,
                  progress=readiness.progress(ret), values=queries.answer_values(ret), errors=errors or {},
                  problem=problem, wait=readiness.CHECK_WAIT, status=status)


@bp.get("/<int:return_id>/check")
@requires("edit_returns")
def check(ret):
    return _check_page(ret)


@bp.post("/<int:return_id>/submit")
@requires("edit_returns")
def submit(ret):
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        return_services.declare(ret, confirmed=request.form.get(DECLARATION_FIELD) == "yes",
                                expected_version=_version_from_form(), actor=current_user)
        return_services.submit(ret, expected_version=ret.lock_version, actor=current_user)
    if attempt.ok or not ret.is_editable:  # a double click: the first one won
        return redirect_to(url_for(".submitted", return_id=ret.id))
    return _check_page(ret, errors={k: v for k, v in errors.items() if k == DECLARATION_FIELD},
                       problem=_problem(attempt, [DECLARATION_FIELD]), status=attempt.status)


@bp.get("/<int:return_id>/submitted")
@requires("view_returns")
def submitted(ret):
    """The confirmation after submitting: what happens next."""
    if not sees_working_copy(g.membership) or ret.status not in AWAITING_REVIEW:
        return redirect_to(url_for(".show", return_id=ret.id))
    progress = readiness.progress(ret)
    return render("returns/submitted.html", ret=ret, version=progress.versions[-1], progress=progress)


@bp.get("/<int:return_id>/versions/<int:number>")
@requires("view_returns")
def version(ret, version):
    return render("returns/version.html", ret=ret, version=version, page=review_page.build(ret, version))


@bp.post("/<int:return_id>/review")
@requires("review_returns")
def review(ret):
    errors: dict[str, str] = {}
    form = review_form.read(request.form, [t.key for t in queries.task_list(ret, for_review=True)])
    with form_errors(errors) as attempt:
        return_services.review(ret, **form.arguments(), actor=current_user)
    if attempt.ok:
        flash_success("Return accepted" if ret.status == ACCEPTED else "Changes requested from the provider")
        return redirect_to(url_for(".show", return_id=ret.id))
    if not errors:
        errors = {"decision": attempt.message}
    return _review_page(ret, errors=errors, form=form, status=attempt.status)


# -- evidence documents -------------------------------------------------------------------------

@bp.post("/<int:return_id>/documents/upload")
@requires("edit_returns")
def upload_documents(ret):
    with form_errors() as attempt:
        documents = document_services.upload_documents(request.files.getlist("files"), uploaded_by=current_user)
        for document in documents:
            attachments.attach(ret, document.id, actor=current_user)
    if not attempt.ok:
        flash(attempt.message, "error")
        return redirect_to(_evidence_url(ret))
    flash_success(f"{len(documents)} file{'s' if len(documents) != 1 else ''} uploaded: they are being checked")
    return redirect_to(_evidence_url(ret))


@bp.post("/<int:return_id>/documents/attach")
@requires("edit_returns")
def attach_document(ret):
    with form_errors() as attempt:
        attachments.attach_from_form(ret, request.form.get("document_id", ""), actor=current_user)
    if attempt.ok:
        flash_success("Document attached")
    else:
        flash(attempt.message, "error")
    return redirect_to(_evidence_url(ret))


@bp.post("/<int:return_id>/documents/<int:document_id>/remove")
@requires("edit_returns")
def remove_document(ret, document):
    attachments.detach(ret, document.id, actor=current_user)
    flash_success("Document removed from the return (it stays in your library)")
    return redirect_to(_evidence_url(ret))


@bp.get("/<int:return_id>/versions/<int:number>/documents/<int:submitted_document_id>")
@requires("view_returns")
def version_document(ret, version, submitted_document):
    """A document as submitted in a version: for the commissioner as much as the provider."""
    url = attachments.submitted_document_url(ret, version, submitted_document, actor=current_user)
    return redirect(url, 303)


# -- spreadsheet import -------------------------------------------------------------------------

@bp.get("/<int:return_id>/template.<any(xlsx, csv):file_format>")
@requires("edit_returns")
def template(ret, file_format: str):
    body, mimetype, name = imports.template_file(ret, file_format)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": content_disposition(name)})


@bp.route("/<int:return_id>/import", methods=["GET", "POST"])
@requires("edit_returns")
def start_import(ret):
    if request.method == "GET":
        return render("returns/import.html", ret=ret, problem=None)
    with form_errors() as attempt:
        item = imports.start_import(ret, request.files.get("file"), actor=current_user)
    if attempt.ok:
        return redirect_to(url_for(".import_status", return_id=ret.id, import_id=item.id))
    return render("returns/import.html", ret=ret, problem=attempt.message, status=attempt.status)


@bp.get("/<int:return_id>/imports/<int:import_id>")
@requires("view_returns")
def import_status(ret, item):
    return render("returns/import_status.html", partial="returns/_import_status.html", ret=ret, item=item)
