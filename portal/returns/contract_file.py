"""A return as a PDF for the contract file: the details, the review, the answers grouped by
outcome, the evidence, the versions and their fingerprints. Drawn with ReportLab (pure Python,
from PyPI) from the same ``ReviewPage`` as the review page and the print view; the text face is
DejaVu Sans where the system has it (wide coverage of accented letters) and otherwise Bitstream
Vera, which ships inside ReportLab, so a PDF can always be made."""
from __future__ import annotations

import io
import re
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from portal.models_base import utcnow
from portal.returns.review_page import ReviewPage, Section
from portal.returns.validation import display
from portal.tenants.models import Organisation

LONDON = ZoneInfo("Europe/London")
FACES = (("DejaVuSans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"), ("Vera", "Vera.ttf", "VeraBd.ttf"))
BLACK, GREY, RULE = colors.HexColor("#0b0c0c"), colors.HexColor("#484949"), colors.HexColor("#b1b4b6")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=1)
def _face() -> tuple[str, str]:
    """The regular and bold font names, registered with ReportLab once per process."""
    for name, regular, bold in FACES:
        try:
            pdfmetrics.registerFont(TTFont(name, regular))
            pdfmetrics.registerFont(TTFont(f"{name}-Bold", bold))
        except TTFError:
            continue
        return name, f"{name}-Bold"
    return "Helvetica", "Helvetica-Bold"  # not reached: Vera is part of ReportLab


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _face()
    base = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14, textColor=BLACK, alignment=TA_LEFT,
                          spaceAfter=4)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, textColor=GREY),
        "key": ParagraphStyle("key", parent=base, fontName=bold),
        "caption": ParagraphStyle("caption", parent=base, fontSize=11, leading=15, textColor=GREY),
        "h1": ParagraphStyle("h1", parent=base, fontName=bold, fontSize=20, leading=25, spaceAfter=10),
        "h2": ParagraphStyle("h2", parent=base, fontName=bold, fontSize=15, leading=19, spaceBefore=12, spaceAfter=6,
                             keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=base, fontName=bold, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4,
                             keepWithNext=1),
    }


def _text(value) -> str:
    """Text for a ReportLab paragraph: markup escaped, line breaks kept, control characters dropped."""
    return escape(CONTROL.sub("", str(value))).replace("\r\n", "\n").replace("\n", "<br/>")


def _p(value, style: str = "body") -> Paragraph:
    return Paragraph(_text(value), _styles()[style])


def _when(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%-d %b %Y %H:%M") if moment else ""


def _day(day) -> str:
    return day.strftime("%-d %b %Y") if day else ""


def _pct(value: Decimal) -> str:
    return f"{value:.1f}%"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), ",f") if value == value.to_integral() else format(value.normalize(), ",")


def _rows(pairs: list[tuple[str, str]]) -> Table:
    """Question and answer pairs as a two-column table that breaks across pages."""
    data = [[_p(key, "key"), _p(value)] for key, value in pairs]
    table = Table(data, colWidths=[70 * mm, None], repeatRows=0, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _answer(figure) -> str:
    m = figure.measure
    value = figure.value
    if value is None or value == "":
        return "Not answered"
    if m.type == "yes_no":
        return "Yes" if value else "No"
    if m.type == "text":
        return str(value)
    return display(m, Decimal(str(value)), None, None)


def _section(section: Section, page: ReviewPage) -> list:
    pairs = [(f.measure.label, _answer(f)) for f in section.figures]
    if section.is_delivery:
        if section.delivered_share is not None:
            gap = section.delivery_gap
            extra = (f", {_plain(gap)} more than contracted" if gap > 0 else
                     f", {_plain(-gap)} fewer than contracted" if gap < 0 else "")
            pairs.append(("Delivered against contracted", f"{_pct(section.delivered_share)} "
                          f"({_plain(section.delivered)} of {_plain(section.contracted)}{extra})"))
    else:
        pairs.append(("Achieved as a share of those reviewed",
                      _pct(section.rate) if section.rate is not None else "No rate: nobody was reviewed"))
        if section.previous_rate is not None:
            change = section.rate_change
            trend = "" if change is None else (
                f", so this period is up {change:.1f} percentage points" if change > 0 else
                f", so this period is down {-change:.1f} percentage points" if change < 0 else ", no change")
            pairs.append(("Previous period", _pct(section.previous_rate) + trend))
        elif page.first_period:
            pairs.append(("Previous period", "No previous period: this is the contract’s first"))
        elif page.previous_version is None:
            pairs.append(("Previous period", "No figures: the return for the previous period has not been received"))
    if section.narrative:
        pairs.append((section.narrative.measure.label, _answer(section.narrative)))
    heading = section.title + ("  (needs changes)" if section.flagged else "")
    story = [_p(heading, "h3")]
    if section.outcome and section.outcome.short_name:
        story.append(_p(section.outcome.text, "small"))
    return story + [_rows(pairs)] if pairs else story


def _review(page: ReviewPage) -> list:
    ret, who = page.ret, page.reviewer
    by = f" by {who.display_name}" if who else ""
    when = f" on {_when(ret.reviewed_at)}" if ret.reviewed_at else ""
    if page.accepted:
        story = [_p(f"Accepted{by}{when}.", "key")]
    elif page.changes_requested:
        story = [_p(f"Changes requested{by}{when}.", "key")]
        for section in page.flagged_sections:
            story.append(_p(f"• {section.title}" + (f": {section.comment}" if section.comment else "")))
        story.append(_p(f"Respond by {_day(ret.respond_by)}." if ret.respond_by else "No date to respond by was set."))
    else:
        return [_p("Not reviewed yet.")]
    if ret.review_comment:
        story.insert(1, _p(ret.review_comment))
    return story


def _versions(page: ReviewPage) -> Table:
    data = [[_p("Version", "key"), _p("Submitted", "key"), _p("By", "key"), _p("Late or on time", "key")]]
    for v in reversed(page.versions):
        person = page.submitted_by(v)
        data.append([_p(f"Version {v.number}"), _p(_when(v.submitted_at)),
                     _p(person.display_name if person else "Not known"), _p(page.lateness_of(v))])
    table = Table(data, colWidths=[25 * mm, 45 * mm, None, 35 * mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def pdf(page: ReviewPage, *, organisation: Organisation) -> tuple[bytes, str]:
    """The PDF's bytes and a file name for it."""
    ret, contract = page.ret, page.ret.contract
    title = f"{contract.reference}: return for {_day(ret.period_start)} to {_day(ret.period_end)}"
    story: list = [_p(f"{contract.provider.name}, {contract.reference}", "caption"),
                   _p(f"Return for {_day(ret.period_start)} to {_day(ret.period_end)}", "h1")]
    details = [("Provider", contract.provider.name), ("Commissioner", contract.commissioner.name),
               ("Contract", f"{contract.reference}, {contract.title}"),
               ("Period", f"{_day(ret.period_start)} to {_day(ret.period_end)}"), ("Due", _day(ret.due_date)),
               ("Status", ret.status_label),
               ("First submitted", f"{_when(ret.first_submitted_at)}, {page.lateness.lower()}"
                if ret.first_submitted_at else "Not submitted")]
    declarer = page.people.get(ret.declared_by_id)
    if ret.declared_at and declarer:
        details.append(("Declared accurate by", f"{declarer.display_name}, {_when(ret.declared_at)}"))
    details.append(("Printed", f"{_when(utcnow())} by {organisation.name}"))
    story += [_rows(details), _p("Review", "h2"), *_review(page)]
    if page.latest is None:
        story.append(_p("This return has not been submitted, so there are no answers to print yet."))
    else:
        story.append(_p(f"Answers in version {page.latest.number}", "h2"))
        for section in page.sections:
            story += _section(section, page)
        story.append(_p("Evidence documents", "h2"))
        if page.documents:
            for d in page.documents:
                pages = f", {d['pages']} page{'s' if d['pages'] != 1 else ''}" if d.get("pages") else ""
                scan = " (not scanned for viruses: no scanner was running when it was uploaded)" \
                    if d.get("scan_status") == "not_scanned" else ""
                story.append(_p(f"• {d.get('filename', '')}{pages}{scan}"))
        else:
            story.append(_p(f"No evidence documents were attached to version {page.latest.number}."))
        story += [_p("Versions", "h2"), _versions(page), _p("Fingerprints", "h2"),
                  _p("Each version is sealed with a SHA-256 fingerprint of its answers and documents, which "
                     "shows that this copy is the one submitted.", "small")]
        story += [_p(f"Version {v.number}: {v.sha256}", "small") for v in page.versions]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                                 bottomMargin=18 * mm, title=title, author=contract.provider.name,
                                 subject=f"Return to {contract.commissioner.name}", creator="Portal")
    document.build(story, onFirstPage=_footer(title), onLaterPages=_footer(title))
    name = f"{contract.reference}-return-{ret.period_start.isoformat()}.pdf"
    return buffer.getvalue(), name


def _footer(title: str):
    def draw(canvas, document):
        canvas.saveState()
        canvas.setFont(_face()[0], 8)
        canvas.setFillColor(GREY)
        canvas.drawString(18 * mm, 10 * mm, title[:120])
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {document.page}")
        canvas.restoreState()
    return draw
