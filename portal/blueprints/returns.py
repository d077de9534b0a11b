"""Returns: the provider fills them task by task and submits; the commissioner reviews them."""
from __future__ import annotations

from flask import abort, flash, g, request, url_for
from flask_login import current_user

from portal.blueprints.tenant_routes import tenant_blueprint
from portal.contracts.queries import list_contracts
from portal.errors import Conflict, ServiceError
from portal.extensions import db
from portal.returns import queries
from portal.returns import services as return_services
from portal.returns.models import STATUS_LABELS
from portal.tenants.models import COMMISSIONER, PROVIDER
from portal.web import flash_success, redirect_to, render

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
    return int(value) if value.isdigit() else None


@bp.get("/")
def index():
    status = request.args.get("status") or None
    if status not in STATUS_LABELS:
        status = None
    contract_id = request.args.get("contract", type=int)
    return render("returns/index.html", returns=queries.list_returns(status=status, contract_id=contract_id),
                  contracts=list_contracts(), status=status, contract_id=contract_id, statuses=STATUS_LABELS)


@bp.get("/<int:return_id>")
def show(return_id: int):
    ret = _return_or_404(return_id)
    versions = queries.versions_for(ret)
    if g.organisation.kind == COMMISSIONER:
        latest = versions[-1] if versions else None
        return render("returns/review.html", ret=ret, versions=versions, latest=latest,
                      rows=_version_rows(ret, latest), tasks=queries.task_list(ret, for_review=True),
                      can_review=g.membership.role in REVIEWERS, errors={})
    return render("returns/task_list.html", ret=ret, tasks=queries.task_list(ret), versions=versions,
                  can_edit=ret.is_editable and g.membership.role in PROVIDER_EDITORS)


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
        ret = _return_or_404(return_id)
        versions = queries.versions_for(ret)
        latest = versions[-1] if versions else None
        return render("returns/review.html", ret=ret, versions=versions, latest=latest, rows=_version_rows(ret, latest),
                      tasks=queries.task_list(ret, for_review=True), can_review=True, errors=exc.errors,
                      form=request.form, status=422)
    db.session.commit()
    flash_success("Return accepted" if ret.status == "accepted" else "Changes requested from the provider")
    return redirect_to(url_for(".show", return_id=return_id))
