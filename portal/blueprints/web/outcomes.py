"""Outcomes across a commissioner's providers: rates, benchmarks, trends; exports."""
from __future__ import annotations

from flask import Response, abort, g, request

from portal.http.organisation import tenant_blueprint
from portal.outcomes import views
from portal.tenants.models import COMMISSIONER
from portal.http.pages import render

bp = tenant_blueprint("outcomes", __name__, "/outcomes")


@bp.before_request
def commissioners_only():
    if g.organisation.kind != COMMISSIONER:
        abort(404)


@bp.get("/")
def index():
    filters, errors, choices = views.filters_from(request.args, g.organisation)
    data = views.report(filters, g.organisation) if filters else None
    return render("outcomes/index.html", filters=filters, errors=errors, choices=choices, data=data,
                  args=request.args, measure_figure=views.measure_figure, status=422 if errors else 200)


@bp.get("/export.<any(csv, xlsx):file_format>")
def export(file_format: str):
    filters, errors, _choices = views.filters_from(request.args, g.organisation)
    if errors:
        abort(400, description="; ".join(errors.values()))
    data = views.report(filters, g.organisation)
    name = f"outcomes-{filters.period_from:%Y-%m}-to-{filters.period_to:%Y-%m}.{file_format}"
    if file_format == "csv":
        return Response(views.to_csv(data), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(views.to_xlsx(data), headers={"Content-Disposition": f'attachment; filename="{name}"'},
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
