"""The signed-in person's own account: password and API tokens."""
from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user

from portal.accounts import services as accounts
from portal.accounts.forms import ApiTokenForm, ChangePasswordForm
from portal.accounts.queries import list_own_api_tokens
from portal.http.access import SIGNED_IN, requires
from portal.http.identity import start_session
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.models_base import utcnow

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/", methods=["GET", "POST"])
@requires(SIGNED_IN)
def index():
    """The person's name and email; API tokens only for people whose roles use the API."""
    form = ApiTokenForm()
    new_token, status = None, 200
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            _token, new_token = accounts.issue_api_token(current_user._get_current_object(), form.label.data)
        if attempt.ok:
            form = ApiTokenForm(formdata=None)
        status = attempt.status
    elif form.errors:
        status = 422
    return render("account/index.html", status=status, form=form, tokens=list_own_api_tokens(current_user),
                  new_token=new_token, now=utcnow(), uses_api=accounts.may_use_api(current_user))


@bp.route("/password", methods=["GET", "POST"])
@requires(SIGNED_IN)
def change_password():
    """A new password ends every session and API token of the account; this browser signs in again."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with form_errors(form) as attempt:
            accounts.change_password(user, current=form.current_password.data, password=form.password.data,
                                     confirm=form.confirm_password.data)
        if attempt.ok:
            start_session(user)
            flash_success("Your password has been changed. You have been signed out everywhere else, and your "
                          "API tokens have been revoked.")
            return redirect_to(url_for(".index"))
        return render("account/password.html", form=form, status=attempt.status)
    return render("account/password.html", form=form, status=422 if form.errors else 200)


@bp.post("/tokens/<int:token_id>/revoke")
@requires(SIGNED_IN)
def revoke_token(token):
    accounts.revoke_api_token(token, actor=current_user)
    flash_success(f"The token ‘{token.label}’ has been revoked")
    return redirect_to(url_for(".index"))
