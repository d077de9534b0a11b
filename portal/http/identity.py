"""Who is asking: a signed-in browser session (pages) or a bearer token (API).

Sessions live on the server (``accounts.models.UserSession``): the signed cookie carries a
random id, so signing out, a password change or reset and removal end every copy of the
cookie. The API never reads the cookie: only ``Authorization: Bearer <token>``.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_login import AnonymousUserMixin, current_user, login_user, logout_user

from portal.accounts import api_tokens, services as accounts
from portal.extensions import login_manager
from portal.tenants.context import set_identity

SESSION_KEY = "sid"


def init_login(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        user = accounts.user_for_session(session.get(SESSION_KEY))
        if user is None or str(user.id) != user_id:
            return None
        return user


def _now() -> float:
    return datetime.now(timezone.utc).timestamp()


def start_session(user) -> None:
    """Sign in: a new server-side session and a new cookie; nothing from before survives,
    not even the CSRF token."""
    session.clear()
    raw = accounts.start_user_session(user)
    login_user(user)
    now = _now()
    session[SESSION_KEY] = raw
    session["auth_at"] = now
    session["seen_at"] = now
    session.permanent = True
    set_identity(None, user.id)


def end_session(reason: str = "signed_out") -> None:
    """Sign out: the server-side session ends, so a copied cookie stops working too."""
    accounts.end_user_session(session.get(SESSION_KEY), reason=reason)
    logout_user()
    session.clear()


def session_user():
    """The signed-in person of a page request, after the idle and absolute timeouts; or a
    redirect to sign in again when the session has just timed out."""
    if not current_user.is_authenticated:
        return None, None
    now = _now()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    absolute = current_app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    if now - session.get("seen_at", 0) > idle or now - session.get("auth_at", 0) > absolute:
        end_session(reason="timed_out")
        flash("You were signed out because your session timed out. Sign in again to continue.", "info")
        return None, redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
    if now - session.get("seen_at", 0) > 30:
        session["seen_at"] = now
    return current_user._get_current_object(), None


def bearer_user():
    """The person behind a valid bearer token (the token is kept in ``g.api_token``)."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    token = api_tokens.authenticate_api_token(raw.strip()) if scheme.lower() == "bearer" else None
    g.api_token = token
    # current_user follows the token on the API; the session cookie is never consulted there.
    g._login_user = token.user if token is not None else AnonymousUserMixin()
    return token.user if token is not None else None


#: Routes any valid token may use whatever its scopes: giving itself up.
ANY_SCOPE_ENDPOINTS = frozenset({"api_auth.revoke_current_token"})


def token_slug(slug: str | None) -> tuple[str, bool]:
    """The organisation a bearer token may enter at this address: its own. Returns the slug to
    enter and whether the address named another organisation (then the caller answers 404)."""
    own = g.api_token.organisation.slug
    return own, slug is not None and slug != own


def missing_scope(endpoint: str) -> str | None:
    """The scope this request needs that its token lacks, if any (a session has no scopes)."""
    token = g.get("api_token")
    if token is None or endpoint in ANY_SCOPE_ENDPOINTS:
        return None
    needed = api_tokens.scope_needed(request.method)
    return None if token.has_scope(needed) else needed
