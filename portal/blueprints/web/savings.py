"""Savings: a commissioner's targets per financial year, each saving moving proposed → agreed →
realised, and the realised figures worked out from paid invoices, with a chart, CSV and Excel."""
from __future__ import annotations

from flask import abort, g, request, url_for
from flask_login import current_user

from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.savings import reports, services

bp = tenant_blueprint("savings", __name__, "/savings")


@bp.get("/")
@requires("view_savings")
def index():
    return render("savings/index.html", **reports.index_context(request.args.get("year")))


@bp.get("/export.<file_format>")
@requires("view_savings")
def export(file_format):
    if file_format not in ("csv", "xlsx"):
        abort(404)
    return reports.export(request.args.get("year"), file_format)


@bp.route("/new", methods=["GET", "POST"])
@requires("manage_savings")
def new():
    errors: dict = {}
    if request.method == "POST":
        with form_errors(errors) as attempt:
            target = services.create_target(g.organisation, request.form, actor=current_user)
        if attempt.ok:
            flash_success(f"The target {target.name} has been set")
            return redirect_to(url_for(".show", target_id=target.id))
        return render("savings/new.html", errors=errors, values=request.form, status=attempt.status,
                      **reports.new_context(g.organisation))
    return render("savings/new.html", errors=errors, values={}, **reports.new_context(g.organisation))


@bp.get("/<int:target_id>")
@requires("view_savings")
def show(target):
    return render("savings/show.html", errors={}, values={}, **reports.target_context(target))


@bp.post("/<int:target_id>/savings")
@requires("manage_savings")
def add(target):
    errors: dict = {}
    with form_errors(errors) as attempt:
        saving = services.add_saving(target, request.form, actor=current_user)
    if attempt.ok:
        flash_success(f"The saving “{saving.description}” has been recorded as proposed")
        return redirect_to(url_for(".show", target_id=target.id, _anchor="savings"))
    return render("savings/show.html", errors=errors, values=request.form, status=attempt.status,
                  **reports.target_context(target))


@bp.post("/<int:target_id>/savings/<int:saving_id>/status")
@requires("manage_savings")
def move(target, saving):
    errors: dict = {}
    with form_errors(errors) as attempt:
        services.move_saving(saving, request.form.get("status"), actor=current_user)
    if attempt.ok:
        flash_success(f"“{saving.description}” is now {saving.status_label.lower()}")
        return redirect_to(url_for(".show", target_id=target.id, _anchor="savings"))
    return render("savings/show.html", errors=errors, values={}, status=attempt.status,
                  **reports.target_context(target))
