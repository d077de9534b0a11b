"""Sign-in throttling that an attacker cannot turn against the account's owner.

Failures are counted (in Redis, through the ``limits`` library's storage, so every process agrees)
for each of these, and each count asks for a growing wait once it passes its threshold: 1 second,
then 2, 4, 8... up to 15 minutes. The person is told how long to wait (a 429 with Retry-After in
the API); no request ever sleeps.

- the account at this client address (three failures before the first wait): an attacker at one
  address slows down only themselves;
- the address, across accounts (a higher threshold): one address guessing many accounts;
- the account from everywhere (a much higher ceiling): guessing spread over many addresses;
- a second factor (codes of one account): whoever gets this far already knows the password.

A **known device** (a signed cookie given to a browser after a full sign-in, bound to the person)
is counted by itself instead of by address and account, so the right password from the owner's
own browser gets through while the account is attacked from elsewhere.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from limits.storage import Storage, storage_from_string

MAX_WAIT_SECONDS = 15 * 60
WINDOW_SECONDS = 24 * 60 * 60  # failures are forgotten a day after the first of a run


@dataclass(frozen=True)
class Scope:
    """One thing failures are counted for, and how many it may have before waits begin."""

    name: str
    key: str
    free: int

    @property
    def failures_key(self) -> str:
        return f"sign-in-failures/{self.name}/{self.key}"

    @property
    def wait_key(self) -> str:
        return f"sign-in-wait/{self.name}/{self.key}"


def _storage() -> Storage:
    ext = current_app.extensions
    if "portal_sign_in_storage" not in ext:
        ext["portal_sign_in_storage"] = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
    return ext["portal_sign_in_storage"]


def wait_for(failures: int, free: int, first: int = 1) -> int:
    """Seconds to wait after ``failures`` failures when ``free`` are allowed without waiting:
    ``first`` (1 s) at the threshold, doubling with each failure after it, at most 15 minutes."""
    if failures < free:
        return 0
    return min(first * 2 ** min(failures - free, 20), MAX_WAIT_SECONDS)


def password_scopes(email: str, address: str | None, device: str | None = None) -> list[Scope]:
    """What a password attempt is counted against: the known device alone, or else the account at
    this address, the address and the account everywhere."""
    cfg = current_app.config
    email = (email or "").strip().lower()
    if device:
        return [Scope("device", device, cfg["SIGN_IN_FREE_FAILURES"])]
    address = address or "unknown"
    return [Scope("account-address", f"{email}|{address}", cfg["SIGN_IN_FREE_FAILURES"]),
            Scope("address", address, cfg["SIGN_IN_ADDRESS_FREE_FAILURES"]),
            Scope("account", email, cfg["SIGN_IN_ACCOUNT_CEILING"])]


def code_scopes(user_id: int) -> list[Scope]:
    """What a second-factor attempt (an authenticator or recovery code) is counted against."""
    return [Scope("code", str(user_id), current_app.config["SIGN_IN_FREE_FAILURES"])]


def seconds_to_wait(scopes: list[Scope]) -> int:
    """How long before another attempt is heard (0: now)."""
    storage, waits = _storage(), []
    for scope in scopes:
        if storage.get(scope.wait_key) > 0:
            waits.append(max(1, round(storage.get_expiry(scope.wait_key) - time.time())))
    return max(waits, default=0)


def record_failure(scopes: list[Scope]) -> int:
    """Count a failure against each scope; the longest wait it now asks for, in seconds."""
    storage, longest = _storage(), 0
    for scope in scopes:
        failures = storage.incr(scope.failures_key, WINDOW_SECONDS)
        wait = wait_for(failures, scope.free, current_app.config["SIGN_IN_FIRST_WAIT_SECONDS"])
        if wait:
            storage.clear(scope.wait_key)
            storage.incr(scope.wait_key, wait)
            longest = max(longest, wait)
    return longest


def failures(scope: Scope) -> int:
    return _storage().get(scope.failures_key)


def clear(scopes: list[Scope]) -> None:
    """After a success: the person's own counts start again (the account-wide one is left alone,
    since the owner's success says nothing about guessing from elsewhere)."""
    storage = _storage()
    for scope in scopes:
        if scope.name == "account":
            continue
        storage.clear(scope.failures_key)
        storage.clear(scope.wait_key)


def forget_account(email: str) -> None:
    """After a password reset: the account-wide count starts again."""
    scope = Scope("account", (email or "").strip().lower(), 0)
    _storage().clear(scope.failures_key)
    _storage().clear(scope.wait_key)
