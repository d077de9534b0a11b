"""File names as people send them are untrusted text: shown, never used as a path or key.

``display_name`` keeps what a person would recognise (letters in any script, emoji) and drops
what could mislead or break things: directory parts, control characters (NUL included),
bidirectional overrides and other invisible format characters. ``content_disposition``
builds an ``attachment`` header with an ASCII fallback and an RFC 5987 ``filename*``.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_NAME_LENGTH = 200
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._()\- ]+")


def display_name(raw: str | None, *, fallback: str = "document") -> str:
    name = unicodedata.normalize("NFC", raw or "")
    name = "".join(" " if ch in "\t\n\r" else ch for ch in name
                   if unicodedata.category(ch) not in _INVISIBLE or ch in "\t\n\r")
    name = re.split(r"[/\\]", name)[-1]  # the last path part only: "../../etc/passwd.pdf" -> "passwd.pdf"
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    if not name or set(name) <= {"."}:
        return fallback
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _ASCII_UNSAFE.sub("_", text).strip(" ._")


def ascii_fallback(name: str) -> str:
    """For the plain ``filename=`` parameter: ASCII letters, digits and a few marks only."""
    stem, dot, ext = name.rpartition(".")
    if not (dot and stem):
        stem, ext = name, ""
    stem, ext = _ascii(stem) or "document", _ascii(ext)
    return (f"{stem[: MAX_NAME_LENGTH - len(ext) - 1]}.{ext}" if ext else stem[:MAX_NAME_LENGTH])


def content_disposition(name: str) -> str:
    """``attachment; filename="..."; filename*=UTF-8''...`` for a name already passed through
    ``display_name`` (sanitised again here: the header must never carry CR, LF or quotes)."""
    safe = display_name(name)
    return f"attachment; filename=\"{ascii_fallback(safe)}\"; filename*=UTF-8''{quote(safe, safe='')}"
