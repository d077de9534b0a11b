"""The platform administrator: organisations, the development mailbox, platform events."""
from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user

from portal.accounts import mfa
from portal.accounts.forms import OrganisationForm, ResetMfaByEmailForm
from portal.audit.queries import list_platform_events
from portal.http.access import PLATFORM_ADMIN, requires
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.notifications.queries import list_dev_mail
from portal.tenants import services as tenant_services
from portal.tenants.queries import list_organisations

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@requires(PLATFORM_ADMIN)
def organisations():
    return render("admin/organisations.html", organisations=list_organisations())


@bp.route("/organisations/new", methods=["GET", "POST"])
@requires(PLATFORM_ADMIN)
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            organisation = tenant_services.create_organisation(
                name=form.name.data, slug=form.slug.data, kind=form.kind.data, actor=current_user,
                admin_email=form.admin_email.data)
        if attempt.ok:
            flash_success(f"{organisation.name} has been created and its administrator invited")
            return redirect_to(url_for(".organisations"))
        return render("admin/new_organisation.html", form=form, status=attempt.status)
    return render("admin/new_organisation.html", form=form)


@bp.route("/reset-mfa", methods=["GET", "POST"])
@requires(PLATFORM_ADMIN)
def reset_mfa():
    """For someone who lost their authenticator and recovery codes (audited; they are emailed)."""
    form = ResetMfaByEmailForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            user = mfa.reset_by_platform_admin(form.email.data, actor=current_user)
        if attempt.ok:
            flash_success(f"The multi-factor authentication of {user.email} has been reset")
            return redirect_to(url_for(".reset_mfa"))
        return render("admin/reset_mfa.html", form=form, status=attempt.status)
    return render("admin/reset_mfa.html", form=form, status=422 if form.errors else 200)


@bp.get("/mailbox")
@requires(PLATFORM_ADMIN)
def mailbox():
    return render("admin/mailbox.html", messages=list_dev_mail())


@bp.get("/mailbox/<int:message_id>")
@requires(PLATFORM_ADMIN)
def mail_message(message):
    return render("admin/mail_message.html", message=message)


@bp.get("/events")
@requires(PLATFORM_ADMIN)
def events():
    return render("admin/events.html", events=list_platform_events())
