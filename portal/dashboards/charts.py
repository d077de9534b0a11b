"""Server-rendered SVG charts: no JavaScript, no library, no style attributes (the CSP allows
SVG presentation attributes such as fill, x, y, width and height).

Each chart is an image (role="img" with an aria-label); the page puts a table of the same
numbers right after it, so nothing is only in the picture.
"""
from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape

from portal.dashboards.queries import STATE_LABELS, STATES, ComplianceReport, DeliveryReport

#: GOV.UK palette colours with at least 3:1 contrast against white.
STATE_COLOURS = {"on_time": "#0f7a52", "late": "#c25e00", "changes_requested": "#54319f", "missing": "#ca3535",
                 "not_yet_due": "#858b8e"}
TEXT, MUTED, BLUE, RED = "#0b0c0c", "#505a5f", "#1d70b8", "#ca3535"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
WIDTH = 720
LABEL_WIDTH = 210
BAR, GAP = 20, 10


def _attrs(**attributes) -> str:
    return " ".join(f'{name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
                    for name, value in attributes.items() if value is not None)


def _tag(name: str, content: str = "", **attributes) -> str:
    return f"<{name} {_attrs(**attributes)}>{content}</{name}>"


def _text(x, y, content, *, size=14, fill=TEXT, anchor=None) -> str:
    return _tag("text", str(escape(content)), x=_n(x), y=_n(y), font_size=size, fill=fill, text_anchor=anchor)


def _rect(x, y, width, height, fill, title: str | None = None) -> str:
    inner = _tag("title", str(escape(title))) if title else ""
    return _tag("rect", inner, x=_n(x), y=_n(y), width=_n(max(width, 0)), height=_n(height), fill=fill,
                stroke="#ffffff", stroke_width="1")


def _n(value) -> str:
    return f"{float(value):.1f}".rstrip("0").rstrip(".")


def _svg(height: float, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" width="100%" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" preserveAspectRatio="xMinYMin meet" font-family="{escape(FONT)}" '
        f'focusable="false">' + "".join(body) + "</svg>")


def _clip(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _legend(y: float, states=STATES) -> tuple[list[str], float]:
    parts, x = [], 0.0
    for state in states:
        label = STATE_LABELS[state]
        parts.append(_rect(x, y, 14, 14, STATE_COLOURS[state]))
        parts.append(_text(x + 20, y + 12, label, size=13))
        x += 20 + 8 * len(label) + 24
    return parts, y + 24


def compliance_by_provider(report: ComplianceReport) -> Markup:
    """Each provider's periods as one bar, split by state (share of all its periods)."""
    body, top = _legend(0)
    plot = WIDTH - LABEL_WIDTH - 60
    for index, provider in enumerate(report.providers):
        y = top + index * (BAR + GAP)
        body.append(_text(0, y + BAR - 5, _clip(provider.name)))
        total, x = provider.counts.total or 1, float(LABEL_WIDTH)
        for state in STATES:
            count = provider.counts.count(state)
            if count:
                width = plot * count / total
                body.append(_rect(x, y, width, BAR, STATE_COLOURS[state],
                                  f"{provider.name}: {count} {STATE_LABELS[state].lower()}"))
                x += width
        if provider.counts.pct_on_time is not None:
            body.append(_text(WIDTH - 4, y + BAR - 5, f"{provider.counts.pct_on_time}%", size=13, anchor="end"))
    height = top + max(len(report.providers), 1) * (BAR + GAP)
    label = ("Bar chart: each provider's return periods by compliance state, with the percentage on time; "
             "the same numbers are in the table after the chart")
    return _svg(height, label, body)


def compliance_by_month(report: ComplianceReport) -> Markup:
    """All providers' periods per month as stacked columns."""
    body, top = _legend(0)
    months = report.months or []
    totals = [sum(report.by_month.get(m, {}).values()) for m in months]
    highest = max(totals + [1])
    plot_height, left, bottom_labels = 180, 40, 36
    column = (WIDTH - left) / max(len(months), 1)
    width = max(min(column * 0.7, 48), 3)
    base = top + plot_height
    for step in sorted({0, highest // 2, highest}):
        y = base - plot_height * step / highest
        body.append(_tag("line", x1=left, x2=WIDTH, y1=_n(y), y2=_n(y), stroke="#cecece", stroke_width="1"))
        body.append(_text(left - 6, y + 4, str(step), size=12, fill=MUTED, anchor="end"))
    every = max(1, round(len(months) / 12))
    for index, month in enumerate(months):
        x = left + index * column + (column - width) / 2
        y = base
        counts = report.by_month.get(month, {})
        for state in STATES:
            count = counts.get(state, 0)
            if count:
                height = plot_height * count / highest
                y -= height
                body.append(_rect(x, y, width, height, STATE_COLOURS[state],
                                  f"{month:%B %Y}: {count} {STATE_LABELS[state].lower()}"))
        if index % every == 0:
            body.append(_text(x + width / 2, base + 16, f"{month:%b}", size=12, anchor="middle"))
            body.append(_text(x + width / 2, base + 30, f"{month:%Y}", size=12, fill=MUTED, anchor="middle"))
    label = ("Column chart: all providers' return periods each month by compliance state; "
             "the same numbers are in the table after the chart")
    return _svg(base + bottom_labels, label, body)


def delivery_by_contract(report: DeliveryReport) -> Markup:
    """Each contract's delivered hours or units as a percentage of contracted, with the threshold."""
    threshold = report.filters.threshold
    shown = [c.pct for c in report.contracts if c.pct is not None]
    scale_max = float(max([Decimal(120), threshold + 10] + shown))
    plot = WIDTH - LABEL_WIDTH - 110
    body, top = [], 22.0

    def x_of(value) -> float:
        return LABEL_WIDTH + plot * min(float(value), scale_max) / scale_max

    for index, contract in enumerate(report.contracts):
        y = top + index * (BAR + GAP)
        body.append(_text(0, y + BAR - 5, _clip(f"{contract.reference} {contract.provider}", 30)))
        if contract.pct is None:
            body.append(_text(LABEL_WIDTH, y + BAR - 5, "No submitted figures", size=13, fill=MUTED))
            continue
        colour = RED if contract.under else BLUE
        body.append(_rect(LABEL_WIDTH, y, x_of(contract.pct) - LABEL_WIDTH, BAR, colour,
                          f"{contract.reference}: {contract.pct}% delivered"))
        note = f"{contract.pct}%" + (" below" if contract.under else "")
        body.append(_text(LABEL_WIDTH + plot + 10, y + BAR - 5, note, size=13))
    bottom = top + max(len(report.contracts), 1) * (BAR + GAP)
    line_x = x_of(threshold)
    body.append(_tag("line", x1=_n(line_x), x2=_n(line_x), y1=_n(top - 6), y2=_n(bottom), stroke=TEXT,
                     stroke_width="2", stroke_dasharray="6 4"))
    body.append(_text(line_x, 14, f"Threshold {threshold}%", size=13, anchor="middle"))
    hundred = x_of(100)
    body.append(_tag("line", x1=_n(hundred), x2=_n(hundred), y1=_n(top - 6), y2=_n(bottom), stroke=MUTED,
                     stroke_width="1"))
    label = (f"Bar chart: hours or units delivered as a percentage of contracted for each contract, with the "
             f"{threshold}% threshold marked; the same numbers are in the table after the chart")
    return _svg(bottom + 4, label, body)
