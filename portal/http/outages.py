"""A part of the service that cannot be reached (the database restarting, Redis or the
object store down) is a 503 that says to try again, never a stack trace or a bare 500.

The request has failed, so the pipeline rolls back: nothing half-written is kept (an upload
whose object reached S3 is deleted again by the rollback). ``Retry-After`` tells clients when
to try again; the page is rendered without the person's details when the database is what is
missing (the header would need it).
"""
from __future__ import annotations

import logging

from botocore.exceptions import ClientError, ConnectionClosedError, HTTPClientError
from botocore.exceptions import ConnectionError as S3ConnectionError
from flask import Flask, g, make_response
from werkzeug.exceptions import InternalServerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
DATABASE = ("The service is unavailable for a moment, so nothing you sent was saved. "
            "Try again in a minute.")
STORAGE = ("Documents cannot be stored at the moment, so nothing was uploaded or saved. "
           "Try again in a few minutes.")
QUEUE = "The service is unavailable for a moment, so nothing you sent was saved. Try again in a minute."
FALLBACK_PAGE = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Service unavailable"
                 "</title></head><body><main><h1>Sorry, the service is unavailable</h1><p>{}</p></main></body></html>")


def _database_down(exc: DBAPIError) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError)) or bool(getattr(exc, "connection_invalidated", False))


def _storage_failed(exc: ClientError) -> bool:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    return status >= 500


def register(app: Flask) -> None:
    from portal.http import errors

    def unavailable(message: str, exc: Exception, *, database: bool = False):
        log.warning("503: %s unavailable: %r", "database" if database else "a service", exc)
        try:
            errors.failed()
        except Exception:  # the rollback itself may fail on a dead connection: the pool discards it
            log.debug("rollback after an outage failed", exc_info=True)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        try:
            if database and not errors.is_api_request():
                _forget_the_person()
            return errors.answer(503, message, headers=headers)
        except Exception:  # the error page itself needed the database: a plain page says the same
            log.debug("the error page could not be rendered during an outage", exc_info=True)
            response = make_response(FALLBACK_PAGE.format(message), 503)
            response.headers.update(headers)
            return response

    def classify(exc: BaseException | None) -> tuple[str, bool] | None:
        """(message, is the database) for an outage, None for anything else."""
        if isinstance(exc, DBAPIError):
            return (DATABASE, True) if _database_down(exc) else None
        if isinstance(exc, PoolTimeout):
            return DATABASE, True
        if isinstance(exc, (RedisConnectionError, RedisTimeoutError)):
            return QUEUE, False
        if isinstance(exc, (S3ConnectionError, HTTPClientError, ConnectionClosedError)):
            return STORAGE, False
        if isinstance(exc, ClientError) and _storage_failed(exc):
            return STORAGE, False
        return None

    @app.errorhandler(InternalServerError)
    def server_error(exc: InternalServerError):
        """An error outside the view (the commit after it, for one) arrives wrapped as a 500."""
        outage = classify(exc.original_exception)
        if outage is not None:
            return unavailable(outage[0], exc.original_exception, database=outage[1])
        errors.failed()
        return errors.answer(500)

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError):
        if not _database_down(exc):
            raise exc  # a bug (a constraint, a syntax error): the usual 500
        return unavailable(DATABASE, exc, database=True)

    @app.errorhandler(PoolTimeout)
    def pool_exhausted(exc: PoolTimeout):
        return unavailable(DATABASE, exc, database=True)

    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def queue_error(exc: Exception):
        return unavailable(QUEUE, exc)

    @app.errorhandler(S3ConnectionError)
    @app.errorhandler(HTTPClientError)
    @app.errorhandler(ConnectionClosedError)
    def storage_unreachable(exc: Exception):
        return unavailable(STORAGE, exc)

    @app.errorhandler(ClientError)
    def storage_error(exc: ClientError):
        if not _storage_failed(exc):
            raise exc
        return unavailable(STORAGE, exc)


def _forget_the_person() -> None:
    """The page's header shows the person and their organisation, read from the database."""
    from flask_login import AnonymousUserMixin

    g._login_user = AnonymousUserMixin()
    g.organisation = None
    g.membership = None
