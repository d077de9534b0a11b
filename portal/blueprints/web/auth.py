"""Signing in and out, choosing an organisation, invitations and password resets."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import services as accounts
from portal.accounts.forms import AcceptInvitationForm, ForgotPasswordForm, NewPasswordForm, SignInForm
from portal.accounts.services import SignInLocked
from portal.audit.services import record_platform
from portal.errors import ServiceError
from portal.extensions import db, limiter
from portal.tenants.context import set_identity, tenant_context
from portal.tenants.queries import memberships_of
from portal.http.pages import flash_success, form_error, redirect_to, render

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def start_session(user) -> None:
    """Rotate the session on sign-in: nothing from before survives, not even the CSRF token."""
    session.clear()
    login_user(user)
    now = datetime.now(timezone.utc).timestamp()
    session["auth_at"] = now
    session["seen_at"] = now
    session.permanent = True
    set_identity(None, user.id)


def landing_url(user) -> str:
    memberships = memberships_of(user)
    if len(memberships) == 1:
        return url_for("organisation.home", slug=memberships[0].organisation.slug)
    if not memberships and user.is_platform_admin:
        return url_for("admin.organisations")
    return url_for("auth.choose_organisation")


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    return redirect(landing_url(current_user))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("30 per 15 minutes", methods=["POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except SignInLocked as exc:
            db.session.commit()  # keep the audit event of the refusal
            form.form_errors.append(exc.message)
            return render("auth/sign_in.html", form=form, status=429)
        except ServiceError as exc:
            db.session.commit()
            form_error(form, exc)
            form.password.data = ""
            return render("auth/sign_in.html", form=form, status=200)
        db.session.commit()
        start_session(user)
        return redirect_to(_safe_next(request.args.get("next")) or landing_url(user))
    return render("auth/sign_in.html", form=form)


@bp.post("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        record_platform("signed_out", current_user, actor=current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect_to(url_for("auth.sign_in"))


@bp.get("/choose-organisation")
@login_required
def choose_organisation():
    memberships = memberships_of(current_user)
    return render("auth/choose_organisation.html", memberships=memberships)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        return render("auth/reset_sent.html", email=accounts.normalise_email(form.email.data))
    return render("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"])
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except ServiceError as exc:
        return render("auth/link_problem.html", title="Password reset link", message=exc.message, status=400)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data, form.confirm_password.data)
        except ServiceError as exc:
            db.session.rollback()
            form_error(form, exc)
            return render("auth/reset_password.html", form=form)
        db.session.commit()
        logout_user()
        session.clear()
        flash_success("Your password has been changed. Sign in with your new password.")
        return redirect_to(url_for("auth.sign_in"))
    return render("auth/reset_password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"])
def accept_invitation(token: str):
    tenant_id = accounts.invitation_tenant(token)
    with tenant_context(tenant_id):
        try:
            invitation = accounts.load_invitation(token) if tenant_id else None
            if invitation is None:
                raise ServiceError("This invitation link is not valid. Ask your organisation's "
                                   "administrator for a new one.")
        except ServiceError as exc:
            return render("auth/link_problem.html", title="Invitation", message=exc.message, status=400)
        existing = accounts.get_user_by_email(invitation.email)
        form = AcceptInvitationForm()
        if existing:  # an existing account only confirms; it keeps its password
            for name in ("full_name", "password", "confirm_password"):
                del form[name]
        if form.validate_on_submit():
            try:
                user = accounts.accept_invitation(
                    token, full_name=form.full_name.data if not existing else "",
                    password=None if existing else form.password.data,
                    confirm=None if existing else form.confirm_password.data)
            except ServiceError as exc:
                db.session.rollback()
                form_error(form, exc)
                return render("auth/accept_invitation.html", form=form, invitation=invitation, existing=existing)
            slug = invitation.organisation.slug
            name = invitation.organisation.name
            db.session.commit()
        else:
            return render("auth/accept_invitation.html", form=form, invitation=invitation, existing=existing)
    if existing:
        flash_success(f"You have joined {name}. Sign in to continue.")
        logout_user()
        return redirect_to(url_for("auth.sign_in", next=url_for("organisation.home", slug=slug)))
    start_session(user)
    flash_success(f"Welcome to {name}")
    return redirect_to(url_for("organisation.home", slug=slug))
