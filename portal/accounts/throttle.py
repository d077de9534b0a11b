"""Sign-in throttling per account, with counters in Redis so it holds across processes."""
from __future__ import annotations

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


def _limiter() -> MovingWindowRateLimiter:
    ext = current_app.extensions
    if "portal_sign_in_limiter" not in ext:
        ext["portal_sign_in_limiter"] = MovingWindowRateLimiter(
            storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"]))
    return ext["portal_sign_in_limiter"]


def _item():
    cfg = current_app.config
    return parse(f"{cfg['SIGN_IN_MAX_FAILURES']} per {cfg['SIGN_IN_LOCKOUT_MINUTES']} minutes")


def is_locked(email: str) -> bool:
    return not _limiter().test(_item(), "sign-in-failures", email.lower())


def record_failure(email: str) -> None:
    _limiter().hit(_item(), "sign-in-failures", email.lower())


def clear_failures(email: str) -> None:
    _limiter().clear(_item(), "sign-in-failures", email.lower())
