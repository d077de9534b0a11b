"""Organisation exports: ask for one (built in the background), follow it, download it."""
from __future__ import annotations

from flask import g, redirect
from flask_login import current_user

from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.offboarding import queries, services
from portal.offboarding.schemas import ExportSchema

bp = ApiBlueprint("api_offboarding", __name__, description="Organisation exports")


@bp.org_route("/exports", methods=["POST"])
@requires("export_organisation")
@bp.response(202, ExportSchema)
@bp.doc(security=BEARER)
def request_export():
    """Ask for a zip of all of the organisation's data and documents (poll its status)"""
    return services.request_export(g.organisation, actor=current_user)


@bp.org_route("/exports")
@requires("export_organisation")
@bp.response(200, ExportSchema(many=True))
@bp.doc(security=BEARER)
def list_exports():
    """The organisation's latest exports, newest first"""
    return queries.list_exports()


@bp.org_route("/exports/<int:export_id>")
@requires("export_organisation")
@bp.response(200, ExportSchema)
@bp.doc(security=BEARER)
def get_export(export):
    """One export and its status"""
    return export


@bp.org_route("/exports/<int:export_id>/download")
@requires("export_organisation")
@bp.response(303, description="Redirect to a presigned link that works for 60 seconds")
@bp.alt_response(409, description="The export is not ready or has expired")
@bp.doc(security=BEARER)
def download(export):
    """Download a ready export (recorded in the audit log)"""
    return redirect(services.download_url(g.organisation, export, actor=current_user), 303)
