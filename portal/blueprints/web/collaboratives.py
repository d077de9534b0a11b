"""Collaboratives: form one, accept an invitation, see the members' pooled outcome figures."""
from __future__ import annotations

from flask import abort, g, request, url_for
from flask_login import current_user

from portal.http.organisation import tenant_blueprint
from portal.collaboratives import reports, services
from portal.errors import ServiceError
from portal.extensions import db
from portal.tenants.models import COMMISSIONER
from portal.http.pages import flash_success, redirect_to, render

bp = tenant_blueprint("collaboratives", __name__, "/collaboratives")
EDITORS = ("commissioner_admin", "contract_manager")


@bp.before_request
def commissioners_only():
    if g.organisation.kind != COMMISSIONER:
        abort(404)


def _editor() -> None:
    if g.membership.role not in EDITORS:
        abort(403)


@bp.route("/", methods=["GET", "POST"])
def index():
    problem = None
    if request.method == "POST":
        _editor()
        try:
            collaborative = services.create_collaborative(
                g.organisation, name=request.form.get("name", ""),
                invite=request.form.get("invite", "").replace(",", " ").split(), actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            problem = exc
        else:
            db.session.commit()
            flash_success(f"{collaborative.name} has been formed; invited commissioners must accept")
            return redirect_to(url_for(".index"))
    return render("collaboratives/index.html", memberships=services.my_collaboratives(g.organisation),
                  problem=problem, form=request.form, status=422 if problem else 200)


@bp.post("/<int:collaborative_id>/accept")
def accept(collaborative_id: int):
    _editor()
    if services.membership(g.organisation, collaborative_id) is None:
        abort(404)
    services.accept(g.organisation, collaborative_id, actor=current_user)
    db.session.commit()
    flash_success("You have joined the collaborative: members now see each other's pooled outcome figures")
    return redirect_to(url_for(".show", collaborative_id=collaborative_id))


@bp.post("/<int:collaborative_id>/leave")
def leave(collaborative_id: int):
    _editor()
    if services.membership(g.organisation, collaborative_id) is None:
        abort(404)
    services.leave(g.organisation, collaborative_id, actor=current_user)
    db.session.commit()
    flash_success("You have left the collaborative")
    return redirect_to(url_for(".index"))


def _report(collaborative_id: int):
    report = reports.pooled_report(g.organisation, collaborative_id, request.args)
    if report is None:
        abort(404)
    return report


@bp.get("/<int:collaborative_id>")
def show(collaborative_id: int):
    report = _report(collaborative_id)
    return render("collaboratives/show.html", report=report, status=422 if report.errors else 200)


@bp.get("/<int:collaborative_id>/export.<any(csv, xlsx):file_format>")
def export(collaborative_id: int, file_format: str):
    report = _report(collaborative_id)
    if report.errors:
        abort(400, description="; ".join(report.errors.values()))
    return reports.export(report, file_format)
