"""HTTP helpers shared by the HTML blueprints."""
from __future__ import annotations

from functools import wraps

from flask import abort, flash, g, make_response, redirect, render_template
from flask_login import current_user

from portal.errors import ServiceError
from portal.extensions import htmx


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


def form_error(form, exc: ServiceError) -> None:
    """Attach a service's message to the form field it names (or the form as a whole)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message] if isinstance(field.errors, list) else [exc.message]
    else:
        form.form_errors.append(exc.message)


def flash_success(message: str) -> None:
    flash(message, "success")


def role_required(*roles: str):
    """Inside an organisation: the member's role must be one of ``roles`` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            membership = g.get("membership")
            if membership is None or membership.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        membership = g.get("membership")
        if membership is None or not membership.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def platform_admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            from portal.extensions import login_manager

            return login_manager.unauthorized()
        if not current_user.is_platform_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped
