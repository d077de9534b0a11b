"""CSV and Excel downloads of the dashboards: the same rows as the page, with the same filters
(written by portal.reporting.exports, which guards every cell)."""
from __future__ import annotations

from portal.contracts.models import SERVICE_TYPES
from portal.dashboards.filters import Filters
from portal.dashboards.queries import STATE_LABELS, STATES, ComplianceReport, DeliveryReport
from portal.reporting.exports import XLSX_MIMETYPE, csv_text, table_xlsx

__all__ = ["XLSX_MIMETYPE", "compliance_rows", "delivery_rows", "filter_rows", "to_csv", "to_xlsx", "total_name"]
PERCENT_STATES = ("on_time", "late", "changes_requested", "missing")


def cell_text(counts: dict[str, int]) -> str:
    """A matrix cell as words, like 'On time' or 'On time (2); Late'; '' when nothing was due."""
    return "; ".join(STATE_LABELS[state] if counts[state] == 1 else f"{STATE_LABELS[state]} ({counts[state]})"
                     for state in STATES if counts.get(state))


def compliance_rows(report: ComplianceReport) -> tuple[list[str], list[list]]:
    """One row per provider and one for all of them: counts, percentages, then each month."""
    header = (["Provider"] + [STATE_LABELS[s] for s in STATES] + ["Periods", "Due"]
              + [f"{STATE_LABELS[s]} (%)" for s in PERCENT_STATES] + [f"{m:%b %Y}" for m in report.months])
    rows = []
    for name, counts, cells in ([(p.name, p.counts, p.cells) for p in report.providers]
                                + [("All providers", report.overall, report.by_month)]):
        rows.append([name] + [counts.count(s) for s in STATES] + [counts.total, counts.due]
                    + [counts.pct(s) for s in PERCENT_STATES]
                    + [cell_text(cells.get(m, {})) for m in report.months])
    return header, rows


def delivery_rows(report: DeliveryReport) -> tuple[list[str], list[list]]:
    """One row per contract, then one per type of service and unit (figures are added up only
    within a type of service and a unit)."""
    header = ["Contract", "Title", "Provider", "Service type", "Locality", "Unit", "Returns counted",
              "Contracted", "Delivered", "Delivered (%)", f"Below {report.filters.threshold}%"]
    rows = [[c.reference, c.title, c.provider, SERVICE_TYPES.get(c.service_type, ""), c.locality, c.unit_label,
             c.returns, c.contracted, c.delivered, c.pct, "Yes" if c.under else "No"] for c in report.contracts]
    for t in report.totals:
        rows.append([total_name(t), "", "", t.service_type_label, "", t.unit_label, t.returns, t.contracted,
                     t.delivered, t.pct, "Yes" if t.under else "No"])
    return header, rows


def total_name(total) -> str:
    """'All care at home contracts counting hours (2)'."""
    return f"All {total.service_type_label.lower()} contracts counting {total.unit_label} ({total.contracts})"


def filter_rows(filters: Filters, names: dict[str, str] | None = None) -> list[list[str]]:
    names = names or {}
    return [["From", f"{filters.month_from:%B %Y}"], ["To", f"{filters.month_to:%B %Y}"],
            ["Provider", names.get(filters.provider or "", filters.provider or "All providers")],
            ["Contract", names.get(str(filters.contract_id), str(filters.contract_id or "All contracts"))],
            ["Service type", SERVICE_TYPES.get(filters.service_type or "", "All service types")],
            ["Locality", filters.locality or "All localities"],
            ["Under-delivery threshold (%)", str(filters.threshold)]]


def to_csv(header: list[str], rows: list[list]) -> str:
    return csv_text(header, rows)


def to_xlsx(title: str, header: list[str], rows: list[list], filters: list[list[str]]) -> bytes:
    """A sheet of figures (numbers stay numbers) and a sheet saying which filters made them."""
    return table_xlsx(title, header, rows, about=filters, widths={1: 30}, freeze="B2")


def export_file(filters: Filters, name: str, header: list[str], rows: list[list], title: str,
                file_format: str) -> tuple[bytes | str, str, str]:
    """A dashboard's figures as CSV or Excel: body, MIME type and file name."""
    filename = f"{name}-{filters.month_from:%Y-%m}-to-{filters.month_to:%Y-%m}.{file_format}"
    if file_format == "csv":
        return to_csv(header, rows), "text/csv", filename
    return to_xlsx(title, header, rows, filter_rows(filters)), XLSX_MIMETYPE, filename
