"""Signed links (invitations, password resets) and hashed secrets."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def sign(salt: str, payload: dict) -> str:
    return _serializer(salt).dumps(payload)


def unsign(salt: str, token: str, max_age: int | None = None) -> dict | None:
    """The payload, or None when the token is forged, damaged or older than max_age."""
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    return payload if isinstance(payload, dict) else None
