"""The chart library: scales that fit the figures, labels that fit and never overlap, nothing the
CSP blocks, text in the page's font (no font is named in the SVG)."""
from __future__ import annotations

import re
from decimal import Decimal
from xml.etree import ElementTree

from portal.reporting import charts
from portal.reporting.charts import Dot, Reference, Segment

SVG = "{http://www.w3.org/2000/svg}"
LONG = "Riverside Community Care and Support Services for Older People in the North East Locality"


def _roots(markup) -> list[ElementTree.Element]:
    text = str(markup)
    assert "style" not in text and "<script" not in text and "font-family" not in text
    return [ElementTree.fromstring(part) for part in re.findall(r"<svg .*?</svg>", text, re.S)]


def _boxes(root):
    """Each text's box as (left, top, right, bottom), from the same width estimate the layout uses."""
    for t in root.iter(f"{SVG}text"):
        size, x, y = float(t.get("font-size")), float(t.get("x")), float(t.get("y"))
        width = charts.text_width(t.text, size)
        left = {"middle": x - width / 2, "end": x - width}.get(t.get("text-anchor"), x)
        yield t.text, (left, y - size * 0.8, left + width, y + size * 0.2)


def test_a_scale_fits_the_figures_with_round_ticks():
    scale = charts.fitted([61.2, 74.9], 0, 100, ticks=5, floor=0, ceiling=100)
    assert (scale.low, scale.high) == (55, 80) and scale.ticks() == [55, 60, 65, 70, 75, 80]
    assert charts.fitted([0, 100], 0, 100, floor=0, ceiling=100).ticks() == [0, 25, 50, 75, 100]
    assert charts.fitted([3, 1], 0, 100, zero=True).low == 0  # bars of counts start at zero
    assert charts.fitted([97, 97], 0, 100).high > 97 > charts.fitted([97, 97], 0, 100).low


def test_labels_wrap_within_the_width_and_are_never_cut_mid_word():
    lines = charts.wrap(LONG, 300)
    assert len(lines) == 2 and lines[1].endswith("…")
    assert all(charts.text_width(line) <= 300 for line in lines)
    assert " ".join(lines).replace(" …", "").split() == LONG.split()[:len(" ".join(lines).split()) - 1]
    assert charts.wrap("Short", 300) == ["Short"]


def test_dot_plot_labels_fit_and_never_overlap():
    rows = [Dot(LONG, Decimal("71.5")), Dot("Beech", Decimal("99.9"), note="(40 of 40)"),
            Dot("Cedar", None, note="Suppressed: small numbers"), Dot("Damson", Decimal("62.0"))]
    markup = charts.responsive(lambda width: charts.dot_plot(
        rows, label="Rates", refs=[Reference(Decimal("70"), "Median 70% (dashed line)"),
                                 Reference(Decimal("85"), "The target for the year, 85% (solid line)")], band=(65, 75),
        band_label="Shaded: the middle half", floor=0, ceiling=100, width=width))
    wide, narrow = _roots(markup)
    for root in (wide, narrow):
        width = float(root.get("width"))
        boxes = list(_boxes(root))
        for text, (left, top, right, bottom) in boxes:
            assert left >= 0 and right <= width + 0.5, (root.get("width"), text)
        for index, (a, box_a) in enumerate(boxes):
            for b, box_b in boxes[index + 1:]:
                overlap = box_a[0] < box_b[2] and box_b[0] < box_a[2] and box_a[1] < box_b[3] and box_b[1] < box_a[3]
                assert not overlap, (root.get("width"), a, b)
        ticks = [t.text for t in root.iter(f"{SVG}text") if t.text.endswith("%") and t.get("text-anchor") == "middle"]
        assert ticks[0] != "0%" and ticks[-1] in ("100%", "105%")  # fitted to 62-100, not always 0-100
        dots = [c for c in root.iter(f"{SVG}circle")]
        assert len(dots) == 3  # the suppressed row has no dot, only its words
        assert "Cedar" in [t.text for t in root.iter(f"{SVG}text")]
    assert float(wide.get("width")) == charts.WIDE and float(narrow.get("width")) == charts.NARROW


def test_share_bars_and_columns_encode_counts_from_zero():
    rows = [("A", [Segment("yes", 3, "A: 3 yes"), Segment("no", 1, "A: 1 no")])]
    (root,) = _roots(charts.share_bars(rows, colours={"yes": "#0f7a52", "no": "#ca3535"},
                                       keys={"yes": "Yes", "no": "No"}, label="Shares", width=400))
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert widths == [300, 100]
    columns = [(f"M{n}", "2025", [Segment("yes", n, f"{n} yes")]) for n in range(1, 25)]
    (root,) = _roots(charts.stacked_columns(columns, colours={"yes": "#0f7a52"}, keys={"yes": "Yes"},
                                            label="Columns", width=340))
    months = [t for t in root.iter(f"{SVG}text") if t.text.startswith("M")]
    assert 0 < len(months) < 24  # thinned so that they never touch
    boxes = sorted(box for text, box in _boxes(root) if text.startswith("M"))
    assert all(a[2] <= b[0] for a, b in zip(boxes, boxes[1:]))


def test_a_small_multiple_breaks_its_line_at_a_missing_month():
    points = [("Jan", Decimal("70"), "January: 70%"), ("Feb", None, "February: suppressed"),
              ("Mar", Decimal("75"), "March: 75%"), ("Apr", Decimal("72"), "April: 72%")]
    (root,) = _roots(charts.line_panel(points, scale_values=[70, 75, 72], label="Trend"))
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2  # March to April only
    hollow = [c for c in root.iter(f"{SVG}circle") if c.get("fill") == "#ffffff"]
    assert [c.find(f"{SVG}title").text for c in hollow] == ["February: suppressed"]
