"""The platform administrator: organisations, the development mailbox, platform events."""
from __future__ import annotations

from flask import Blueprint, abort, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.forms import OrganisationForm
from portal.audit.queries import list_platform_events
from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.models import DevMailboxMessage
from portal.tenants import services as tenant_services
from portal.tenants.queries import list_organisations
from portal.http.pages import flash_success, form_error, platform_admin_required, redirect_to, render

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@platform_admin_required
def organisations():
    return render("admin/organisations.html", organisations=list_organisations())


@bp.route("/organisations/new", methods=["GET", "POST"])
@platform_admin_required
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = tenant_services.create_organisation(
                name=form.name.data, slug=form.slug.data, kind=form.kind.data, actor=current_user,
                admin_email=form.admin_email.data)
        except ServiceError as exc:
            db.session.rollback()
            form_error(form, exc)
            return render("admin/new_organisation.html", form=form)
        db.session.commit()
        flash_success(f"{organisation.name} has been created and its administrator invited")
        return redirect_to(url_for(".organisations"))
    return render("admin/new_organisation.html", form=form)


@bp.get("/mailbox")
@platform_admin_required
def mailbox():
    messages = list(db.session.scalars(select(DevMailboxMessage).order_by(DevMailboxMessage.id.desc()).limit(200)))
    return render("admin/mailbox.html", messages=messages)


@bp.get("/mailbox/<int:message_id>")
@platform_admin_required
def mail_message(message_id: int):
    message = db.session.get(DevMailboxMessage, message_id)
    if message is None:
        abort(404)
    return render("admin/mail_message.html", message=message)


@bp.get("/events")
@platform_admin_required
def events():
    return render("admin/events.html", events=list_platform_events())
