"""Error answers, in one place: a page for a person, JSON for the API.

Every error handler marks the request as failed, so the pipeline rolls back instead of
committing: nothing half-written is kept.
"""
from __future__ import annotations

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from portal.errors import ServiceError
from portal.extensions import db
from portal.http.pages import render
from portal.tenants.context import TenantNotSet

PAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    401: ("Sign in to continue", "Sign in, then try again."),
    403: ("You do not have permission to do this", "Ask your organisation's administrator for access."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Page not found", "If you typed the web address, check it is correct."),
    409: ("This could not be done", "Go back, reload the page and try again."),
    413: ("The files are too large", "Upload fewer or smaller files."),
    422: ("There is a problem with what you sent", "Go back and check what you entered."),
    429: ("Too many requests", "Wait a few minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
    503: ("Sorry, the service is unavailable", "Try again in a few minutes."),
}
API_HINTS = {
    401: "Send a valid API token as 'Authorization: Bearer <token>'. Create one with POST /api/v1/auth/tokens.",
}


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def failed() -> None:
    g.request_failed = True
    db.session.rollback()


def answer(code: int, message: str | None = None, errors=None, headers=None):
    """The error answer for ``code``: JSON under /api/, the error page elsewhere."""
    title, hint = PAGES.get(code, PAGES[500] if code >= 500 else PAGES[400])
    if is_api_request():
        payload = {"code": code, "status": title, "message": message or API_HINTS.get(code) or hint}
        if errors:
            payload["errors"] = errors
        response = jsonify(payload)
        response.status_code = code
    else:
        # A person is told what went wrong, but a 404 never says why (missing and forbidden look the same).
        response = render("error.html", status=code, title=title, hint=(message if code != 404 else None) or hint)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


LOCATIONS = ("json", "query", "form", "files", "headers", "cookies", "path", "view_args", "json_or_form")


def field_messages(errors, path: str = "") -> list[tuple[str, str]]:
    """Marshmallow's nested errors as (field, message) pairs: {"json": {"answers": {"0": {"value": ["x"]}}}}
    gives ("answers.0.value", "x")."""
    if isinstance(errors, str):
        return [(path, errors)]
    if isinstance(errors, list):
        return [pair for item in errors for pair in field_messages(item, path)]
    if isinstance(errors, dict):
        pairs = []
        for key, value in errors.items():
            key = str(key)
            inner = path if (not path and key in LOCATIONS) else (f"{path}.{key}" if path else key)
            pairs.extend(field_messages(value, inner))
        return pairs
    return []


def summary(errors) -> str | None:
    """One sentence for a 422's `message`, naming the fields (the `errors` object has them all)."""
    pairs = field_messages(errors)
    if not pairs:
        return None
    shown = "; ".join(f"{field}: {message}" if field else message for field, message in pairs[:3])
    more = f" (and {len(pairs) - 3} more: see errors)" if len(pairs) > 3 else ""
    return f"Correct {'this field' if len(pairs) == 1 else 'these fields'} and send it again. {shown}{more}"


def _too_large_message() -> str:
    """A body past MAX_CONTENT_LENGTH is about files when it carries files; a smaller body refused
    by the form parser had too many fields (MAX_FORM_PARTS) or too much text (MAX_FORM_MEMORY_SIZE)."""
    from flask import current_app

    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is not None and limit is not None and request.content_length <= limit:
        return ("The form has too many fields or too much text in a field, so it was not saved. Go back, "
                "shorten what you typed (paste long documents as a file instead) and send it again.")
    if request.mimetype == "multipart/form-data":
        from portal.documents.services import too_large_message

        return too_large_message()
    return "What you sent is too large, so it was not saved. Send less at a time."


def register(app: Flask) -> None:
    from portal.http import outages

    outages.register(app)  # the database, Redis or S3 unreachable: a 503 saying to try again

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        failed()
        if exc.code is None:
            return exc
        data = getattr(exc, "data", None) or {}
        message = data.get("message")
        if message is None and exc.code == 413:
            message = _too_large_message()
        if message is None and exc.code in (400, 429) and exc.description != type(exc).description:
            message = exc.description
        errors = data.get("errors") or data.get("messages")
        if message is None and errors:
            message = summary(errors)  # a 422 from a schema says what is wrong in its message too
        return answer(exc.code, message, errors, data.get("headers"))

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        failed()
        return answer(exc.status, exc.message, exc.api_errors())

    @app.errorhandler(TenantNotSet)
    def tenant_not_set(_exc):
        failed()
        return answer(404)
