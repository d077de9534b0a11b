"""HTTP helpers for pages: rendering (full page or htmx partial), redirects after POST, and
service errors shown on the form that caused them."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template

from portal.errors import ServiceError
from portal.extensions import db, htmx


def render(template: str, *, partial: str | None = None, status: int = 200, **context):
    """The one place that decides full page or htmx partial; caches must key on HX-Request."""
    name = partial if (partial and htmx) else template
    response = make_response(render_template(name, **context), status)
    response.vary.add("HX-Request")
    return response


def redirect_to(url: str):
    """A redirect after POST; htmx requests get HX-Redirect instead."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
    else:
        response = redirect(url, 303)
    response.vary.add("HX-Request")
    return response


def flash_success(message: str) -> None:
    flash(message, "success")


class form_errors:
    """Run a service for a form; a ServiceError is rolled back and shown on the form.

        with form_errors(form) as attempt:
            contract = services.create_contract(...)
        if attempt.ok:
            return redirect_to(...)
        return render("contracts/new.html", form=form, status=attempt.status)

    ``target`` is a WTForms form (the message goes to the field it names, or the form) or a
    dict of messages by field name (pages without WTForms). ``attempt.error`` is the error.
    """

    def __init__(self, target=None):
        self.target = target if target is not None else {}
        self.error: ServiceError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        return 200 if self.error is None else self.error.status

    @property
    def message(self) -> str | None:
        return self.error.message if self.error is not None else None

    @property
    def problem(self) -> str | None:
        """The message of an error that belongs to no one field (shown above the form)."""
        return self.error.message if self.error is not None and not self.error.field_errors() else None

    def __enter__(self) -> "form_errors":
        return self

    def __exit__(self, exc_type, exc, _tb) -> bool:
        if exc is None or not isinstance(exc, ServiceError):
            return False
        db.session.rollback()  # nothing half-written is kept
        self.error = exc
        if isinstance(self.target, dict):
            self.target.update(exc.field_errors())
        else:
            _attach(self.target, exc)
        return True


def _attach(form, exc: ServiceError) -> None:
    attached = False
    for name, message in exc.field_errors().items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
            attached = True
    if not attached:
        form.form_errors.append(exc.message)
