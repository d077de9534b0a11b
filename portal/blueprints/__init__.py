"""HTTP only: load, authorise, call a service, render or serialise."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, flash, has_request_context, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user

from portal.errors import ServiceError
from portal.extensions import db, login_manager
from portal.tenants.context import TenantNotSet, clear_identity, set_identity
from portal.http.pages import render


def register_blueprints(app: Flask) -> None:
    from portal.blueprints.web import (account, admin, auth, collaboratives, contracts, dashboards, documents,
                                   frameworks, health, organisation, outcomes, returns, reviews, search)

    for module in (auth, organisation, contracts, frameworks, returns, reviews, outcomes, collaboratives,
                   dashboards, documents, account, admin, health, search):
        app.register_blueprint(module.bp)
    _login(app)
    _request_hooks(app)
    _error_handlers(app)


def _login(app: Flask) -> None:
    from portal.accounts.models import User

    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        user_part, _, epoch = user_id.partition(".")
        if not user_part.isdigit() or not epoch.isdigit():
            return None
        user = db.session.get(User, int(user_part))
        if user is None or not user.is_active or user.session_epoch != int(epoch):
            return None
        return user


def _now() -> float:
    return datetime.now(timezone.utc).timestamp()


def _request_hooks(app: Flask) -> None:
    @app.before_request
    def session_identity():
        clear_identity()
        if request.path.startswith(("/api/", "/static/", "/healthz")):
            return None
        if not current_user.is_authenticated:
            return None
        now = _now()
        idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
        absolute = app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
        if now - session.get("seen_at", 0) > idle or now - session.get("auth_at", 0) > absolute:
            logout_user()
            session.clear()
            flash("You were signed out because your session timed out. Sign in again to continue.", "info")
            return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
        if now - session.get("seen_at", 0) > 30:
            session["seen_at"] = now
        set_identity(None, current_user.id)
        return None

    @app.after_request
    def no_store_for_signed_in(response):
        if current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_request
    def reset_identity(_exc):
        clear_identity()

    @app.context_processor
    def template_globals():
        return {"cspNonce": getattr(request, "csp_nonce", "") if has_request_context() else ""}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _error_handlers(app: Flask) -> None:
    pages = {
        400: ("Bad request", "The request could not be understood. Go back and try again."),
        403: ("You do not have permission to see this page", "Ask your organisation's administrator for access."),
        404: ("Page not found", "If you typed the web address, check it is correct."),
        405: ("Page not found", "If you typed the web address, check it is correct."),
        429: ("Too many requests", "Wait a few minutes, then try again."),
        500: ("Sorry, there is a problem with the service", "Try again later."),
    }

    def handle(code: int, message: str | None = None):
        title, hint = pages.get(code, pages[500])
        if _wants_json():
            return jsonify({"code": code, "status": title, "message": message or hint}), code
        return render("error.html", status=code, title=title, hint=message or hint)

    def message_of(exc, code: int) -> str | None:
        data = getattr(exc, "data", None) or {}
        if data.get("message"):  # flask-smorest's abort(..., message=...)
            return data["message"]
        return getattr(exc, "description", None) if code in (400, 429) else None

    for code in pages:
        app.register_error_handler(code, lambda exc, code=code: handle(code, message_of(exc, code)))

    @app.errorhandler(TenantNotSet)
    def tenant_not_set(_exc):
        db.session.rollback()
        return handle(404)

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        db.session.rollback()
        return handle(exc.status, exc.message)
