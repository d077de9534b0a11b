"""One Flask app per worker process, built on first use from the environment."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app, has_app_context

from portal.tenants.context import clear_identity

_app: Flask | None = None


@contextmanager
def app_context() -> Iterator[Flask]:
    """Reuse the caller's app context (tests, synchronous runs) or the worker's own app."""
    global _app
    if has_app_context():
        yield current_app._get_current_object()
        return
    if _app is None:
        from portal import create_app

        _app = create_app()
    with _app.app_context():
        try:
            yield _app
        finally:
            clear_identity()
