"""An organisation's own pages: home, members, invitations, audit log."""
from __future__ import annotations

from flask import g, request, url_for
from flask_login import current_user

from portal.accounts import services as accounts
from portal.accounts import mfa
from portal.accounts.forms import ChangeRoleForm, ConfirmForm, InviteForm, MfaRequirementForm
from portal.audit import filters as audit_filters
from portal.audit.describe import describe
from portal.audit.queries import audit_people, list_audit_events
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.models_base import utcnow
from portal.returns.queries import work_lists
from portal.tenants import queries as tenants
from portal.tenants import services as tenant_services
from portal.tenants.models import ROLE_LABELS
from portal.tenants.queries import memberships_of

bp = tenant_blueprint("organisation", __name__)
AUDIT_PAGE = 50


def _role_choices():
    return [(role, ROLE_LABELS[role]) for role in g.organisation.roles]


@bp.get("/")
@requires("view_organisation")
def home():
    return render("organisation/home.html", memberships=memberships_of(current_user), work=work_lists(g.organisation))


@bp.get("/members")
@requires("manage_members")
def members():
    return render("organisation/members.html", members=tenants.list_members(),
                  invitations=tenants.list_invitations(), now=utcnow(), role_labels=ROLE_LABELS)


@bp.route("/members/invite", methods=["GET", "POST"])
@requires("manage_members")
def invite():
    form = InviteForm()
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            accounts.invite(g.organisation, form.email.data, form.role.data, invited_by=current_user)
        if attempt.ok:
            flash_success(f"Invitation sent to {accounts.normalise_email(form.email.data)}")
            return redirect_to(url_for(".members"))
        return render("organisation/invite.html", form=form, status=attempt.status)
    return render("organisation/invite.html", form=form)


@bp.route("/members/<int:membership_id>", methods=["GET", "POST"])
@requires("manage_members")
def member(membership):
    form = ChangeRoleForm(role=membership.role)
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            tenant_services.change_role(membership, form.role.data, actor=current_user)
        if attempt.ok:
            flash_success(f"{membership.user.email} is now {ROLE_LABELS[form.role.data].lower()}")
            return redirect_to(url_for(".members"))
        return render("organisation/member.html", form=form, membership=membership, status=attempt.status)
    return render("organisation/member.html", form=form, membership=membership)


@bp.post("/members/<int:membership_id>/remove")
@requires("manage_members")
def remove_member(membership):
    email = membership.user.email
    tenant_services.remove_member(membership, actor=current_user)
    flash_success(f"{email} has been removed from {g.organisation.name}")
    return redirect_to(url_for(".members"))


@bp.route("/members/<int:membership_id>/reset-mfa", methods=["GET", "POST"])
@requires("manage_members")
def reset_member_mfa(membership):
    """For someone who lost their authenticator and recovery codes (audited; they are emailed)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            mfa.reset_by_admin(membership.user, actor=current_user, organisation=g.organisation)
        if attempt.ok:
            flash_success(f"The multi-factor authentication of {membership.user.email} has been reset. They set it "
                          "up again when they next sign in.")
            return redirect_to(url_for(".member", membership_id=membership.id))
        return render("organisation/reset_mfa.html", form=form, membership=membership, status=attempt.status)
    return render("organisation/reset_mfa.html", form=form, membership=membership)


@bp.route("/security", methods=["GET", "POST"])
@requires("manage_members")
def security():
    """"Require MFA for everyone" (audited); the roles that always need it are listed."""
    form = MfaRequirementForm(require_mfa="yes" if g.organisation.require_mfa else "no")
    if form.validate_on_submit():
        mfa.set_organisation_requirement(g.organisation, form.require_mfa.data == "yes", actor=current_user)
        flash_success("Everyone in the organisation must now use multi-factor authentication"
                      if g.organisation.require_mfa else "Multi-factor authentication is required only of the roles "
                                                         "that always need it")
        return redirect_to(url_for(".security"))
    return render("organisation/security.html", form=form, status=422 if form.errors else 200,
                  always=[ROLE_LABELS[role] for kind, role in sorted(mfa.ALWAYS_REQUIRED) if kind == g.organisation.kind])


@bp.post("/invitations/<int:invitation_id>/withdraw")
@requires("manage_members")
def withdraw_invitation(invitation):
    accounts.revoke_invitation(invitation)
    flash_success(f"The invitation to {invitation.email} has been withdrawn")
    return redirect_to(url_for(".members"))


#: Which page each kind of object in the audit log opens, and the permission that page needs.
AUDIT_LINKS = {
    "return": ("returns.show", "return_id", "view_returns"),
    "document": ("documents.document", "document_id", "view_documents"),
    "member": ("organisation.member", "membership_id", "manage_members"),
    "contract": ("contracts.show", "contract_id", "view_contracts"),
    "framework": ("frameworks.show", "framework_id", "view_frameworks"),
    "collaborative": ("collaboratives.show", "collaborative_id", "view_collaboratives"),
}


def _audit_link(part) -> str | None:
    """The address of an object an audit entry names, when the person may open it."""
    target = AUDIT_LINKS.get(part.kind)
    if target is None or part.id is None or not g.membership.can(target[2]):
        return None
    endpoint, argument, _permission = target
    return url_for(endpoint, **{argument: part.id})


@bp.get("/audit")
@requires("view_audit")
def audit():
    page = min(max(request.args.get("page", 1, type=int), 1), 10_000)
    people = audit_people()
    form = audit_filters.from_page_args(request.args, kind=g.organisation.kind, people=people)
    events = list_audit_events(limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE, filters=form.filters)
    return render("organisation/audit.html", entries=describe(events[:AUDIT_PAGE], g.organisation), page=page,
                  has_next=len(events) > AUDIT_PAGE, form=form, people=people, link=_audit_link,
                  actions=audit_filters.action_choices(g.organisation.kind))
