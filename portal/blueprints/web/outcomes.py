"""Outcomes across a commissioner's providers: an overview of every outcome (rates, benchmarks,
trend, the table of providers by outcome), a page for each outcome (its providers' rates as a
chart and a table, by service type and locality); exports."""
from __future__ import annotations

from flask import Response, abort, g, request
from werkzeug.datastructures import MultiDict

from portal.documents.filenames import content_disposition
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import render
from portal.outcomes import charts, views
from portal.reporting.paging import page_of

bp = tenant_blueprint("outcomes", __name__, "/outcomes")


def _overview(filters, errors: dict, choices: dict):
    data = views.report(filters, g.organisation, measures="none") if filters else None
    providers = page_of(data["providers"] if data else [], request.args.get("page", 1, type=int))
    return render("outcomes/index.html", filters=filters, errors=errors, choices=choices, data=data,
                  trend=charts.trend_panels(data["summaries"], data["months"], data["outcome_names"]) if data else None,
                  args={k: v for k, v in request.args.items() if k != "page"}, providers=providers,
                  status=422 if errors else 200)


@bp.get("/")
@requires("view_dashboards")
def index():
    return _overview(*views.filters_from(request.args, g.organisation))


@bp.get("/<int:outcome_id>")
@requires("view_dashboards")
def outcome(outcome):
    args = MultiDict(request.args)
    args["framework"] = str(outcome.framework_id)  # the outcome names its framework
    filters, errors, choices = views.filters_from(args, g.organisation)
    if errors:  # shown with the filters, where they can be put right
        return _overview(filters, errors, choices)
    filters.outcome = outcome.code  # this outcome's figures only
    data = views.report(filters, g.organisation, measures="none")
    summary = next((s for s in data["summaries"] if s.outcome == outcome.code), None)
    name = data["outcome_names"].get(outcome.code, "")
    return render("outcomes/outcome.html", outcome=outcome, name=name, filters=filters, data=data, summary=summary,
                  chart=charts.by_provider(summary, data["names"], name) if summary else None,
                  slugs=choices["provider_slugs"], args=args)


@bp.get("/measures")
@requires("view_dashboards")
def measures():
    filters, errors, choices = views.filters_from(request.args, g.organisation)
    if errors:  # shown with the filters, where they can be put right
        return _overview(filters, errors, choices)
    data = views.report(filters, g.organisation, measures="overall", outcomes=False)
    return render("outcomes/measures.html", filters=filters, data=data, args=request.args,
                  measure_figure=views.measure_figure)


@bp.get("/export.<any(csv, xlsx):file_format>")
@requires("view_dashboards")
def export(file_format: str):
    filters, errors, _choices = views.filters_from(request.args, g.organisation)
    if errors:
        abort(400, description="; ".join(errors.values()))
    body, mimetype, name = views.export_file(views.report(filters, g.organisation), filters, file_format)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": content_disposition(name)})
