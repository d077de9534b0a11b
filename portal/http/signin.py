"""The browser's side of signing in with two factors, re-authentication and known devices.

- **Between the two steps** the session cookie holds only "this person passed the password, at
  this time" (``mfa_pending``): nobody is signed in (flask-login knows no user), so no page but
  the code page answers. It lasts five minutes and is bound to the account's fingerprint, so a
  password reset or an MFA change in between ends it.
- **Re-authentication**: changing the email address, the password or MFA needs a full
  authentication (the password, and the code when the person has MFA) in the last ten minutes.
- **Known device**: after a full sign-in the browser gets a signed, long-lived, HttpOnly cookie
  naming the person and a random device id; the sign-in throttle counts that browser by itself
  (``portal.accounts.throttle``), so its owner gets in while the account is attacked elsewhere.
- **MFA required but not set up**: such a person reaches only the endpoints in
  ``ALLOWED_BEFORE_MFA`` (the pipeline redirects every other page there; the API answers 403).
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from functools import wraps
from urllib.parse import urlparse

from flask import current_app, request, session, url_for

from portal.accounts import services as accounts
from portal.accounts.tokens import sign, unsign
from portal.http.pages import redirect_to

PENDING_KEY = "mfa_pending"
VERIFIED_KEY = "verified_at"
PENDING_SECONDS = 5 * 60
REAUTH_SECONDS = 10 * 60
DEVICE_COOKIE = "portal_device"
DEVICE_SALT = "known-device"
#: What someone who must set up MFA may still reach: the set-up pages, signing out, confirming who they are.
ALLOWED_BEFORE_MFA = frozenset({"account.mfa_setup", "account.confirm_identity",
                                "auth.sign_out", "auth.index"})


def _now() -> float:
    return datetime.now(timezone.utc).timestamp()


def safe_next(target: str | None) -> str | None:
    """A local path to go back to, or None (never another site)."""
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


# -- between the password and the code ----------------------------------------------------------

def begin_second_step(user, next_url: str | None) -> None:
    session.clear()
    session[PENDING_KEY] = {"u": user.id, "f": accounts.account_fingerprint(user), "t": _now(),
                            "n": safe_next(next_url)}


def pending_user():
    """The person half-way through signing in, or None (no such state, expired or out of date)."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or _now() - float(pending.get("t", 0)) > PENDING_SECONDS:
        return None
    return accounts.user_for_second_step(pending.get("u"), pending.get("f"))


def pending_next() -> str | None:
    pending = session.get(PENDING_KEY)
    return safe_next(pending.get("n")) if isinstance(pending, dict) else None


def end_second_step() -> None:
    session.pop(PENDING_KEY, None)


# -- re-authentication ---------------------------------------------------------------------------

def mark_verified() -> None:
    session[VERIFIED_KEY] = _now()


def recently_verified() -> bool:
    """A full authentication (sign-in or "confirm it's you") in the last ten minutes."""
    at = session.get(VERIFIED_KEY) or session.get("auth_at") or 0
    return _now() - float(at) <= REAUTH_SECONDS


def requires_recent_authentication(view):
    """Send the person to "confirm it's you" first unless they authenticated in the last ten minutes."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not recently_verified():
            return redirect_to(url_for("account.confirm_identity", next=request.full_path.rstrip("?")
                                       if request.method == "GET" else request.path))
        return view(*args, **kwargs)

    return wrapper


# -- known devices -------------------------------------------------------------------------------

def device_cookie() -> str:
    """The known-device cookie's name: with the ``__Host-`` prefix wherever cookies are Secure (production),
    so that the browser keeps it only for this host over HTTPS, like the session cookie."""
    return f"__Host-{DEVICE_COOKIE}" if current_app.config["SESSION_COOKIE_SECURE"] else DEVICE_COOKIE


def known_device() -> tuple[int | None, str | None]:
    """(user id, device id) from this browser's known-device cookie, if it is genuine and current."""
    raw = request.cookies.get(device_cookie())
    if not raw:
        return None, None
    payload = unsign(DEVICE_SALT, raw, max_age=current_app.config["KNOWN_DEVICE_DAYS"] * 86400)
    if not payload or not isinstance(payload.get("u"), int) or not isinstance(payload.get("d"), str):
        return None, None
    return payload["u"], payload["d"]


def remember_device(response, user):
    """Give this browser a known-device cookie for ``user`` (kept if it already has one for them)."""
    user_id, device_id = known_device()
    if user_id != user.id or not device_id:
        device_id = secrets.token_urlsafe(16)
    response.set_cookie(device_cookie(), sign(DEVICE_SALT, {"u": user.id, "d": device_id}),
                        max_age=current_app.config["KNOWN_DEVICE_DAYS"] * 86400, httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax", path="/")
    return response
