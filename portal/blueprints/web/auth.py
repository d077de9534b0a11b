"""Signing in and out, choosing an organisation, invitations and password resets."""
from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_login import current_user

from portal.accounts import mfa
from portal.accounts import services as accounts
from portal.accounts.forms import (AcceptInvitationForm, CodeForm, ForgotPasswordForm, NewPasswordForm,
                                   RecoveryCodeForm, SignInForm)
from portal.accounts.services import SignInThrottled
from portal.audit.services import record_platform
from portal.errors import ServiceError
from portal.extensions import limiter
from portal.http.access import PUBLIC, SIGNED_IN, requires
from portal.http.identity import end_session, start_session
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.http.signin import (begin_second_step, end_second_step, known_device, mark_verified, pending_next,
                                pending_user, remember_device, safe_next)
from portal.tenants.context import tenant_context
from portal.tenants.queries import memberships_of

bp = Blueprint("auth", __name__)


def landing_url(user) -> str:
    memberships = memberships_of(user)
    if len(memberships) == 1:
        return url_for("organisation.home", slug=memberships[0].organisation.slug)
    if not memberships and user.is_platform_admin:
        return url_for("admin.organisations")
    return url_for("auth.choose_organisation")


@bp.get("/")
@requires(PUBLIC)
def index():
    if not current_user.is_authenticated:
        return redirect_to(url_for("auth.sign_in"))
    return redirect_to(landing_url(current_user))


def _throttled(form, exc: SignInThrottled, template: str, **context):
    """A wait, said on the page with a 429 (the refusal is audited, so it is not rolled back)."""
    form.form_errors.append(exc.message)
    response = render(template, form=form, status=429, **context)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _finish_sign_in(user, next_url: str | None):
    """Both factors passed (or the only one): the session starts now, and the browser is known."""
    accounts.signed_in(user)
    start_session(user)
    mark_verified()
    if mfa.setup_needed(user):
        flash("Your account must use multi-factor authentication. Set it up to continue.", "info")
        return remember_device(redirect_to(url_for("account.mfa_setup")), user)
    return remember_device(redirect_to(next_url or landing_url(user)), user)


@bp.route("/sign-in", methods=["GET", "POST"])
@requires(PUBLIC)
def sign_in():
    """The password (the first step). With MFA the session starts only after the code."""
    form = SignInForm()
    if form.validate_on_submit():
        device_user_id, device_id = known_device()
        try:
            user = accounts.authenticate(form.email.data, form.password.data, address=request.remote_addr,
                                         device_user_id=device_user_id, device_id=device_id)
        except SignInThrottled as exc:
            return _throttled(form, exc, "auth/sign_in.html")
        except ServiceError as exc:
            form.email.errors = [exc.message]
            form.password.data = ""
            return render("auth/sign_in.html", form=form)
        if user.has_mfa:
            begin_second_step(user, request.args.get("next"))
            return redirect_to(url_for("auth.sign_in_code"))
        return _finish_sign_in(user, safe_next(request.args.get("next")))
    return render("auth/sign_in.html", form=form)


def _second_step(template: str, form, check):
    """The code page and the recovery code page: the person passed the password a moment ago."""
    user = pending_user()
    if user is None:
        end_second_step()
        flash("Sign in again: that took too long, or your account changed in the meantime.", "info")
        return redirect_to(url_for("auth.sign_in"))
    if form.validate_on_submit():
        try:
            check(user)
        except SignInThrottled as exc:
            return _throttled(form, exc, template)
        except ServiceError as exc:  # a failed code is audited and counted: kept, not rolled back
            form_field = getattr(form, exc.field or "", None)
            (form_field.errors if form_field is not None else form.form_errors).append(exc.message)
            return render(template, form=form, status=422)
        next_url = pending_next()
        end_second_step()
        return _finish_sign_in(user, next_url)
    return render(template, form=form, status=422 if form.errors else 200)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@requires(PUBLIC)
def sign_in_code():
    """The second step: the code from the person's authenticator app."""
    form = CodeForm()
    return _second_step("auth/sign_in_code.html", form,
                        lambda user: accounts.verify_second_factor(user, code=form.code.data))


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@requires(PUBLIC)
def sign_in_recovery():
    """The second step for someone without their authenticator: one recovery code (audited, emailed)."""
    form = RecoveryCodeForm()
    return _second_step("auth/sign_in_recovery.html", form, lambda user: accounts.verify_second_factor(
        user, recovery_code=form.recovery_code.data, field="recovery_code"))


@bp.post("/sign-out")
@requires(PUBLIC)
def sign_out():
    if current_user.is_authenticated:
        record_platform("signed_out", current_user, actor=current_user)
    end_session()
    flash("You have signed out", "success")
    return redirect_to(url_for("auth.sign_in"))


@bp.get("/choose-organisation")
@requires(SIGNED_IN)
def choose_organisation():
    return render("auth/choose_organisation.html", memberships=memberships_of(current_user))


@bp.route("/password/forgot", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit("10 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return render("auth/reset_sent.html", email=accounts.normalise_email(form.email.data))
    return render("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit("20 per 15 minutes", methods=["POST"])
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except ServiceError as exc:
        return render("auth/link_problem.html", title="Password reset link", message=exc.message, status=400)
    form = NewPasswordForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            accounts.reset_password(token, form.password.data, form.confirm_password.data)
        if attempt.ok:
            end_session(reason="password_reset")
            flash_success("Your password has been changed. Sign in with your new password.")
            return redirect_to(url_for("auth.sign_in"))
    return render("auth/reset_password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit("20 per 15 minutes", methods=["POST"])
def accept_invitation(token: str):
    """Layer 1 for an invitee: the signed token names the tenant. An existing account accepts only
    once its owner has signed in; a new person creates their account here."""
    tenant_id = accounts.invitation_tenant(token)
    with tenant_context(tenant_id):
        try:
            if tenant_id is None:
                raise ServiceError("This invitation link is not valid. Ask your organisation's administrator "
                                   "for a new one.")
            invitation = accounts.load_invitation(token)
        except ServiceError as exc:
            return render("auth/link_problem.html", title="Invitation", message=exc.message, status=400)
        existing = accounts.get_user_by_email(invitation.email)
        signed_in_as_invitee = existing is not None and current_user.is_authenticated and current_user.id == existing.id
        form = AcceptInvitationForm()
        if existing:  # an existing account only confirms; it keeps its password
            for name in ("full_name", "password", "confirm_password"):
                del form[name]
        context = {"form": form, "invitation": invitation, "existing": existing,
                   "signed_in_as_invitee": signed_in_as_invitee,
                   "sign_in_url": url_for("auth.sign_in", next=request.path)}
        if existing and not signed_in_as_invitee:
            return render("auth/accept_invitation.html", **context, status=200 if request.method == "GET" else 403)
        if not form.validate_on_submit():
            return render("auth/accept_invitation.html", **context)
        with form_errors(form) as attempt:
            user = accounts.accept_invitation(
                token, full_name="" if existing else form.full_name.data,
                password=None if existing else form.password.data,
                confirm=None if existing else form.confirm_password.data,
                signed_in=current_user if current_user.is_authenticated else None)
        if not attempt.ok:
            return render("auth/accept_invitation.html", **context, status=attempt.status)
        slug, name = invitation.organisation.slug, invitation.organisation.name
    if not existing:
        start_session(user)
    flash_success(f"You have joined {name}" if existing else f"Welcome to {name}")
    return redirect_to(url_for("organisation.home", slug=slug))
