"""The signed-in person's own account: email address, password and multi-factor authentication, and a
link to their API tokens (portal.blueprints.web.api_tokens). Changing the email address, the password
or MFA needs a full authentication in the last ten minutes ("confirm it's you", portal.http.signin)."""
from __future__ import annotations

from flask import Blueprint, request, session, url_for
from flask_login import current_user

from portal.accounts import api_tokens, email_change, mfa
from portal.accounts import services as accounts
from portal.accounts.forms import ChangeEmailForm, ChangePasswordForm, ConfirmForm, ConfirmIdentityForm, SetUpMfaForm
from portal.accounts.queries import list_own_api_tokens
from portal.http.access import PUBLIC, SIGNED_IN, requires
from portal.http.identity import start_session
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.http.signin import mark_verified, requires_recent_authentication, safe_next

bp = Blueprint("account", __name__, url_prefix="/account")
SETUP_SECRET_KEY = "mfa_setup_secret"


def _me():
    return current_user._get_current_object()


@bp.route("/", methods=["GET"])
@requires(SIGNED_IN)
def index():
    """The person's name and email, their MFA, and a link to their API tokens."""
    user = _me()
    return render("account/index.html", tokens=list_own_api_tokens(user), uses_api=api_tokens.may_use_api(user),
                  mfa_required=mfa.required_reason(user))


@bp.route("/confirm", methods=["GET", "POST"])
@requires(SIGNED_IN)
def confirm_identity():
    """"Confirm it's you": the password, and the code when the person has MFA; then back."""
    form = ConfirmIdentityForm()
    if not current_user.has_mfa:
        del form.code
    next_url = safe_next(request.args.get("next")) or url_for(".index")
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            accounts.confirm_identity(_me(), form.password.data, form.code.data if current_user.has_mfa else None,
                                      address=request.remote_addr)
        if attempt.ok:
            mark_verified()
            return redirect_to(next_url)
        # A wrong password or code is counted by the throttle (in Redis), not in the rolled-back session.
        return render("account/confirm.html", form=form, status=attempt.status)
    return render("account/confirm.html", form=form, status=422 if form.errors else 200)


@bp.route("/password", methods=["GET", "POST"])
@requires(SIGNED_IN)
@requires_recent_authentication
def change_password():
    """A new password ends every session and API token of the account; this browser signs in again."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = _me()
        with form_errors(form) as attempt:
            accounts.change_password(user, current=form.current_password.data, password=form.password.data,
                                     confirm=form.confirm_password.data)
        if attempt.ok:
            start_session(user)
            mark_verified()
            flash_success("Your password has been changed. You have been signed out everywhere else, and your "
                          "API tokens have been revoked.")
            return redirect_to(url_for(".index"))
        return render("account/password.html", form=form, status=attempt.status)
    return render("account/password.html", form=form, status=422 if form.errors else 200)


@bp.route("/email", methods=["GET", "POST"])
@requires(SIGNED_IN)
@requires_recent_authentication
def change_email():
    """A link to the new address confirms it; the old address is told."""
    form = ChangeEmailForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            email_change.request_email_change(_me(), form.email.data)
        if attempt.ok:
            return render("account/email_sent.html", email=accounts.normalise_email(form.email.data))
        return render("account/email.html", form=form, status=attempt.status)
    return render("account/email.html", form=form, status=422 if form.errors else 200)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
@requires(PUBLIC)
def confirm_email(token: str):
    """The link sent to the new address: a button (so that a mail scanner opening the link changes nothing)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            user = email_change.confirm_email_change(token)
        if attempt.ok:
            flash_success(f"Your email address is now {user.email}. Sign in with it from now on.")
            return redirect_to(url_for("account.index") if current_user.is_authenticated else url_for("auth.sign_in"))
        return render("auth/link_problem.html", title="Email address link", message=attempt.message, status=400)
    return render("account/email_confirm.html", form=form)


# -- multi-factor authentication ------------------------------------------------------------------

@bp.get("/mfa")
@requires(SIGNED_IN)
def mfa_status():
    return render("account/mfa.html", required=mfa.required_reason(current_user),
                  codes_left=mfa.recovery_codes_left(current_user) if current_user.has_mfa else 0)


@bp.route("/mfa/set-up", methods=["GET", "POST"])
@requires(SIGNED_IN)
@requires_recent_authentication
def mfa_setup():
    """Scan the QR code (or type the secret), prove it with a code, then see the recovery codes once."""
    if current_user.has_mfa:
        return redirect_to(url_for(".mfa_status"))
    secret = session.get(SETUP_SECRET_KEY)  # the same until it is confirmed (a reload shows the same QR code)
    if not secret:
        secret = session[SETUP_SECRET_KEY] = mfa.new_secret()
    form = SetUpMfaForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            codes = mfa.enable(_me(), secret, form.code.data)
        if attempt.ok:
            session.pop(SETUP_SECRET_KEY, None)
            mark_verified()
            return render("account/recovery_codes.html", codes=codes, first_time=True)
        status = attempt.status
    else:
        status = 422 if form.errors else 200
    uri = mfa.provisioning_uri(current_user, secret)
    return render("account/mfa_setup.html", form=form, qr_svg=mfa.qr_code_svg(uri), secret=mfa.grouped(secret),
                  required=mfa.required_reason(current_user), status=status)


@bp.route("/mfa/recovery-codes", methods=["GET", "POST"])
@requires(SIGNED_IN)
@requires_recent_authentication
def mfa_new_codes():
    """New recovery codes (the old ones stop working), shown once."""
    if not current_user.has_mfa:
        return redirect_to(url_for(".mfa_status"))
    form = ConfirmForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            codes = mfa.regenerate_recovery_codes(_me())
        if attempt.ok:
            return render("account/recovery_codes.html", codes=codes, first_time=False)
    return render("account/mfa_confirm.html", form=form, action="new_codes")


@bp.route("/mfa/turn-off", methods=["GET", "POST"])
@requires(SIGNED_IN)
@requires_recent_authentication
def mfa_turn_off():
    if not current_user.has_mfa:
        return redirect_to(url_for(".mfa_status"))
    form = ConfirmForm()
    required = mfa.required_reason(current_user)
    status = 200
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            mfa.disable(_me())
        if attempt.ok:
            flash_success("Multi-factor authentication is off. Your recovery codes no longer work.")
            return redirect_to(url_for(".mfa_status"))
        status = attempt.status
    return render("account/mfa_confirm.html", form=form, action="turn_off", required=required, status=status)
