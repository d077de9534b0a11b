"""Outcomes across a commissioner's providers: rates, benchmarks, trends; exports."""
from __future__ import annotations

from flask import Response, abort, g, request

from portal.documents.filenames import content_disposition
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import render
from portal.outcomes import charts, views

bp = tenant_blueprint("outcomes", __name__, "/outcomes")


@bp.get("/")
@requires("view_dashboards")
def index():
    filters, errors, choices = views.filters_from(request.args, g.organisation)
    data = views.report(filters, g.organisation) if filters else None
    return render("outcomes/index.html", filters=filters, errors=errors, choices=choices, data=data,
                  charts=charts.page_charts(data) if data else None, args=request.args,
                  measure_figure=views.measure_figure, status=422 if errors else 200)


@bp.get("/export.<any(csv, xlsx):file_format>")
@requires("view_dashboards")
def export(file_format: str):
    filters, errors, _choices = views.filters_from(request.args, g.organisation)
    if errors:
        abort(400, description="; ".join(errors.values()))
    body, mimetype, name = views.export_file(views.report(filters, g.organisation), filters, file_format)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": content_disposition(name)})
