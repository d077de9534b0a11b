"""File names made safe to show and to send back; types known by their bytes; archive limits."""
from __future__ import annotations

import io
import zipfile

import pytest

from portal.documents.detection import Rejected, ZipLimits, detect
from portal.documents.filenames import content_disposition, display_name
from tests.documents import files


@pytest.mark.parametrize("raw, shown", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\sam\\Desktop\\review.pdf", "review.pdf"),
    ("invoice\u202egnp.pdf", "invoicegnp.pdf"),
    ("a\x00b\x1fc\x7f.pdf", "abc.pdf"),
    ("line\r\nbreak.pdf", "line break.pdf"),
    ("zero\u200bwidth.pdf", "zerowidth.pdf"),
    ("Bericht über Ergebnisse 😀.pdf", "Bericht über Ergebnisse 😀.pdf"),
    ("..", "document"),
    ("", "document"),
    ("/", "document"),
    ("y" * 300, "y" * 200),
])
def test_display_name(raw, shown):
    assert display_name(raw) == shown


def test_a_very_long_name_keeps_its_extension():
    name = display_name("é" * 500 + ".xlsx")
    assert len(name) == 200 and name.endswith(".xlsx")


def test_content_disposition_has_an_ascii_fallback_and_rfc_5987_name():
    header = content_disposition('Résumé "final" 😀.pdf')
    assert header == ("attachment; filename=\"Resume _final.pdf\"; "
                      "filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%20%F0%9F%98%80.pdf")
    header = content_disposition("evil\r\nSet-Cookie: x=1;.pdf")
    assert "\r" not in header and "\n" not in header
    assert content_disposition("日本語.pdf").startswith('attachment; filename="document.pdf"')


def _detect(name: str, content: bytes, limits: ZipLimits = ZipLimits()):
    return detect(io.BytesIO(content), name, limits)


def test_kinds_are_known_by_their_bytes():
    assert _detect("a.pdf", files.pdf(["x"])).kind == "pdf"
    assert _detect("a.docx", files.docx(["x"])).kind == "docx"
    assert _detect("a.xlsx", files.xlsx([["x"]])).kind == "xlsx"
    assert _detect("a.odt", files.odt("x")).kind == "odt"
    assert _detect("a.png", files.png()).kind == "png"
    assert _detect("a.jpeg", files.jpeg()).kind == "jpeg"
    assert _detect("a.csv", "name,town\nÅsa,Perth\n".encode()).kind == "csv"


@pytest.mark.parametrize("name, content, reason", [
    ("a.csv", "name\ncafé\n".encode("latin-1"), "CSV UTF-8"),
    ("a.csv", b"a,b\n1,\x00\n", "CSV UTF-8"),
    ("a.csv", b"", "CSV UTF-8"),
    ("a.pdf", b"just some text", "not a PDF"),
    ("a.docx", files.xlsx([["x"]]), "really an Excel spreadsheet"),
    ("a.xlsx", files.odt("x"), "really an OpenDocument text file"),
    ("a.pdf", b"GIF89a" + b"\x00" * 20, "a GIF image"),
    ("a.docx", b"PK\x03\x04 damaged", "damaged"),
    ("a.exe", files.exe(), "must end in"),
])
def test_refusals_say_what_is_wrong(name, content, reason):
    with pytest.raises(Rejected) as refused:
        _detect(name, content)
    assert reason in refused.value.reason


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_archive_limits():
    many = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>",
                 **{f"word/media/{i}.xml": b"" for i in range(30)}})
    with pytest.raises(Rejected, match="parts, more than"):
        _detect("a.docx", many, ZipLimits(max_entries=20))
    bomb = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"a" * (3 * 1024 * 1024)})
    with pytest.raises(Rejected, match="zip bomb"):
        _detect("a.docx", bomb)
    assert _detect("a.docx", bomb, ZipLimits(max_ratio=10_000)).kind == "docx"
    presentation = _zip({"[Content_Types].xml": b"<x/>", "ppt/presentation.xml": b"<x/>"})
    with pytest.raises(Rejected, match="PowerPoint"):
        _detect("a.docx", presentation)
