"""Returns: the provider fills them task by task and submits; the commissioner reviews them."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_login import current_user

from portal.http.organisation import tenant_blueprint
from portal.contracts.queries import list_contracts
from portal.errors import Conflict, ServiceError
from portal.extensions import db
from portal.audit.services import record
from portal.documents import services as document_services
from portal.documents import storage as document_storage
from portal.documents.filenames import content_disposition
from portal.documents.queries import list_usable_documents
from portal.returns import attachments, imports, queries
from portal.returns import services as return_services
from portal.returns.models import STATUS_LABELS
from portal.tenants.models import COMMISSIONER, PROVIDER
from portal.http.pages import flash_success, redirect_to, render

bp = tenant_blueprint("returns", __name__, "/returns")
PROVIDER_EDITORS = ("provider_admin", "submitter")
REVIEWERS = ("contract_manager", "commissioner_admin")


def _return_or_404(return_id: int):
    ret = queries.get_return(return_id)
    if ret is None:
        abort(404)
    return ret


def _provider_editor() -> None:
    if g.organisation.kind != PROVIDER or g.membership.role not in PROVIDER_EDITORS:
        abort(403)


def _task_or_404(ret, task_key: str):
    for task in queries.task_list(ret):
        if task.key == task_key and task.key != queries.DECLARATION_TASK:
            return task
    abort(404)


def _version_from_form() -> int | None:
    value = request.form.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 10 else None


def _date_arg(name: str):
    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None


def _drill_down() -> dict:
    """Filters the dashboards link here with (period, provider, late, service type, locality)."""
    return {"period_from": _date_arg("period_from"), "period_to": _date_arg("period_to"),
            "provider": (request.args.get("provider") or "").strip() or None,
            "late": {"yes": True, "no": False}.get(request.args.get("late", "")),
            "service_type": request.args.get("service_type") or None,
            "locality": request.args.get("locality") or None}


@bp.get("/")
def index():
    chosen = [s for s in request.args.getlist("status") if s in STATUS_LABELS]
    status = chosen[0] if len(chosen) == 1 else None
    contract_id = request.args.get("contract", type=int)
    drill = _drill_down()
    return render("returns/index.html",
                  returns=queries.list_returns(status=chosen or None, contract_id=contract_id, **drill),
                  contracts=list_contracts(), selected_status=status, contract_id=contract_id, statuses=STATUS_LABELS,
                  chosen_statuses=chosen, drill={k: v for k, v in drill.items() if v is not None})


@bp.get("/<int:return_id>")
def show(return_id: int):
    ret = _return_or_404(return_id)
    versions = queries.versions_for(ret)
    if g.organisation.kind == COMMISSIONER:
        return _review_page(ret, can_review=g.membership.role in REVIEWERS)
    attached = attachments.attached(ret)
    attached_ids = {link.document_id for link in attached}
    return render("returns/task_list.html", partial="returns/_evidence.html", ret=ret, tasks=queries.task_list(ret),
                  versions=versions,
                  can_edit=ret.is_editable and g.membership.role in PROVIDER_EDITORS, attached=attached,
                  library=[d for d in list_usable_documents() if d.id not in attached_ids])


def _review_page(ret, *, can_review: bool, errors: dict | None = None, form=None, status: int = 200):
    versions = queries.versions_for(ret)
    latest = versions[-1] if versions else None
    return render("returns/review.html", ret=ret, versions=versions, latest=latest, rows=_version_rows(ret, latest),
                  tasks=queries.task_list(ret, for_review=True), can_review=can_review, errors=errors or {},
                  form=form, status=status)


def _version_rows(ret, version):
    if version is None:
        return []
    return [{"measure": m, "value": version.answers.get(m.code)} for m in queries.measures_for(ret)]


@bp.route("/<int:return_id>/tasks/<task_key>", methods=["GET", "POST"])
def task(return_id: int, task_key: str):
    ret = _return_or_404(return_id)
    _provider_editor()
    current = _task_or_404(ret, task_key)
    values, errors = queries.answer_values(ret), {}
    if request.method == "POST":
        submitted = {m.code: request.form.get(m.code, "") for m in current.measures}
        try:
            return_services.save_answers(ret, submitted, expected_version=_version_from_form(),
                                         actor=current_user, measures=current.measures)
        except return_services.ValidationFailed as exc:
            db.session.rollback()
            return render("returns/task.html", ret=_return_or_404(return_id), task=current, values=submitted,
                          errors=exc.errors, status=422)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render("returns/task.html", ret=_return_or_404(return_id), task=current, values=submitted,
                          errors={}, problem=exc.message, status=exc.status)
        db.session.commit()
        flash_success(f"Saved: {current.title}")
        return redirect_to(url_for(".show", return_id=return_id))
    return render("returns/task.html", ret=ret, task=current, values=values, errors=errors)


@bp.route("/<int:return_id>/declaration", methods=["GET", "POST"])
def declaration(return_id: int):
    ret = _return_or_404(return_id)
    _provider_editor()
    errors, problem = {}, None
    if request.method == "POST":
        try:
            return_services.declare(ret, confirmed=request.form.get("confirm") == "yes",
                                    expected_version=_version_from_form(), actor=current_user)
            db.session.commit()
            return redirect_to(url_for(".check", return_id=return_id))
        except return_services.ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
        except ServiceError as exc:
            db.session.rollback()
            problem = exc.message
        ret = _return_or_404(return_id)
    return render("returns/declaration.html", ret=ret, errors=errors, problem=problem,
                  status=422 if errors else (409 if problem else 200))


@bp.get("/<int:return_id>/check")
def check(return_id: int):
    ret = _return_or_404(return_id)
    _provider_editor()
    values = queries.answer_values(ret)
    return render("returns/check.html", ret=ret, tasks=queries.task_list(ret), values=values)


@bp.post("/<int:return_id>/submit")
def submit(return_id: int):
    ret = _return_or_404(return_id)
    _provider_editor()
    try:
        version = return_services.submit(ret, expected_version=_version_from_form(), actor=current_user)
    except Conflict as exc:
        db.session.rollback()
        ret = _return_or_404(return_id)
        if ret.status not in ("draft", "changes_requested"):  # a double click: the first one won
            flash("This return has been submitted", "success")
            return redirect_to(url_for(".show", return_id=return_id))
        flash(exc.message, "error")
        return redirect_to(url_for(".check", return_id=return_id))
    db.session.commit()
    flash_success(f"Return submitted (version {version.number})" + (". It was late." if version.late else ""))
    return redirect_to(url_for(".show", return_id=return_id))


@bp.get("/<int:return_id>/versions/<int:number>")
def version(return_id: int, number: int):
    ret = _return_or_404(return_id)
    found = queries.get_version(ret, number)
    if found is None:
        abort(404)
    previous = queries.get_version(ret, number - 1) if number > 1 else None
    measures = queries.measures_for(ret)
    return render("returns/version.html", ret=ret, version=found, previous=previous,
                  changes=queries.diff(previous, found, measures), rows=_version_rows(ret, found))


@bp.post("/<int:return_id>/review")
def review(return_id: int):
    ret = _return_or_404(return_id)
    if g.organisation.kind != COMMISSIONER or g.membership.role not in REVIEWERS:
        abort(403)
    try:
        return_services.review(ret, decision=request.form.get("decision", ""),
                               comment=request.form.get("comment", ""),
                               problem_tasks=request.form.getlist("tasks"), actor=current_user)
    except return_services.ValidationFailed as exc:
        db.session.rollback()
        return _review_page(_return_or_404(return_id), can_review=True, errors=exc.errors, form=request.form,
                            status=422)
    db.session.commit()
    flash_success("Return accepted" if ret.status == "accepted" else "Changes requested from the provider")
    return redirect_to(url_for(".show", return_id=return_id))


# -- evidence documents -------------------------------------------------------------------------

@bp.post("/<int:return_id>/documents/upload")
def upload_documents(return_id: int):
    ret = _return_or_404(return_id)
    _provider_editor()
    try:
        documents = document_services.upload_documents(request.files.getlist("files"), uploaded_by=current_user)
        for document in documents:
            attachments.attach(ret, document.id, actor=current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect_to(url_for(".show", return_id=return_id) + "#evidence")
    db.session.commit()
    flash_success(f"{len(documents)} file{'s' if len(documents) != 1 else ''} uploaded: they are being checked")
    return redirect_to(url_for(".show", return_id=return_id) + "#evidence")


@bp.post("/<int:return_id>/documents/attach")
def attach_document(return_id: int):
    ret = _return_or_404(return_id)
    _provider_editor()
    document_id = request.form.get("document_id", type=int)
    try:
        if document_id is None:
            raise ServiceError("Choose a document from your library", field="document_id")
        attachments.attach(ret, document_id, actor=current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect_to(url_for(".show", return_id=return_id) + "#evidence")
    db.session.commit()
    flash_success("Document attached")
    return redirect_to(url_for(".show", return_id=return_id) + "#evidence")


@bp.post("/<int:return_id>/documents/<int:document_id>/remove")
def remove_document(return_id: int, document_id: int):
    ret = _return_or_404(return_id)
    _provider_editor()
    attachments.detach(ret, document_id, actor=current_user)
    db.session.commit()
    flash_success("Document removed from the return (it stays in your library)")
    return redirect_to(url_for(".show", return_id=return_id) + "#evidence")


@bp.get("/<int:return_id>/versions/<int:number>/documents/<int:document_id>")
def version_document(return_id: int, number: int, document_id: int):
    """A document as submitted in a version: for the commissioner as much as the provider."""
    ret = _return_or_404(return_id)
    found = queries.get_version(ret, number)
    ref = next((d for d in (found.documents if found else []) if d.get("id") == document_id), None)
    if ref is None:
        abort(404)
    url = document_storage.presigned_download_url(
        ref["key"], disposition=content_disposition(ref["filename"]), content_type=ref.get("content_type"))
    record("version_document_downloaded", ret, actor=current_user, document_id=document_id, version=number)
    db.session.commit()
    return redirect(url, 303)


# -- spreadsheet import -------------------------------------------------------------------------

@bp.get("/<int:return_id>/template.<any(xlsx, csv):file_format>")
def template(return_id: int, file_format: str):
    ret = _return_or_404(return_id)
    _provider_editor()
    name = f"return-{ret.contract.reference}-{ret.period_start:%Y-%m}.{file_format}"
    if file_format == "xlsx":
        body = imports.template_xlsx(ret)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mimetype = imports.template_csv(ret), "text/csv"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": content_disposition(name)})


@bp.route("/<int:return_id>/import", methods=["GET", "POST"])
def start_import(return_id: int):
    ret = _return_or_404(return_id)
    _provider_editor()
    problem = None
    if request.method == "POST":
        try:
            item = imports.start_import(ret, request.files.get("file"), actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            problem = exc.message
        else:
            db.session.commit()
            return redirect_to(url_for(".import_status", return_id=return_id, import_id=item.id))
    return render("returns/import.html", ret=ret, problem=problem, status=422 if problem else 200)


@bp.get("/<int:return_id>/imports/<int:import_id>")
def import_status(return_id: int, import_id: int):
    ret = _return_or_404(return_id)
    item = imports.get_import(ret, import_id)
    if item is None:
        abort(404)
    return render("returns/import_status.html", partial="returns/_import_status.html", ret=ret, item=item)
