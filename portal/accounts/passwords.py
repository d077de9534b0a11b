"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

import os
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

MIN_LENGTH = 12
MAX_LENGTH = 128
# argon2id with the library's recommended parameters; the test configuration alone (PORTAL_ENV=test)
# uses the cheapest ones, so that the tests do not spend their time hashing.
_HASHERS = {"standard": PasswordHasher(), "test": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)}


def _hasher() -> PasswordHasher:
    profile = "standard"
    if has_app_context():
        profile = current_app.config.get("PASSWORD_HASHING", "standard")
    elif os.environ.get("PORTAL_ENV") == "test":
        profile = "test"
    return _HASHERS[profile]


@lru_cache(maxsize=None)
def _dummy_hash(hasher_id: int) -> str:
    hasher = next(h for h in _HASHERS.values() if id(h) == hasher_id)
    return hasher.hash("timing-equaliser-not-a-password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(id(hasher)), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """What is wrong with a new password, as sentences a person can act on."""
    if len(password) < MIN_LENGTH:
        return [f"Password must be {MIN_LENGTH} characters or more"]
    if len(password) > MAX_LENGTH:
        return [f"Password must be {MAX_LENGTH} characters or fewer"]
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        return ["Password is too common: choose one that is harder to guess, such as three random words"]
    from zxcvbn import zxcvbn

    hints = [part for part in (email or "").replace("@", " ").replace(".", " ").split() if part]
    if zxcvbn(password[:100], user_inputs=hints)["score"] < 3:
        return ["Password is too easy to guess: make it longer or use three random words"]
    return []
