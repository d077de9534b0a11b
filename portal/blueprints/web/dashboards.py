"""A commissioner's compliance and delivery views across its providers, with exports."""
from __future__ import annotations

from dataclasses import replace

from flask import Response, abort, request, url_for

from portal.dashboards import charts, exports, queries
from portal.dashboards.filters import FormState, from_request_args, returns_args
from portal.documents.filenames import content_disposition
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import render
from portal.reporting.paging import page_of

bp = tenant_blueprint("dashboards", __name__, "/dashboards")


def _form() -> FormState:
    return from_request_args(request.args)


def _page(template: str, form: FormState, **context):
    def returns_url(**figure) -> str | None:
        """The returns list behind a figure (None for missing or not-yet-due periods)."""
        args = returns_args(form.filters, **figure)
        return None if args is None else url_for("returns.index", **args)

    return render(template, form=form, filters=form.filters, errors=form.errors, choices=queries.filter_choices(),
                  returns_url=returns_url, states=queries.STATES, state_labels=queries.STATE_LABELS,
                  status=400 if form.errors else 200, **context)


def _download(form: FormState, name: str, header, rows, title: str, file_format: str):
    if form.errors:
        abort(400, description="; ".join(form.errors.values()))
    body, mimetype, filename = exports.export_file(form.filters, name, header, rows, title, file_format)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": content_disposition(filename)})


@bp.get("/")
@requires("view_dashboards")
def index():
    return render("dashboards/index.html")


@bp.get("/compliance")
@requires("view_dashboards")
def compliance():
    form = _form()
    report = queries.compliance(form.filters)
    # Providers a page at a time (the totals, the months and the downloads are every provider's).
    providers = page_of(report.providers, request.args.get("page", 1, type=int))
    shown = replace(report, providers=providers.items)
    return _page("dashboards/compliance.html", form, report=shown, providers=providers,
                 page_args={k: v for k, v in request.args.items() if k != "page"},
                 by_provider=charts.compliance_by_provider(shown), by_month=charts.compliance_by_month(report))


@bp.get("/compliance.<any(csv, xlsx):file_format>")
@requires("view_dashboards")
def compliance_export(file_format: str):
    form = _form()
    header, rows = exports.compliance_rows(queries.compliance(form.filters))
    return _download(form, "compliance", header, rows, "Compliance", file_format)


@bp.get("/delivery")
@requires("view_dashboards")
def delivery():
    form = _form()
    report = queries.delivery(form.filters)
    return _page("dashboards/delivery.html", form, report=report, chart=charts.delivery_by_contract(report))


@bp.get("/delivery.<any(csv, xlsx):file_format>")
@requires("view_dashboards")
def delivery_export(file_format: str):
    form = _form()
    header, rows = exports.delivery_rows(queries.delivery(form.filters))
    return _download(form, "delivery", header, rows, "Delivery", file_format)
