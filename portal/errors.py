"""Errors that services raise and blueprints turn into messages or HTTP answers."""
from __future__ import annotations


class ServiceError(Exception):
    """Bad input or a refused action: ``message`` says what is wrong and how to fix it."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


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
