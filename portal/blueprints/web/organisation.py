"""An organisation's own pages: home, members, invitations, audit log."""
from __future__ import annotations

from datetime import date

from flask import abort, g, request, url_for
from flask_login import current_user

from portal.accounts import services as accounts
from portal.accounts.forms import ChangeRoleForm, InviteForm
from portal.audit.queries import list_audit_events
from portal.http.organisation import tenant_blueprint
from portal.errors import ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenants import queries as tenants
from portal.tenants import services as tenant_services
from portal.tenants.models import PROVIDER, ROLE_LABELS
from portal.tenants.queries import memberships_of
from portal.http.pages import admin_required, flash_success, form_error, redirect_to, render

bp = tenant_blueprint("organisation", __name__)


def _role_choices():
    return [(role, ROLE_LABELS[role]) for role in g.organisation.roles]


@bp.get("/")
def home():
    from portal.returns.queries import awaiting_review, returns_to_do

    to_do = returns_to_do() if g.organisation.kind == PROVIDER else awaiting_review()
    return render("organisation/home.html", memberships=memberships_of(current_user), to_do=to_do, today=date.today())


@bp.get("/members")
@admin_required
def members():
    return render("organisation/members.html", members=tenants.list_members(),
                  invitations=tenants.list_invitations(), now=utcnow())


@bp.route("/members/invite", methods=["GET", "POST"])
@admin_required
def invite():
    form = InviteForm()
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        try:
            accounts.invite(g.organisation, form.email.data, form.role.data, invited_by=current_user)
        except ServiceError as exc:
            db.session.rollback()
            form_error(form, exc)
            return render("organisation/invite.html", form=form)
        db.session.commit()
        flash_success(f"Invitation sent to {accounts.normalise_email(form.email.data)}")
        return redirect_to(url_for(".members"))
    return render("organisation/invite.html", form=form)


def _member_or_404(membership_id: int):
    membership = tenants.get_member(membership_id)
    if membership is None:
        abort(404)
    return membership


@bp.route("/members/<int:membership_id>", methods=["GET", "POST"])
@admin_required
def member(membership_id: int):
    membership = _member_or_404(membership_id)
    form = ChangeRoleForm(role=membership.role)
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        try:
            tenant_services.change_role(membership, form.role.data, actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            form_error(form, exc)
            return render("organisation/member.html", form=form, membership=membership)
        db.session.commit()
        flash_success(f"{membership.user.email} is now {ROLE_LABELS[form.role.data].lower()}")
        return redirect_to(url_for(".members"))
    return render("organisation/member.html", form=form, membership=membership)


@bp.post("/members/<int:membership_id>/remove")
@admin_required
def remove_member(membership_id: int):
    membership = _member_or_404(membership_id)
    email = membership.user.email
    tenant_services.remove_member(membership, actor=current_user)
    db.session.commit()
    flash_success(f"{email} has been removed from {g.organisation.name}")
    return redirect_to(url_for(".members"))


@bp.post("/invitations/<int:invitation_id>/withdraw")
@admin_required
def withdraw_invitation(invitation_id: int):
    invitation = tenants.get_invitation(invitation_id)
    if invitation is None:
        abort(404)
    accounts.revoke_invitation(invitation)
    db.session.commit()
    flash_success(f"The invitation to {invitation.email} has been withdrawn")
    return redirect_to(url_for(".members"))


@bp.get("/audit")
@admin_required
def audit():
    page = max(request.args.get("page", 1, type=int), 1)
    events = list_audit_events(limit=51, offset=(page - 1) * 50)
    return render("organisation/audit.html", events=events[:50], page=page, has_next=len(events) > 50)
