"""A commissioner's money views: spend against contract value, invoices waiting, days to pay, runs."""
from __future__ import annotations

from flask import g

from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import render
from portal.invoicing import spend
from portal.reporting.exports import csv_text, download, table_xlsx

bp = tenant_blueprint("spend", __name__, "/spend")


@bp.get("/")
@requires("view_dashboards")
def index():
    report = spend.spend_report(g.organisation.id)
    return render("spend/index.html", report=report, chart=spend.spend_chart(report))


@bp.get("/spend.<any(csv, xlsx):file_format>")
@requires("view_dashboards")
def export(file_format: str):
    report = spend.spend_report(g.organisation.id)
    rows = spend.spend_export_rows(report)
    name = f"spend-{report.today:%Y-%m-%d}.{file_format}"
    if file_format == "csv":
        return download(csv_text(spend.SPEND_HEADER, rows), name)
    return download(table_xlsx("Spend", spend.SPEND_HEADER, rows, widths={2: 30}), name)
