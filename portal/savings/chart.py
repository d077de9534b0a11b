"""The savings chart: each quarter's baseline beside its paid spend, from zero (the page puts the
table of the same figures beside it). Drawn with portal.reporting.charts' primitives."""
from __future__ import annotations

from markupsafe import Markup

from portal.reporting import charts
from portal.reporting.charts import BLUE, MUTED, SMALL

BASELINE, SPEND = "#b1b4b6", BLUE


def _money(value: float) -> str:
    return f"£{value / 1000:,.0f}k" if value >= 10000 else f"£{value:,.0f}"


def quarters_chart(figures) -> Markup:
    def build(width: int) -> Markup:
        body, top = charts.legend([("Quarter’s baseline", BASELINE), ("Paid spend", SPEND)], width)
        values = [float(q.baseline) for q in figures.quarters] + [max(float(q.spend), 0) for q in figures.quarters]
        height = 180
        scale = charts.fitted(values + [1], top + height, top + 12, ticks=4, zero=True)
        left = 8 + charts.text_width(_money(scale.high), SMALL)
        for tick in scale.ticks():
            body.append(charts.line(left, scale(tick), width, scale(tick)))
            body.append(charts.text(left - 6, scale(tick) + 5, _money(tick), size=SMALL, fill=MUTED, anchor="end"))
        slot = (width - left) / 4
        bar = max(min(slot * 0.35, 40), 4)
        base = scale(0)
        for index, quarter in enumerate(figures.quarters):
            x = left + index * slot + (slot - 2 * bar) / 2
            for offset, (value, colour, what) in enumerate(((quarter.baseline, BASELINE, "baseline"),
                                                            (max(quarter.spend, 0), SPEND, "paid spend"))):
                y = scale(value)
                body.append(charts.rect(x + offset * bar, y, bar, base - y, colour,
                                        f"{quarter.label}: {what} £{value:,.2f}"))
            body.append(charts.text(x + bar, base + 18, f"Q{index + 1}", size=SMALL, anchor="middle"))
        label = "; ".join(f"{q.label}: baseline £{q.baseline:,.2f}, paid spend £{q.spend:,.2f}" for q in figures.quarters)
        return charts.svg(width, base + 30, f"Baseline and paid spend by quarter. {label}", body)

    return charts.responsive(build)
