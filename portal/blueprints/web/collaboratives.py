"""Collaboratives: form one, accept an invitation, see the members' pooled outcome figures."""
from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
import csv
import io

from flask import Response, abort, g, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.http.organisation import tenant_blueprint
from portal.collaboratives import services
from portal.collaboratives.models import ACTIVE
from portal.contracts.models import OutcomeFramework
from portal.errors import ServiceError
from portal.extensions import db
from portal.outcomes.queries import DEFAULT_THRESHOLD
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


def _pooled(collaborative_id: int):
    member = services.membership(g.organisation, collaborative_id)
    if member is None or member.status != ACTIVE:
        abort(404)
    collaborative = member.collaborative
    frameworks = list(db.session.scalars(select(OutcomeFramework.code).where(OutcomeFramework.owner_id.is_(None))
                                         .order_by(OutcomeFramework.code)))
    framework = request.args.get("framework") if request.args.get("framework") in frameworks else "NHWO"
    today = date.today().replace(day=1)
    rows = services.pooled_outcomes(collaborative, framework_code=framework,
                                    period_from=today - relativedelta(months=11), period_to=today,
                                    threshold=DEFAULT_THRESHOLD)
    names = {m.organisation_id: m.organisation.name for m in collaborative.members}
    return dict(collaborative=collaborative, rows=rows, names=names, framework=framework, frameworks=frameworks,
                threshold=DEFAULT_THRESHOLD, period_from=today - relativedelta(months=11), period_to=today)


def _rate(row) -> str:
    if row.suppressed:
        return "suppressed"
    return f"{row.achieved / row.reviewed * 100:.1f}" if row.reviewed else ""


@bp.get("/<int:collaborative_id>")
def show(collaborative_id: int):
    return render("collaboratives/show.html", rate=_rate, **_pooled(collaborative_id))


@bp.get("/<int:collaborative_id>/export.csv")
def export(collaborative_id: int):
    data = _pooled(collaborative_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Outcome", "Commissioner", "Rate %"])
    for row in data["rows"]:
        writer.writerow([row.outcome, "All members" if row.pooled else data["names"].get(row.tenant_id, ""),
                         _rate(row)])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="collaborative-outcomes.csv"'})
