"""Errors that services raise; the request pipeline turns them into answers in one place
(portal.http.errors): a form error on pages, 422 (or the error's own status) with per-field
messages in the API."""
from __future__ import annotations


class ServiceError(Exception):
    """Bad input or a refused action: ``message`` says what is wrong and how to fix it.

    ``field`` names the input at fault; ``errors`` gives one message per input when there
    are several (``within`` then names the part of the request they belong to, such as
    ``answers`` for a return's answers by measure code).
    """

    status = 422

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, str] | None = None,
                 within: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or {}
        self.within = within

    def field_errors(self) -> dict[str, str]:
        """Each input's message, for a form."""
        if self.errors:
            return dict(self.errors)
        return {self.field: self.message} if self.field else {}

    def api_errors(self) -> dict | None:
        """Per-field messages for the API's ``errors``."""
        if self.errors:
            return {self.within: dict(self.errors)} if self.within else {k: [v] for k, v in self.errors.items()}
        return {self.field: [self.message]} if self.field else None


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Forbidden(ServiceError):
    status = 403


class Invalid(ServiceError):
    """Bad input in a named field: the API answers 422 with the field's message, a page shows it
    on the field."""

    status = 422
