"""The dashboards' SVG charts: images with a text alternative, sizes from the figures, nothing
the CSP would block, drawn for a wide and a narrow screen."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

from portal.dashboards import charts
from portal.dashboards.filters import Filters
from portal.dashboards.queries import (ComplianceReport, ContractDelivery, DeliveryReport, ProviderCompliance,
                                       StateCounts)

SVG = "{http://www.w3.org/2000/svg}"
FILTERS = Filters(month_from=date(2025, 1, 1), month_to=date(2025, 2, 1))


def _parse(markup) -> list[ElementTree.Element]:
    """The wide and the narrow drawing of a chart."""
    text = str(markup)
    assert "style" not in text and "<script" not in text and "javascript:" not in text
    roots = [ElementTree.fromstring(part) for part in re.findall(r"<svg .*?</svg>", text, re.S)]
    assert [r.get("class").split()[1] for r in roots] == ["portal-chart--wide", "portal-chart--narrow"]
    for root in roots:
        assert root.get("role") == "img" and root.get("aria-label")
        assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    return roots


def _titled(root) -> dict[str, ElementTree.Element]:
    return {shape.find(f"{SVG}title").text: shape for shape in root.iter()
            if shape.find(f"{SVG}title") is not None}


def test_compliance_charts_scale_with_the_counts():
    counts = StateCounts(on_time=3, late=1, total=4, due=4, pct_on_time=Decimal("75.0"))
    report = ComplianceReport(
        filters=FILTERS, today=date(2025, 7, 1), months=FILTERS.months(),
        providers=[ProviderCompliance(1, "a-care", "A & <Care>", counts, {})], overall=counts,
        by_month={date(2025, 1, 1): {"on_time": 2}, date(2025, 2, 1): {"on_time": 1, "late": 1}})
    for root in _parse(charts.compliance_by_provider(report)):
        widths = {title: float(shape.get("width")) for title, shape in _titled(root).items()}
        assert widths["A & <Care>: 3 on time"] == 3 * widths["A & <Care>: 1 late"]
        assert widths["A & <Care>: 3 on time"] + widths["A & <Care>: 1 late"] == float(root.get("width"))
        words = " ".join(t.text for t in root.iter(f"{SVG}text"))  # a long label wraps onto two lines
        assert "A & <Care>: 75.0% of periods due were on time" in words
    for root in _parse(charts.compliance_by_month(report)):
        heights = {title: float(shape.get("height")) for title, shape in _titled(root).items()}
        january, february = (heights["All providers in January 2025: 2 on time"],
                             heights["All providers in February 2025: 1 on time"])
        assert january == 2 * february == 2 * heights["All providers in February 2025: 1 late"]
        ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
        assert ticks == ["0", "1", "2"]  # whole numbers: counts of periods


def test_delivery_chart_marks_the_threshold_on_a_scale_that_fits_the_figures():
    def row(ref, pct, under):
        return ContractDelivery(1, ref, "", "p", "P", "other", "", "hours", 1, Decimal(100), pct, pct, under)

    report = DeliveryReport(filters=FILTERS.with_(threshold=Decimal("90")),
                            contracts=[row("A-1", Decimal("60"), True), row("B-2", Decimal("120"), False),
                                       row("C-3", None, False)])
    markup = str(charts.delivery_by_contract(report))
    assert markup.count('stroke-dasharray="6 4"') == 2  # the threshold, once in each drawing
    for root in _parse(markup):
        words = " ".join(root.itertext())
        assert "Threshold 90%" in words and "60% below 90%" in words and "No submitted figures" in words
        dots = _titled(root)
        assert dots["A-1 , P: 60% below 90%"].get("fill") == charts.RED
        assert dots["B-2 , P: 120%"].get("fill") == charts.BLUE
        assert float(dots["A-1 , P: 60% below 90%"].get("cx")) < float(dots["B-2 , P: 120%"].get("cx"))
