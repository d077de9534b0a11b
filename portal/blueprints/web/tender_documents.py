"""A tender's documents: the procurement team attaches them from its library (released with the
tender or from a set moment), replaces and withdraws them (an amendment once published); the
tender's readers download them from their release."""
from __future__ import annotations

from flask import abort, g, redirect, url_for
from flask_login import current_user

from portal.errors import Conflict
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.procurement import policy, tender_document_queries as queries, tender_documents as services
from portal.procurement.tender_document_forms import (AttachForm, ReplaceForm, WithdrawForm, document_form,
                                                      release_moment)

bp = tenant_blueprint("tender_documents", __name__, "/tenders")


def _page(template: str, form, tender, item=None, *, status: int = 200):
    return render(template, form=form, tender=tender, item=item, published=not policy.is_draft(tender),
                  status=status)


def _done(tender, message: str):
    flash_success(message)
    return redirect_to(url_for("tenders.show", tender_id=tender.id, _anchor="documents"))


#: The service names the moment it refuses; the form has a day and a time for it.
ON_FORM = {"release_at": "release_on"}


def _attempt(form, call):
    """Run ``call``; a service's refusal goes on the form field it names (or above the form)."""
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        attempt.result = call()
    if not attempt.ok:
        for name, message in (errors or {"": attempt.message}).items():
            field = getattr(form, ON_FORM.get(name, name), None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [*field.errors, message]
            else:
                form.form_errors.append(message)
    return attempt


def _reason(form) -> str:
    return form.reason.data if hasattr(form, "reason") else ""


@bp.route("/<int:tender_id>/documents/new", methods=["GET", "POST"])
@requires("manage_tenders")
def attach(tender):
    _own(tender)
    form = document_form(AttachForm, queries.library_choices(), published=not policy.is_draft(tender))
    if form.validate_on_submit():
        attempt = _attempt(form, lambda: services.attach(
            tender, form.document_id.data, title=form.title.data, release_at=release_moment(form),
            reason=_reason(form), actor=current_user))
        if attempt.ok:
            item = attempt.result
            return _done(tender, f"{item.title} has been added to the tender" +
                         (": interested providers are being emailed" if item.amendment_number else ""))
        return _page("tender_documents/attach.html", form, tender, status=attempt.status)
    return _page("tender_documents/attach.html", form, tender, status=422 if form.errors else 200)


@bp.route("/<int:tender_id>/documents/<int:tender_document_id>/replace", methods=["GET", "POST"])
@requires("manage_tenders")
def replace(tender, tender_document):
    _own(tender)
    form = document_form(ReplaceForm, queries.library_choices(), published=not policy.is_draft(tender),
                         data={"title": tender_document.title})
    if form.validate_on_submit():
        attempt = _attempt(form, lambda: services.replace(
            tender, tender_document, form.document_id.data, title=form.title.data, reason=_reason(form),
            actor=current_user))
        if attempt.ok:
            item = attempt.result
            return _done(tender, f"{item.title} has been replaced" +
                         (": interested providers are being emailed" if item.amendment_number else ""))
        return _page("tender_documents/replace.html", form, tender, tender_document, status=attempt.status)
    return _page("tender_documents/replace.html", form, tender, tender_document, status=422 if form.errors else 200)


@bp.route("/<int:tender_id>/documents/<int:tender_document_id>/withdraw", methods=["GET", "POST"])
@requires("manage_tenders")
def withdraw(tender, tender_document):
    _own(tender)
    form = document_form(WithdrawForm, (), published=not policy.is_draft(tender))
    if form.validate_on_submit():
        attempt = _attempt(form, lambda: services.withdraw(
            tender, tender_document, reason=_reason(form), actor=current_user))
        if attempt.ok:
            return _done(tender, f"{tender_document.title} has been withdrawn" +
                         (": interested providers are being emailed" if tender_document.amendment_number else ""))
        return _page("tender_documents/withdraw.html", form, tender, tender_document, status=attempt.status)
    return _page("tender_documents/withdraw.html", form, tender, tender_document, status=422 if form.errors else 200)


@bp.get("/<int:tender_id>/documents/<int:tender_document_id>/download")
@requires("view_tenders")
def download(tender, tender_document):
    try:
        url = services.download_url(tender, tender_document, actor=current_user)
    except Conflict as exc:  # nothing was written: the page says why, and when it can be downloaded
        return render("tender_documents/not_released.html", status=409, tender=tender, item=tender_document,
                      message=exc.message)
    response = redirect(url, 303)
    response.headers["Cache-Control"] = "no-store"
    return response


def _own(tender) -> None:
    """Another commissioner's published tender is read-only: its pages for changing it do not exist."""
    if not policy.owns(g.organisation.id, tender):
        abort(404)
