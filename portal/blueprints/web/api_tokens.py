"""The signed-in person's API tokens: each for one organisation, with scopes and an expiry."""
from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user

from portal.accounts import api_tokens
from portal.accounts.queries import list_own_api_tokens
from portal.accounts.token_forms import token_form
from portal.http.access import SIGNED_IN, requires
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.models_base import utcnow

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


@bp.route("/", methods=["GET", "POST"])
@requires(SIGNED_IN)
def index():
    """The person's tokens; a new one for people whose role uses the API somewhere."""
    user = current_user._get_current_object()
    memberships = api_tokens.api_memberships(user)
    form = token_form(memberships)
    new_token, status = None, 200
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            _token, new_token = api_tokens.issue_api_token(
                user, organisation=form.organisation.data, scopes=[form.scopes.data] if form.scopes.data else [],
                expires_in_days=form.expires_in_days.data, label=form.label.data)
        if attempt.ok:
            form = token_form(memberships, blank=True)
        status = attempt.status
    elif form.errors:
        status = 422
    return render("account/tokens.html", status=status, form=form, tokens=list_own_api_tokens(user),
                  new_token=new_token, now=utcnow(), memberships=memberships, scope_labels=api_tokens.SCOPE_LABELS)


@bp.post("/<int:token_id>/revoke")
@requires(SIGNED_IN)
def revoke(token):
    api_tokens.revoke_api_token(token, actor=current_user)
    flash_success(f"The token ‘{token.label}’ has been revoked")
    return redirect_to(url_for(".index"))
