"""The savings pages' figures, chart, CSV and Excel (through portal.reporting.exports)."""
from __future__ import annotations

from datetime import date

from portal.reporting.exports import csv_text, download, table_xlsx
from portal.reporting.periods import financial_year_label, financial_year_start, london_today, recent_financial_years
from portal.savings import figures as money, queries
from portal.savings.chart import quarters_chart
from portal.savings.models import SAVING_STATUSES, TARGET_KINDS
from portal.savings.services import collaboratives_of

HEADINGS = ["Target", "Scope", "Financial year", "Quarter", "Quarter's baseline", "Paid spend", "Realised saving"]


def chosen_year(raw: str | None) -> date:
    years = recent_financial_years(london_today(), 6)
    if raw and raw.isdigit() and len(raw) == 4:
        start = financial_year_start(date(int(raw), 4, 1))
        if start in years:
            return start
    return years[0]


def index_context(raw_year: str | None) -> dict:
    year = chosen_year(raw_year)
    targets = queries.list_targets(year)
    rows = [money.figures_of(t) for t in targets]
    return {"year": year, "years": recent_financial_years(london_today(), 6), "label": financial_year_label(year),
            "rows": rows}


def target_context(target) -> dict:
    figures = money.figures_of(target)
    names = queries.names_of(list(figures.shares)) if figures.shares else {}
    return {"target": target, "figures": figures, "chart": quarters_chart(figures), "names": names,
            "savings": queries.savings_of(target), "statuses": SAVING_STATUSES, "target_kinds": TARGET_KINDS,
            "label": financial_year_label(target.year_start), "proposals": queries.accepted_proposals()}


def new_context(commissioner) -> dict:
    return {"collaboratives": collaboratives_of(commissioner.id),
            "years": recent_financial_years(london_today(), 3)}


def export_rows(year: date) -> list[list]:
    out = []
    for target in queries.list_targets(year):
        made = money.figures_of(target)
        for n, quarter in enumerate(made.quarters, start=1):
            out.append([target.name, target.scope_label, financial_year_label(year), f"Q{n} ({quarter.label})",
                        quarter.baseline, quarter.spend, quarter.realised if quarter.realised is not None else ""])
    return out


def export(raw_year: str | None, file_format: str):
    year = chosen_year(raw_year)
    rows = export_rows(year)
    name = f"savings-{year.year}-{str(year.year + 1)[2:]}.{file_format}"
    if file_format == "csv":
        return download(csv_text(HEADINGS, rows), name)
    return download(table_xlsx("Savings", HEADINGS, rows, about=[["Financial year", financial_year_label(year)]]),
                    name)
