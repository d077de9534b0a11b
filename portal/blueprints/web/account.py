"""The signed-in person's own account: API tokens."""
from __future__ import annotations

from flask import Blueprint, abort, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.forms import ApiTokenForm
from portal.accounts.models import ApiToken
from portal.extensions import db
from portal.models_base import utcnow
from portal.http.pages import flash_success, redirect_to, render

bp = Blueprint("account", __name__, url_prefix="/account")


def _tokens():
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                                   .order_by(ApiToken.created_at.desc())))


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    form = ApiTokenForm()
    new_token = None
    if form.validate_on_submit():
        _token, new_token = accounts.create_api_token(current_user, form.label.data)
        db.session.commit()
        form = ApiTokenForm(formdata=None)
    return render("account/index.html", form=form, tokens=_tokens(), new_token=new_token, now=utcnow())


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id))
    if token is None:
        abort(404)
    accounts.revoke_api_token(token, actor=current_user)
    db.session.commit()
    flash_success(f"The token ‘{token.label}’ has been revoked")
    return redirect_to(url_for(".index"))
