"""The signed-in person's own account: password, and a link to their API tokens."""
from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user

from portal.accounts import api_tokens, services as accounts
from portal.accounts.forms import ChangePasswordForm
from portal.accounts.queries import list_own_api_tokens
from portal.http.access import SIGNED_IN, requires
from portal.http.identity import start_session
from portal.http.pages import flash_success, form_errors, redirect_to, render

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/", methods=["GET"])
@requires(SIGNED_IN)
def index():
    """The person's name and email; a link to their API tokens (portal.blueprints.web.api_tokens)."""
    user = current_user._get_current_object()
    return render("account/index.html", tokens=list_own_api_tokens(user), uses_api=api_tokens.may_use_api(user))


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
