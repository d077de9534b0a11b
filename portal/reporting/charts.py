"""Server-rendered SVG charts for every page that has one: dot plots, stacked bars, stacked
columns and small line charts for small multiples.

Why hand-written SVG and not a charting library: the page's Content-Security-Policy
(``style-src 'self'``, ``script-src 'self'`` with nonces) blocks the ``<style>`` element,
``style`` attributes and the script that pygal writes into every chart, and matplotlib writes
``style`` attributes on every shape and lays text out with its own font; Vega (altair with
vl-convert) brings a JavaScript engine and its own font metrics for a few bars. Here every
shape uses presentation attributes only (fill, x, y...), text takes the page's font from the
stylesheet (``.portal-chart``), and nothing needs JavaScript.

How a chart stays readable:
- Labels sit on their own line above their bar or dot, wrapped to the chart's width (two
  lines at most), so they never collide with the marks or each other, and are never cut.
- Scales fit the figures (a rate axis from 55 % to 80 % when the rates lie there), with round
  ticks; a bar that encodes a count or share always starts at zero.
- Each chart is drawn twice, for a wide and a narrow screen (``responsive``), and the
  stylesheet shows one: text is drawn at its real size on both.
- Every chart is an image with a text alternative; the page puts the table of the same
  numbers beside it.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

TEXT, MUTED, GRID, BLUE, RED, LIGHT = "#0b0c0c", "#505a5f", "#b1b4b6", "#1d70b8", "#ca3535", "#f3f2f1"
WIDE, NARROW = 720, 340
LABEL, SMALL = 16, 14  # font sizes, in pixels at the chart's own width
LINE = 20  # a label line's height


# -- drawing ------------------------------------------------------------------------------------

def num(value) -> str:
    """A coordinate, short: 12.5, 3, -0.2."""
    text = f"{float(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def tag(name: str, content: str = "", **attributes) -> str:
    attrs = " ".join(f'{key.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
                     for key, value in attributes.items() if value is not None)
    return f"<{name}{' ' if attrs else ''}{attrs}>{content}</{name}>"


def text(x, y, content, *, size=LABEL, fill=TEXT, anchor=None, weight=None) -> str:
    """Text with a white halo, so that a grid or reference line behind it never runs through it."""
    return tag("text", str(escape(content)), x=num(x), y=num(y), font_size=size, fill=fill, text_anchor=anchor,
               font_weight=weight, stroke="#ffffff", stroke_width="4", stroke_linejoin="round", paint_order="stroke")


def rect(x, y, width, height, fill, title: str | None = None) -> str:
    inner = tag("title", str(escape(title))) if title else ""
    return tag("rect", inner, x=num(x), y=num(y), width=num(max(width, 0)), height=num(max(height, 0)), fill=fill)


def line(x1, y1, x2, y2, *, stroke=GRID, width=1, dash=None) -> str:
    return tag("line", x1=num(x1), y1=num(y1), x2=num(x2), y2=num(y2), stroke=stroke, stroke_width=width,
               stroke_dasharray=dash)


def circle(x, y, r, fill, title: str | None = None, stroke=None) -> str:
    inner = tag("title", str(escape(title))) if title else ""
    return tag("circle", inner, cx=num(x), cy=num(y), r=num(r), fill=fill, stroke=stroke,
               stroke_width="2" if stroke else None)


def svg(width: float, height: float, label: str, body: Sequence[str], *, classes: str = "") -> Markup:
    """An image with a text alternative; its width and height are its size at 1:1 (the
    stylesheet lets it shrink to the column)."""
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portal-chart {escape(classes)}" role="img" '
        f'aria-label="{escape(label)}" width="{num(width)}" height="{num(height)}" '
        f'viewBox="0 0 {num(width)} {num(height)}" focusable="false">' + "".join(body) + "</svg>")


def responsive(build: Callable[[int], Markup]) -> Markup:
    """The chart drawn for a wide screen and for a narrow one; the stylesheet shows one."""
    wide, narrow = str(build(WIDE)), str(build(NARROW))
    return Markup(wide.replace('class="portal-chart ', 'class="portal-chart portal-chart--wide ', 1)
                  + narrow.replace('class="portal-chart ', 'class="portal-chart portal-chart--narrow ', 1))


# -- text layout --------------------------------------------------------------------------------

def text_width(content: str, size: float = LABEL) -> float:
    """A generous estimate of the width of ``content`` in a sans-serif font (capitals and
    digits are wider than the average letter), so that what is laid out by it fits."""
    wide = sum(1 for c in content if c.isupper() or c.isdigit() or c in "%MW@")
    return size * (0.56 * (len(content) - wide) + 0.68 * wide)


def wrap(content: str, width: float, size: float = LABEL, lines: int = 2) -> list[str]:
    """``content`` in at most ``lines`` lines that each fit ``width``; the last one ends with an
    ellipsis if the words do not all fit."""
    out, current = [], ""
    for word in content.split():
        trial = f"{current} {word}".strip()
        if text_width(trial, size) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = word
    out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] += " …"
    for index, part in enumerate(out):
        while text_width(part, size) > width and len(part) > 2:
            part = part[:-3].rstrip() + "…"
        out[index] = part
    return out


# -- scales -------------------------------------------------------------------------------------

def nice_step(span: float, ticks: int) -> float:
    raw = max(span, 1e-9) / max(ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


@dataclass
class Scale:
    """A linear scale from ``low`` to ``high`` onto ``start`` to ``end`` pixels, with round ticks."""

    low: float
    high: float
    start: float
    end: float
    step: float

    def __call__(self, value) -> float:
        value = min(max(float(value), self.low), self.high)
        return self.start + (self.end - self.start) * (value - self.low) / ((self.high - self.low) or 1)

    def thin(self, gap: float) -> "Scale":
        """Fewer ticks until neighbouring tick labels are at least ``gap`` pixels apart."""
        while abs(self(self.low + self.step) - self(self.low)) < gap and self.step < (self.high - self.low):
            self.step = nice_step(self.step * 1.5, 1)
        return self

    def ticks(self) -> list[float]:
        first = math.ceil(self.low / self.step - 1e-9) * self.step
        count = int(math.floor((self.high - first) / self.step + 1e-9)) + 1
        return [round(first + n * self.step, 6) for n in range(max(count, 0))]


def fitted(values: Sequence, start: float, end: float, *, ticks: int = 4, floor: float | None = None,
           ceiling: float | None = None, zero: bool = False) -> Scale:
    """A scale around ``values`` (rounded outwards to a tick), kept within ``floor`` and
    ``ceiling``; from zero when ``zero`` (bars that encode an amount)."""
    numbers = [float(v) for v in values if v is not None] or [0.0]
    low, high = (0.0 if zero else min(numbers)), max(numbers)
    if high - low < 1:
        low, high = low - 5, high + 5
    step = nice_step(high - low, ticks)
    margin = 0 if zero else step / 4  # room for a dot at either end
    low, high = math.floor((low - margin) / step) * step, math.ceil((high + margin) / step) * step
    if floor is not None:
        low = max(low, floor)
    if ceiling is not None:
        high = min(high, ceiling)
    if zero:
        low = 0.0
    return Scale(low, high if high > low else low + step, start, end, step)


def tick_label(value: float, unit: str = "") -> str:
    return (f"{value:g}" if value != int(value) else f"{int(value)}") + unit


def legend(items: Sequence[tuple[str, str]], width: float, top: float = 0) -> tuple[list[str], float]:
    """Colour keys that wrap onto further lines rather than run off the chart."""
    body, x, y = [], 0.0, top
    for label, colour in items:
        needed = 22 + text_width(label, SMALL) + 18
        if x and x + needed > width:
            x, y = 0.0, y + LINE + 2
        body += [rect(x, y + 3, 14, 14, colour), text(x + 20, y + 15, label, size=SMALL)]
        x += needed
    return body, y + LINE + 8


# -- charts ---------------------------------------------------------------------------------------

@dataclass
class Dot:
    """One row of a dot plot: a label, a value (or None with a note saying why), its colour."""

    label: str
    value: Decimal | float | None
    note: str = ""
    colour: str = BLUE
    shown: str | None = None  # the value as written next to the dot (default: the value and %)


@dataclass
class Reference:
    value: Decimal | float
    label: str
    dash: str | None = "6 4"
    colour: str = TEXT


def _near(x: float, label: str, width: float, size: float = SMALL) -> float:
    """Where a label about the point ``x`` starts: centred on it, but moved in so that it is
    never cut off at either edge."""
    span = text_width(label, size)
    return max(0.0, min(x - span / 2, width - span))


def dot_plot(rows: Sequence[Dot], *, label: str, refs: Sequence[Reference] = (), band: tuple | None = None,
             band_label: str = "", unit: str = "%", floor: float | None = 0, ceiling: float | None = None,
             width: int = WIDE) -> Markup:
    """Each row's value as a dot on a scale fitted to the values and the reference lines; the
    label above, the value beside the dot. ``band`` shades a range (the middle half)."""
    inset = text_width(f"100.5{unit}", SMALL) / 2 + 2  # room for the end ticks' labels
    scale = fitted([r.value for r in rows] + [r.value for r in refs] + list(band or ()), inset, width - inset,
                   ticks=5 if width >= WIDE else 3, floor=floor, ceiling=ceiling)
    scale.thin(text_width(tick_label(scale.high, unit), SMALL) + 12)
    body: list[str] = []
    y = 0.0
    # reference labels, each on its own line so they never overlap
    for ref in refs:
        body.append(text(_near(scale(ref.value), ref.label, width), y + SMALL, ref.label, size=SMALL, fill=ref.colour))
        y += LINE
    if band and band_label:
        x = (scale(band[0]) + scale(band[1])) / 2
        body.append(text(_near(x, band_label, width), y + SMALL, band_label, size=SMALL, fill=MUTED))
        y += LINE
    axis_y = y + SMALL + 2
    for tick in scale.ticks():
        body.append(text(scale(tick), axis_y, tick_label(tick, unit), size=SMALL, fill=MUTED, anchor="middle"))
    top = axis_y + 8
    rows_y = top + 4
    marks: list[str] = []
    for row in rows:
        lines = wrap(row.label, width)
        for n, part in enumerate(lines):
            marks.append(text(0, rows_y + LABEL + n * LINE, part))
        track = rows_y + len(lines) * LINE + 14
        marks.append(line(scale.start, track, scale.end, track, stroke=LIGHT, width=8))
        if row.value is None:
            marks.append(text(scale.start, track + 5, row.note or "No figure", size=SMALL, fill=MUTED))
        else:
            x = scale(row.value)
            shown = row.shown or f"{row.value}{unit}"
            marks.append(circle(x, track, 7, row.colour, f"{row.label}: {shown}{' ' + row.note if row.note else ''}"))
            words = shown + (f" {row.note}" if row.note else "")
            if x + 14 + text_width(words, SMALL) <= width:
                marks.append(text(x + 14, track + 5, words, size=SMALL))
            else:
                marks.append(text(x - 14, track + 5, words, size=SMALL, anchor="end"))
        rows_y = track + 22
    bottom = rows_y
    grid = [line(scale(t), top, scale(t), bottom, stroke=GRID) for t in scale.ticks()]
    if band:
        grid.insert(0, rect(scale(band[0]), top, scale(band[1]) - scale(band[0]), bottom - top, "#e8f1f8"))
    for ref in refs:
        grid.append(line(scale(ref.value), y - 4 if not band else top, scale(ref.value), bottom, stroke=ref.colour,
                         width=2, dash=ref.dash))
    return svg(width, bottom, label, body + grid + marks)


@dataclass
class Segment:
    key: str
    count: int
    title: str


def share_bars(rows: Sequence[tuple[str, Sequence[Segment]]], *, colours: dict[str, str], keys: dict[str, str],
               label: str, width: int = WIDE) -> Markup:
    """Each row's counts as one bar split by share (0 to 100 % of the row's total), with a
    legend; the row's label (and a note) above its bar."""
    body, y = legend([(keys[k], colours[k]) for k in keys], width)
    for name, segments in rows:
        lines = wrap(name, width)
        for n, part in enumerate(lines):
            body.append(text(0, y + LABEL + n * LINE, part))
        y += len(lines) * LINE + 4
        total = sum(s.count for s in segments) or 1
        x = 0.0
        for segment in segments:
            if segment.count:
                share = width * segment.count / total
                body.append(rect(x, y, share, 22, colours[segment.key], segment.title))
                x += share
        y += 22 + 14
    return svg(width, max(y, 30), label, body)


def stacked_columns(columns: Sequence[tuple[str, str, Sequence[Segment]]], *, colours: dict[str, str],
                    keys: dict[str, str], label: str, width: int = WIDE, height: int = 180) -> Markup:
    """Counts per column (a month: short label and year), stacked by kind, on a scale from zero;
    column labels are thinned out so that they never touch."""
    body, top = legend([(keys[k], colours[k]) for k in keys], width)
    totals = [sum(s.count for s in segments) for _l, _y, segments in columns]
    left = 8 + text_width(str(max(totals + [1])), SMALL)
    scale = fitted(totals + [1], top + height, top + 12, ticks=4, zero=True)
    if scale.step < 1:  # counts: whole-number ticks
        scale.step, scale.high = 1.0, float(math.ceil(scale.high))
    for tick in scale.ticks():
        if tick == int(tick):
            body.append(line(left, scale(tick), width, scale(tick)))
            body.append(text(left - 6, scale(tick) + 5, tick_label(tick), size=SMALL, fill=MUTED, anchor="end"))
    slot = (width - left) / max(len(columns), 1)
    bar = max(min(slot * 0.7, 44), 2)
    every = max(1, math.ceil((text_width("Mmm", SMALL) + 8) / slot))
    base = scale(0)
    for index, (short, year, segments) in enumerate(columns):
        x = left + index * slot + (slot - bar) / 2
        y = base
        for segment in segments:
            if segment.count:
                h = base - scale(segment.count)
                y -= h
                body.append(rect(x, y, bar, h, colours[segment.key], segment.title))
        if index % every == 0:
            body.append(text(x + bar / 2, base + 18, short, size=SMALL, anchor="middle"))
            if index == 0 or columns[index - every][1] != year:
                body.append(text(x + bar / 2, base + 36, year, size=SMALL, fill=MUTED, anchor="middle"))
    return svg(width, base + 44, label, body)


def line_panel(points: Sequence[tuple[str, Decimal | float | None, str]], *, scale_values: Sequence,
               label: str, width: int = 320, height: int = 150, unit: str = "%", floor: float | None = 0,
               ceiling: float | None = 100) -> Markup:
    """One small multiple: values over time as a line with dots; a missing or suppressed value
    (None) breaks the line and is marked with an open circle on the axis. ``scale_values`` are
    every panel's values, so that panels side by side share one scale."""
    left = 8 + text_width(f"100{unit}", SMALL)
    scale = fitted(scale_values, height - 30, 8, ticks=3, floor=floor, ceiling=ceiling)
    body = []
    for tick in scale.ticks():
        body.append(line(left, scale(tick), width - 8, scale(tick)))
        body.append(text(left - 6, scale(tick) + 5, tick_label(tick, unit), size=SMALL, fill=MUTED, anchor="end"))
    slot = (width - 8 - left - 12) / max(len(points) - 1, 1)
    path, segments = [], []
    for index, (when, value, title) in enumerate(points):
        x = left + 6 + index * slot
        if value is None:
            body.append(circle(x, scale.start, 4, "#ffffff", title, stroke=MUTED))
            if path:
                segments.append(path)
            path = []
            continue
        path.append((x, scale(value)))
        body.append(circle(x, scale(value), 4, BLUE, title))
    if path:
        segments.append(path)
    for run in segments:
        if len(run) > 1:
            body.insert(0, tag("polyline", points=" ".join(f"{num(x)},{num(y)}" for x, y in run), fill="none",
                               stroke=BLUE, stroke_width="2"))
    if points:
        body.append(text(left + 6, height - 8, points[0][0], size=SMALL, fill=MUTED, anchor="start"))
        if len(points) > 1:
            body.append(text(width - 8, height - 8, points[-1][0], size=SMALL, fill=MUTED, anchor="end"))
    return svg(width, height, label, body, classes="portal-chart--panel")
