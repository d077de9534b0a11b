"""Collaboratives: form one, accept an invitation, see the members' pooled outcome figures."""
from __future__ import annotations

from flask import abort, g, request, url_for
from flask_login import current_user

from portal.collaboratives import reports, services
from portal.collaboratives.policy import can_see_figures
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render

bp = tenant_blueprint("collaboratives", __name__, "/collaboratives")


def _index(problem=None, form=None, status=200):
    return render("collaboratives/index.html", memberships=services.my_collaboratives(g.organisation),
                  directory=services.directory(g.organisation), problem=problem, form=form or {},
                  invited=request.form.getlist("invite") if form else [], status=status)


@bp.get("/")
@requires("view_collaboratives")
def index():
    return _index()


@bp.post("/")
@requires("manage_collaboratives")
def create():
    with form_errors() as attempt:
        collaborative = services.create_collaborative(
            g.organisation, name=request.form.get("name", ""), invite=request.form.getlist("invite"),
            actor=current_user)
    if attempt.ok:
        flash_success(f"{collaborative.name} has been formed; invited commissioners must accept")
        return redirect_to(url_for(".index"))
    return _index(problem=attempt.error, form=request.form, status=attempt.status)


@bp.post("/<int:collaborative_id>/accept")
@requires("manage_collaboratives")
def accept(member):
    services.accept(g.organisation, member.collaborative_id, actor=current_user)
    flash_success("You have joined the collaborative: members now see each other's pooled outcome figures")
    return redirect_to(url_for(".show", collaborative_id=member.collaborative_id))


@bp.get("/<int:collaborative_id>/leave")
@requires("manage_collaboratives")
def confirm_leave(member):
    """Leaving (or declining an invitation) is asked for on a page of its own first."""
    return render("collaboratives/leave.html", member=member)


@bp.post("/<int:collaborative_id>/leave")
@requires("manage_collaboratives")
def leave(member):
    invited = not can_see_figures(member)
    name = member.collaborative.name
    services.leave(g.organisation, member.collaborative_id, actor=current_user)
    flash_success(f"You have declined the invitation to {name}" if invited else f"You have left {name}")
    return redirect_to(url_for(".index"))


def _report(member):
    report = reports.pooled_report(g.organisation, member.collaborative_id, request.args)
    if report is None or not can_see_figures(member):
        abort(404)
    return report


@bp.get("/<int:collaborative_id>")
@requires("view_collaboratives")
def show(member):
    report = _report(member)
    return render("collaboratives/show.html", report=report, chart=None if report.errors else reports.chart(report),
                  status=422 if report.errors else 200)


@bp.get("/<int:collaborative_id>/export.<any(csv, xlsx):file_format>")
@requires("view_collaboratives")
def export(member, file_format: str):
    report = _report(member)
    if report.errors:
        abort(400, description="; ".join(report.errors.values()))
    return reports.export(report, file_format)
