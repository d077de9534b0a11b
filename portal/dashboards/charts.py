"""The compliance and delivery charts, drawn by portal.reporting.charts (server-side SVG, no
scripts, no style attributes); each page puts a table of the same numbers after its chart."""
from __future__ import annotations

from markupsafe import Markup

from portal.dashboards.queries import STATE_LABELS, STATES, ComplianceReport, DeliveryReport
from portal.reporting import charts
from portal.reporting.charts import Dot, Reference, Segment

#: GOV.UK palette colours with at least 3:1 contrast against white.
STATE_COLOURS = {"on_time": "#0f7a52", "late": "#c25e00", "changes_requested": "#54319f", "missing": "#ca3535",
                 "not_yet_due": "#858b8e"}
RED, BLUE = charts.RED, charts.BLUE


def _segments(name: str, counts, when: str = "") -> list[Segment]:
    return [Segment(state, counts.get(state, 0), f"{name}{when}: {counts.get(state, 0)} {STATE_LABELS[state].lower()}")
            for state in STATES]


def compliance_by_provider(report: ComplianceReport) -> Markup:
    """Each provider's periods as one bar split by state (its share of all its periods)."""
    rows = []
    for provider in report.providers:
        counts = {state: provider.counts.count(state) for state in STATES}
        pct = provider.counts.pct_on_time
        title = provider.name + (f": {pct}% of periods due were on time" if pct is not None else ": none due yet")
        rows.append((title, _segments(provider.name, counts)))
    label = ("Bar chart: each provider's return periods by compliance state, with the percentage on time; "
             "the same numbers are in the table after the chart")
    return charts.responsive(lambda width: charts.share_bars(rows, colours=STATE_COLOURS, keys=STATE_LABELS,
                                                             label=label, width=width))


def compliance_by_month(report: ComplianceReport) -> Markup:
    """All providers' periods per month as stacked columns, oldest month on the left."""
    columns = [(f"{m:%b}", f"{m:%Y}", _segments("All providers", report.by_month.get(m, {}), f" in {m:%B %Y}"))
               for m in report.months]
    label = ("Column chart: all providers' return periods each month by compliance state; "
             "the same numbers are in the table after the chart")
    return charts.responsive(lambda width: charts.stacked_columns(columns, colours=STATE_COLOURS, keys=STATE_LABELS,
                                                                  label=label, width=width))


def delivery_by_contract(report: DeliveryReport) -> Markup:
    """What each contract delivered as a percentage of what it contracted (a percentage
    compares contracts that count different units), with the threshold and 100 % marked."""
    threshold = report.filters.threshold
    rows = [Dot(f"{c.reference} {c.title}, {c.provider}", c.pct, note=f"below {threshold}%" if c.under else "",
                colour=RED if c.under else BLUE) if c.pct is not None
            else Dot(f"{c.reference} {c.title}, {c.provider}", None, note="No submitted figures")
            for c in report.contracts]
    refs = [Reference(threshold, f"Threshold {threshold}% (dashed line)"),
            Reference(100, "100% of contracted (solid line)", dash=None, colour=charts.MUTED)]
    label = (f"Dot chart: what each contract delivered as a percentage of what it contracted, with the "
             f"{threshold}% threshold marked; the same numbers are in the table after the chart")
    return charts.responsive(lambda width: charts.dot_plot(rows, label=label, refs=refs, width=width))
