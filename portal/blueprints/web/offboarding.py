"""Organisation exports (the organisation's administrator) and offboarding (the platform
administrator): ask for an export, follow it, download it; suspend, cancel."""
from __future__ import annotations

from flask import Blueprint, g, redirect, request, url_for
from flask_login import current_user

from portal.errors import Conflict
from portal.http.access import PLATFORM_ADMIN, requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.offboarding import queries, services

bp = tenant_blueprint("offboarding", __name__, "/exports")
admin_bp = Blueprint("admin_offboarding", __name__, url_prefix="/admin/organisations")


def _download(organisation, export, back: str):
    try:
        url = services.download_url(organisation, export, actor=current_user)
    except Conflict as exc:
        return render("offboarding/not_downloadable.html", status=409, message=exc.message, back=back)
    response = redirect(url, 303)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@requires("export_organisation")
def index():
    return render("offboarding/index.html", exports=queries.list_exports())


@bp.post("/")
@requires("export_organisation")
def request_export():
    export = services.request_export(g.organisation, actor=current_user)
    flash_success("We are preparing the export. We will email you when it is ready.")
    return redirect_to(url_for(".export", export_id=export.id))


@bp.get("/<int:export_id>")
@requires("export_organisation")
def export(export):
    here = url_for(".export", export_id=export.id)
    return render("offboarding/export.html", partial="offboarding/_export.html", export=export, here=here,
                  download=url_for(".download", export_id=export.id), back=url_for(".index"))


@bp.get("/<int:export_id>/download")
@requires("export_organisation")
def download(export):
    return _download(g.organisation, export, url_for(".export", export_id=export.id))


@admin_bp.get("/<int:organisation_id>")
@requires(PLATFORM_ADMIN)
def organisation(organisation):
    return render("offboarding/organisation.html", organisation=organisation,
                  exports=queries.exports_of(organisation), errors={}, values={})


@admin_bp.post("/<int:organisation_id>/offboard")
@requires(PLATFORM_ADMIN)
def offboard(organisation):
    errors: dict[str, str] = {}
    values = {"reason": request.form.get("reason", ""), "confirm_name": request.form.get("confirm_name", "")}
    with form_errors(errors) as attempt:
        services.start_offboarding(organisation, reason=values["reason"], confirm_name=values["confirm_name"],
                                   actor=current_user)
    if attempt.ok:
        flash_success(f"{organisation.name} is suspended. Its data will be deleted after "
                      f"{organisation.delete_after:%-d %B %Y} unless you cancel.")
        return redirect_to(url_for(".organisation", organisation_id=organisation.id))
    return render("offboarding/organisation.html", status=attempt.status, organisation=organisation,
                  exports=queries.exports_of(organisation), errors=errors or {"": attempt.message}, values=values)


@admin_bp.post("/<int:organisation_id>/cancel-offboarding")
@requires(PLATFORM_ADMIN)
def cancel(organisation):
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        services.cancel_offboarding(organisation, actor=current_user)
    if attempt.ok:
        flash_success(f"Offboarding cancelled: {organisation.name} can use the portal again.")
        return redirect_to(url_for(".organisation", organisation_id=organisation.id))
    return render("offboarding/organisation.html", status=attempt.status, organisation=organisation,
                  exports=queries.exports_of(organisation), errors={"": attempt.message}, values={})


@admin_bp.post("/<int:organisation_id>/exports")
@requires(PLATFORM_ADMIN)
def admin_request_export(organisation):
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        if organisation.deleted_at is not None:
            raise Conflict(f"{organisation.name} has been deleted: there is nothing left to export")
        export = services.request_export(organisation, actor=current_user)
    if attempt.ok:
        flash_success("We are preparing the export. We will email you when it is ready.")
        return redirect_to(url_for(".admin_export", organisation_id=organisation.id, export_id=export.id))
    return render("offboarding/organisation.html", status=attempt.status, organisation=organisation,
                  exports=queries.exports_of(organisation), errors={"": attempt.message}, values={})


@admin_bp.get("/<int:organisation_id>/exports/<int:export_id>")
@requires(PLATFORM_ADMIN)
def admin_export(organisation, export):
    here = url_for(".admin_export", organisation_id=organisation.id, export_id=export.id)
    return render("offboarding/export.html", partial="offboarding/_export.html", export=export, here=here,
                  download=url_for(".admin_download", organisation_id=organisation.id, export_id=export.id),
                  back=url_for(".organisation", organisation_id=organisation.id), organisation=organisation)


@admin_bp.get("/<int:organisation_id>/exports/<int:export_id>/download")
@requires(PLATFORM_ADMIN)
def admin_download(organisation, export):
    return _download(organisation, export,
                     url_for(".admin_export", organisation_id=organisation.id, export_id=export.id))
