"""Text for search and a page count, from files that ``detection`` has already accepted.

A library error here means the file cannot be read (damaged, password-protected): it is
turned into ``Rejected`` with a reason a person can act on.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree import ElementTree

from portal.documents.detection import Rejected, read_csv_text

MAX_TEXT_CHARS = 1_000_000
MAX_PDF_PAGES_READ = 500
MAX_SHEET_ROWS_READ = 200_000


@dataclass
class Extracted:
    text: str | None = None
    page_count: int | None = None


def extract(kind: str, fh: BinaryIO, *, max_chars: int = MAX_TEXT_CHARS) -> Extracted:
    fh.seek(0)
    reader = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "odt": _odt, "csv": _csv}.get(kind)
    if reader is None:
        return Extracted()  # images: nothing to index
    try:
        result = reader(fh, max_chars)
    except Rejected:
        raise
    except Exception as exc:  # the libraries raise many kinds of error for damaged files
        raise Rejected("The file is damaged and cannot be opened. Open it in the program that made it, save a new "
                       "copy and upload that.") from exc
    if result.text is not None:
        result.text = result.text.replace("\x00", "")[:max_chars].strip() or None
    return result


class _Collector:
    def __init__(self, max_chars: int):
        self.parts: list[str] = []
        self.size = 0
        self.max_chars = max_chars

    @property
    def full(self) -> bool:
        return self.size >= self.max_chars

    def add(self, text: str | None) -> None:
        if text and text.strip() and not self.full:
            self.parts.append(text.strip())
            self.size += len(text) + 1

    def text(self) -> str:
        return "\n".join(self.parts)


def _pdf(fh: BinaryIO, max_chars: int) -> Extracted:
    from pypdf import PdfReader

    reader = PdfReader(fh)
    if reader.is_encrypted and not reader.decrypt(""):
        raise Rejected("The PDF is password-protected. Save a copy without the password and upload that.")
    pages = len(reader.pages)
    out = _Collector(max_chars)
    for page in reader.pages[:MAX_PDF_PAGES_READ]:
        if out.full:
            break
        out.add(page.extract_text())
        # pypdf keeps every object it has read (a scanned page's image too) for the reader's life:
        # forget them page by page, so memory stays near one page's worth, not the whole file's.
        reader.resolved_objects.clear()
    return Extracted(text=out.text(), page_count=pages)


def _docx(fh: BinaryIO, max_chars: int) -> Extracted:
    import docx

    document = docx.Document(fh)
    out = _Collector(max_chars)
    for paragraph in document.paragraphs:
        out.add(paragraph.text)
    for table in document.tables:
        for row in table.rows:
            out.add(" | ".join(cell.text.strip() for cell in row.cells if cell.text.strip()))
    return Extracted(text=out.text())


def _xlsx(fh: BinaryIO, max_chars: int) -> Extracted:
    from openpyxl import load_workbook

    workbook = load_workbook(fh, read_only=True, data_only=True)
    out = _Collector(max_chars)
    try:
        for sheet in workbook.worksheets:
            out.add(sheet.title)
            for count, row in enumerate(sheet.iter_rows(values_only=True)):
                if out.full or count >= MAX_SHEET_ROWS_READ:
                    break
                out.add(" | ".join(str(v) for v in row if v is not None and str(v).strip()))
    finally:
        workbook.close()
    return Extracted(text=out.text())


def _odt(fh: BinaryIO, max_chars: int) -> Extracted:
    out = _Collector(max_chars)
    with zipfile.ZipFile(fh) as zf, zf.open("content.xml") as content:
        text_ns = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
        for _event, element in ElementTree.iterparse(content):
            if element.tag in (f"{text_ns}p", f"{text_ns}h"):
                out.add("".join(element.itertext()))
                element.clear()
            if out.full:
                break
    return Extracted(text=out.text())


def _csv(fh: BinaryIO, max_chars: int) -> Extracted:
    return Extracted(text=read_csv_text(fh, max_chars=max_chars))
