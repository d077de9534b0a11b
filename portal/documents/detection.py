"""What a file really is, from its bytes, against the allow-list; and zip bomb limits.

PDF, PNG and JPEG are known by their signatures (the ``filetype`` library). DOCX, XLSX and
ODT are all ZIP archives: they are told apart by their entries, after the archive has been
checked against the limits (entry count, total expanded size, expansion ratio). CSV has no
signature: it is accepted when the name ends ``.csv`` and the bytes decode as UTF-8 text
that the ``csv`` module parses.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import filetype

#: kind -> (MIME type, what a person calls it)
KINDS = {
    "pdf": ("application/pdf", "a PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "a Word document (DOCX)"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "an Excel spreadsheet (XLSX)"),
    "odt": ("application/vnd.oasis.opendocument.text", "an OpenDocument text file (ODT)"),
    "csv": ("text/csv", "a CSV file"),
    "png": ("image/png", "a PNG image"),
    "jpeg": ("image/jpeg", "a JPEG image"),
}
#: file name extension -> kind
EXTENSIONS = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "odt": "odt", "csv": "csv", "png": "png",
              "jpg": "jpeg", "jpeg": "jpeg"}
ALLOWED_TYPES_TEXT = "PDF, DOCX, XLSX, CSV, ODT, PNG or JPEG"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_OTHER_NAMES = {
    "exe": "a Windows program (EXE)", "elf": "a Linux program", "zip": "a ZIP archive", "rar": "a RAR archive",
    "7z": "a 7-Zip archive", "gz": "a gzip archive", "doc": "an old-style Word document (DOC)",
    "xls": "an old-style Excel spreadsheet (XLS)", "pptx": "a PowerPoint presentation (PPTX)",
    "ppt": "a PowerPoint presentation (PPT)", "ods": "an OpenDocument spreadsheet (ODS)",
    "gif": "a GIF image", "webp": "a WebP image", "heic": "a HEIC photo", "tif": "a TIFF image",
    "bmp": "a BMP image", "rtf": "a Rich Text (RTF) document", "html": "a web page (HTML)",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
HEAD_BYTES = 8192


class Rejected(Exception):
    """The file is not acceptable; ``reason`` tells a person what to do about it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 10_000
    max_total_bytes: int = 250 * 1024 * 1024
    max_ratio: int = 100
    ratio_applies_above: int = 1024 * 1024  # small entries compress very well and are harmless


@dataclass(frozen=True)
class Detected:
    kind: str

    @property
    def content_type(self) -> str:
        return KINDS[self.kind][0]


def kind_for_name(name: str) -> str | None:
    stem, dot, ext = name.rpartition(".")
    return EXTENSIONS.get(ext.lower()) if dot and stem else None


def describe(kind: str) -> str:
    return KINDS[kind][1] if kind in KINDS else _OTHER_NAMES.get(kind, f"a {kind.upper()} file")


def detect(fh: BinaryIO, name: str, limits: ZipLimits = ZipLimits()) -> Detected:
    """The real kind of the file open in ``fh`` (seekable), or ``Rejected``."""
    expected = kind_for_name(name)
    if expected is None:
        raise Rejected(f"The file name must end in .pdf, .docx, .xlsx, .csv, .odt, .png or .jpg. "
                       f"Save it as a {ALLOWED_TYPES_TEXT} file and upload it again.")
    fh.seek(0)
    head = fh.read(HEAD_BYTES)
    fh.seek(0)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n\x00").startswith(b"%PDF-"):
        check_pdf_ends_as_pdf(fh)
        actual = "pdf"
    elif b"%PDF-" in head[:1024]:
        raise Rejected(f"The file {name!r} has something else before the start of the PDF (a file made to be two "
                       "kinds at once), so it was not accepted. Open it in a PDF reader, save a new copy and upload "
                       "that.")
    elif head.startswith(b"PK\x03\x04"):
        actual = _zip_kind(fh, limits)
    else:
        guess = filetype.guess(head)
        if guess is None:
            actual = "csv" if expected == "csv" and looks_like_csv(fh) else None
        elif guess.extension == "jpg":
            actual = "jpeg"
        elif guess.extension in ("png", "apng"):
            actual = "png"
        else:
            raise Rejected(f"The file is named {name!r} but it is {describe(guess.extension)}, which the portal "
                           f"does not accept. Upload a {ALLOWED_TYPES_TEXT} file instead.")
        if actual is None:
            if expected == "csv":
                raise Rejected("The file is named .csv but it is not UTF-8 text in CSV format. Open it in a "
                               "spreadsheet program, save it as 'CSV UTF-8' and upload it again.")
            raise Rejected(f"The file is named {name!r} but its contents are not {describe(expected)}; it may be "
                           f"damaged or renamed. Open it in the program that made it, save it as "
                           f"{describe(expected)} and upload it again.")
    if actual != expected:
        raise Rejected(f"The file is named {name!r} but it is really {describe(actual)}. Rename it with the "
                       f"right ending, or save it as {describe(expected)}, and upload it again.")
    fh.seek(0)
    return Detected(actual)


PDF_TAIL_BYTES = 2048


def check_pdf_ends_as_pdf(fh: BinaryIO) -> None:
    """A PDF ends with ``%%EOF`` (and perhaps whitespace): anything after it (a ZIP archive, a web
    page) makes a polyglot, a file that other programs read as something else."""
    fh.seek(0, 2)
    size = fh.tell()
    fh.seek(max(0, size - PDF_TAIL_BYTES))
    tail = fh.read()
    fh.seek(0)
    end = tail.rfind(b"%%EOF")
    if end < 0 or tail[end + len(b"%%EOF"):].strip(b" \t\r\n\x00\x0c"):
        raise Rejected("The PDF has something else after its end (another file joined on to it), so it was not "
                       "accepted. Open it in a PDF reader, save a new copy and upload that.")


def check_zip_limits(zf: zipfile.ZipFile, limits: ZipLimits) -> None:
    """Refuse archives that would expand past the limits (declared sizes bound what
    ``zipfile`` will ever inflate: it stops at, and checks the CRC of, each entry's size)."""
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise Rejected(f"The file holds {len(infos):,} parts, more than the {limits.max_entries:,} allowed. "
                       "Split it into smaller files and upload them separately.")
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_bytes:
        raise Rejected(f"The file expands to {total / 1024 / 1024:,.0f} MB when opened, more than the "
                       f"{limits.max_total_bytes / 1024 / 1024:,.0f} MB allowed. Split it into smaller files.")
    for info in infos:
        if info.flag_bits & 0x1:
            raise Rejected("The file is password-protected. Remove the password and upload it again.")
        if info.file_size > limits.ratio_applies_above and (
                info.compress_size == 0 or info.file_size / info.compress_size > limits.max_ratio):
            raise Rejected("The file expands far more than ordinary documents do when opened (a 'zip bomb'), so "
                           "it was not opened. If it is a real document, save it again from the program that "
                           "made it and upload the new copy.")


def _zip_kind(fh: BinaryIO, limits: ZipLimits) -> str:
    try:
        with zipfile.ZipFile(fh) as zf:
            check_zip_limits(zf, limits)
            names = set(zf.namelist())
            if "mimetype" in names:
                with zf.open("mimetype") as entry:
                    mimetype = entry.read(200).strip()
                if mimetype == ODT_MIMETYPE:
                    return "odt"
                if mimetype.endswith(b".spreadsheet"):
                    return "ods"
                return "zip"
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "ppt/presentation.xml" in names:
                    return "pptx"
            return "zip"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise Rejected("The file looks like a Word, Excel or OpenDocument file but it is damaged and cannot be "
                       "opened. Save it again from the program that made it and upload the new copy.") from exc


def looks_like_csv(fh: BinaryIO) -> bool:
    try:
        read_csv_text(fh, max_chars=0)
        return True
    except Rejected:
        return False


def read_csv_text(fh: BinaryIO, *, max_chars: int) -> str:
    """Parse the whole file as UTF-8 CSV (streaming); return up to ``max_chars`` of its text."""
    fh.seek(0)
    text = io.TextIOWrapper(_NoClose(fh), encoding="utf-8-sig", errors="strict", newline="")
    kept: list[str] = []
    size = 0
    rows = 0
    try:
        for row in csv.reader(text):
            rows += 1
            for cell in row:
                if _CONTROL.search(cell):
                    raise Rejected("The CSV file contains control characters, so it is not plain text.")
            if size < max_chars and any(row):
                line = " | ".join(c.strip() for c in row if c.strip())
                kept.append(line)
                size += len(line) + 1
    except (UnicodeDecodeError, csv.Error) as exc:
        raise Rejected("The file is not UTF-8 text in CSV format.") from exc
    finally:
        text.detach()
        fh.seek(0)
    if rows == 0:
        raise Rejected("The CSV file has no rows.")
    return "\n".join(kept)[:max_chars]


class _NoClose(io.RawIOBase):
    """Lets a TextIOWrapper read ``fh`` without closing it."""

    def __init__(self, fh: BinaryIO):
        self._fh = fh

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._fh.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


