"""The SVG charts: images with a text alternative, sizes from the figures, nothing the CSP would block."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

from portal.dashboards import charts
from portal.dashboards.filters import Filters
from portal.dashboards.queries import (ComplianceReport, ContractDelivery, DeliveryReport, ProviderCompliance,
                                       StateCounts)

FILTERS = Filters(month_from=date(2025, 1, 1), month_to=date(2025, 2, 1))


def _parse(svg) -> ElementTree.Element:
    text = str(svg)
    assert "style" not in text and "<script" not in text and "javascript:" not in text
    root = ElementTree.fromstring(text)
    assert root.get("role") == "img" and root.get("aria-label")
    return root


def _rects(root):
    return [r for r in root.iter("{http://www.w3.org/2000/svg}rect")]


def test_compliance_charts_scale_with_the_counts():
    counts = StateCounts(on_time=3, late=1, total=4, due=4, pct_on_time=Decimal("75.0"))
    report = ComplianceReport(
        filters=FILTERS, today=date(2025, 7, 1), months=FILTERS.months(),
        providers=[ProviderCompliance(1, "a-care", "A & <Care>", counts, {})], overall=counts,
        by_month={date(2025, 1, 1): {"on_time": 2}, date(2025, 2, 1): {"on_time": 1, "late": 1}})
    root = _parse(charts.compliance_by_provider(report))
    bars = [r for r in _rects(root) if r.find("{http://www.w3.org/2000/svg}title") is not None]
    widths = {r.find("{http://www.w3.org/2000/svg}title").text: float(r.get("width")) for r in bars}
    assert widths["A & <Care>: 3 on time"] == 3 * widths["A & <Care>: 1 late"]
    assert "75.0%" in "".join(root.itertext())
    columns = _parse(charts.compliance_by_month(report))
    heights = [float(r.get("height")) for r in _rects(columns) if r.find("{http://www.w3.org/2000/svg}title")
               is not None]
    assert heights == [180.0, 90.0, 90.0]  # January 2 on time; February 1 on time and 1 late


def test_delivery_chart_marks_the_threshold():
    def row(ref, pct, under):
        return ContractDelivery(1, ref, "", "p", "P", "other", "", 1, Decimal(100), pct, pct, under)

    report = DeliveryReport(filters=FILTERS.with_(threshold=Decimal("90")),
                            contracts=[row("A-1", Decimal("60"), True), row("B-2", Decimal("120"), False),
                                       row("C-3", None, False)], total=row("", Decimal("90"), False))
    root = _parse(charts.delivery_by_contract(report))
    text = " ".join(root.itertext())
    assert "Threshold 90%" in text and "60% below" in text and "No submitted figures" in text
    bars = {r.find("{http://www.w3.org/2000/svg}title").text: r for r in _rects(root)}
    assert bars["A-1: 60% delivered"].get("fill") == charts.RED
    assert float(bars["B-2: 120% delivered"].get("width")) == 2 * float(bars["A-1: 60% delivered"].get("width"))
    assert re.search(r'stroke-dasharray="6 4"', str(charts.delivery_by_contract(report)))
