"""Every CSV and Excel file the portal writes, with the spreadsheet formula guard on every cell.

Text that people typed (provider names, localities, contract titles, outcome and question
wording) reaches spreadsheets, where a cell starting with ``=``, ``+``, ``-`` or ``@`` runs as a
formula (OWASP "CSV injection"). The guard is applied on the way out, so no caller can forget it:

- CSV: :func:`csv_text` is the only writer. Text starting with a formula character (after any
  leading spaces) gets a leading apostrophe, which spreadsheets show as text; text that already
  starts with an apostrophe followed by such text gets one more, so :func:`unguard` gives back
  exactly what was written (the return template is filled in and uploaded again).
- Excel: :func:`new_workbook` makes a workbook whose ``save`` first turns every text cell into
  a plain string cell (never a formula, never an error code), marks text starting with a formula
  character with Excel's quote prefix (it stays text even when edited), and cleans sheet titles.
  The text itself is kept exactly, so a template round-trips.

Numbers stay numbers (Decimal, int and float are written as numbers), dates stay dates.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from decimal import Decimal

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portal.documents.filenames import content_disposition

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
MIMETYPES = {"csv": CSV_MIMETYPE, "xlsx": XLSX_MIMETYPE}

# OWASP's list (=, +, -, @, tab, carriage return), the line feed and NUL that ASVS adds, and the
# full-width forms that some spreadsheets read as their ASCII twins.
FORMULA_STARTS = frozenset("=+-@\t\r\n\0" "\uff1d\uff0b\uff0d\uff20")
# Spaces a spreadsheet may skip before it looks for a formula.
LEADING_SPACES = " \u00a0\u2007\u202f\u3000"
SHEET_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
NUMBERS = (int, float, Decimal)


def starts_like_formula(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula."""
    return text[:1] in FORMULA_STARTS or text.lstrip(LEADING_SPACES)[:1] in FORMULA_STARTS


def _needs_apostrophe(text: str) -> bool:
    return starts_like_formula(text) or (text[:1] == "'" and _needs_apostrophe(text[1:]))


def guard(text: str) -> str:
    """Text for a CSV cell: an apostrophe before anything a spreadsheet would run."""
    return "'" + text if _needs_apostrophe(text) else text


def unguard(text: str) -> str:
    """The inverse of :func:`guard`, for a CSV the portal wrote and a person filled in."""
    return text[1:] if text[:1] == "'" and _needs_apostrophe(text[1:]) else text


# -- CSV -------------------------------------------------------------------------------------------

def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, NUMBERS):
        return str(value)
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return guard(str(value))


def csv_text(header: list | None, rows) -> str:
    """A CSV document (RFC 4180: quoted where needed, CRLF line ends) with every cell guarded."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header is not None:
        writer.writerow([csv_cell(v) for v in header])
    writer.writerows([[csv_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


# -- Excel -----------------------------------------------------------------------------------------

def sheet_title(title: str) -> str:
    """A sheet title Excel accepts that cannot be read as a formula: no []:*?/\\, no leading
    formula character or apostrophe, at most 31 characters."""
    cleaned = str(title or "").translate(SHEET_TITLE_FORBIDDEN)
    while cleaned and (starts_like_formula(cleaned) or cleaned[:1] in "' "):
        cleaned = cleaned.lstrip(LEADING_SPACES + "'")
        if cleaned[:1] in FORMULA_STARTS:
            cleaned = cleaned[1:]
    return cleaned[:31].rstrip("' ") or "Sheet"


def guard_cell(cell) -> None:
    value = cell.value
    if value is None or isinstance(value, (bool, *NUMBERS, date, datetime, time)):
        return
    if not isinstance(value, str):  # formula objects, rich text: the portal never writes them
        raise TypeError(f"{cell.coordinate}: only text, numbers and dates are exported, not {type(value).__name__}")
    cell.data_type = "s"  # openpyxl makes '=...' a formula and '#N/A' an error code; never here
    if starts_like_formula(value):
        cell.quotePrefix = True


def guard_workbook(workbook: Workbook) -> None:
    titles = set()
    for sheet in workbook.worksheets:
        title = sheet_title(sheet.title)
        while title in titles:
            title = f"{title[:28]} {len(titles) + 1}"
        titles.add(title)
        if sheet.title != title:
            sheet.title = title
        for row in sheet.iter_rows():
            for cell in row:
                guard_cell(cell)


class GuardedWorkbook(Workbook):
    """An openpyxl workbook that guards every cell and sheet title whenever it is saved."""

    def save(self, filename) -> None:
        guard_workbook(self)
        super().save(filename)


def new_workbook() -> GuardedWorkbook:
    return GuardedWorkbook()


def xlsx_bytes(workbook: GuardedWorkbook) -> bytes:
    if not isinstance(workbook, GuardedWorkbook):
        raise TypeError("make workbooks with new_workbook(), which guards every cell")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def add_table(sheet: Worksheet, header: list, rows, *, widths: dict[int, float] | None = None,
              freeze: str | None = "A2") -> Worksheet:
    """A bold header row and the rows under it (numbers stay numbers)."""
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column, width in (widths or {}).items():
        sheet.column_dimensions[get_column_letter(column)].width = width
    if freeze:
        sheet.freeze_panes = freeze
    return sheet


def table_xlsx(title: str, header: list, rows, *, about: list[list] | None = None,
               widths: dict[int, float] | None = None, freeze: str | None = "A2") -> bytes:
    """A workbook of one table and, with ``about``, a second sheet saying which filters made it."""
    workbook = new_workbook()
    sheet = workbook.active
    sheet.title = sheet_title(title)
    add_table(sheet, header, rows, widths=widths, freeze=freeze)
    if about is not None:
        filters = workbook.create_sheet("Filters")
        for row in about:
            filters.append(list(row))
    return xlsx_bytes(workbook)


# -- downloads -------------------------------------------------------------------------------------

def download(body: str | bytes, filename: str) -> Response:
    """A CSV or Excel file as an attachment, typed by its extension."""
    file_format = filename.rsplit(".", 1)[-1]
    return Response(body, mimetype=MIMETYPES[file_format],
                    headers={"Content-Disposition": content_disposition(filename)})
