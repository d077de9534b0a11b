"""The outcomes page's charts (drawn by portal.reporting.charts): each outcome's rate by
provider as a dot plot, and the rate by month as small multiples, one per outcome on one
shared scale. Suppressed figures are never drawn; they are named as suppressed instead."""
from __future__ import annotations

from datetime import date

from markupsafe import Markup

from portal.outcomes.queries import OutcomeSummary
from portal.reporting import charts
from portal.reporting.charts import Dot, Reference


def by_provider(summary: OutcomeSummary, provider_names: dict[int, str], outcome_name: str) -> Markup:
    """Each provider's rate for one outcome, on a scale fitted to the rates, with the median and
    the middle half of providers marked where there is a benchmark (four providers or more)."""
    rows = []
    for provider_id, cell in summary.providers.items():
        name = provider_names.get(provider_id, "")
        if cell.suppressed:
            rows.append(Dot(name, None, note="Suppressed: small numbers"))
        elif cell.rate is None:
            rows.append(Dot(name, None, note="No one reviewed"))
        else:
            rows.append(Dot(name, cell.rate, note=f"({int(cell.achieved or 0)} of {int(cell.reviewed or 0)})"))
    benchmark = summary.benchmark
    refs, band = [], None
    if benchmark and benchmark.get("median") is not None:
        refs = [Reference(benchmark["median"], f"Median {benchmark['median']}% (dashed line)")]
        band = (benchmark["q1"], benchmark["q3"])
    label = (f"Dot chart: the rate for {summary.outcome} ({outcome_name}) by provider"
             + (", with the median and the middle half of providers marked" if band else "")
             + "; the same numbers are in the table after the chart")
    return charts.responsive(lambda width: charts.dot_plot(
        rows, label=label, refs=refs, band=band, band_label="Shaded: the middle half of providers" if band else "",
        floor=0, ceiling=100, width=width))


def trend_series(summary: OutcomeSummary, months: list[date]) -> list[tuple[date, object]]:
    """The outcome's cell for every month of the range (None where no return counted)."""
    cells = dict(summary.trend)
    return [(month, cells.get(month)) for month in months]


def trend_panels(summaries: list[OutcomeSummary], months: list[date],
                 names: dict[str, str]) -> list[tuple[OutcomeSummary, Markup]]:
    """One small chart per outcome of its rate by month, all on one scale so that they compare."""
    every = [cell.rate for s in summaries for _m, cell in s.trend if cell.rate is not None]
    panels = []
    for summary in summaries:
        points = []
        for month, cell in trend_series(summary, months):
            when = f"{month:%b %Y}"
            if cell is None:
                points.append((when, None, f"{month:%B %Y}: no returns"))
            elif cell.rate is None:
                why = "suppressed" if cell.suppressed else "no one reviewed"
                points.append((when, None, f"{month:%B %Y}: {why}"))
            else:
                points.append((when, cell.rate, f"{month:%B %Y}: {cell.rate}%"))
        label = (f"Line chart: the rate for {summary.outcome} ({names.get(summary.outcome, '')}) each month from "
                 f"{months[0]:%B %Y} to {months[-1]:%B %Y}; open circles mark months with no figure shown; the "
                 "same numbers are in the table after the charts")
        panels.append((summary, charts.line_panel(points, scale_values=every or [0, 100], label=label)))
    return panels
