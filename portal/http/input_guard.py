"""Text the database cannot store is refused before any view runs.

PostgreSQL text cannot hold NUL (``\\0``), and a lone UTF-16 surrogate (``"\\ud800"`` in JSON) or
bytes that are not UTF-8 cannot be encoded for it: either would fail deep in a query (a 500) or
be stored half-read. So, for every request, page or API:

- the address's path: a NUL or bytes that are not UTF-8 mean no page can match, so 404;
- query strings, url-encoded and multipart form fields, and JSON bodies (keys and values at any
  depth): a NUL, a lone surrogate or bytes that are not UTF-8 answer 422 with a message naming
  the field (JSON ``message`` and ``errors`` in the API, an error page for pages).

File parts of multipart bodies are left alone (a file is bytes; its name is cleaned by the
documents package). Werkzeug keeps undecodable bytes of query strings and url-encoded forms
percent-encoded rather than failing, so those are checked on the raw bytes.
"""
from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, request

NOT_STORABLE = re.compile("[\x00\ud800-\udfff]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BadText(Exception):
    def __init__(self, location: str, field: str, value: str | None):
        super().__init__(field)
        self.location, self.field = location, field
        self.nul = value is not None and "\x00" in value

    @property
    def message(self) -> str:
        name = shown(self.field)
        if self.nul:
            return (f"{name} contains a NUL character (\\0), which cannot be stored. Remove it (type the text "
                    "again rather than pasting it) and send it again.")
        return (f"{name} contains characters that are not valid text (a lone surrogate or bytes that are not "
                "UTF-8). Type the text again rather than pasting it, and send it again.")


def shown(field: str) -> str:
    """The field's name, safe to show: hidden and broken characters made visible, kept short."""
    clean = NOT_STORABLE.sub(lambda m: "\\0" if m.group() == "\x00" else "\ufffd", field)[:80]
    return f"The field ‘{clean}’" if clean else "A field with no name"


def _decode(part: bytes, location: str, field: str | None = None) -> str:
    try:
        text = unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise BadText(location, field if field is not None else part.decode("utf-8", "replace"), None) from None
    if NOT_STORABLE.search(text):
        raise BadText(location, field if field is not None else text, text)
    return text


def check_urlencoded(raw: bytes, location: str) -> None:
    """``a=1&b=2`` as bytes: names and values must decode to storable text."""
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        field = _decode(name, location)
        _decode(value, location, field)


def check_json(data) -> None:
    """Every key and string value of a JSON document, however deep (without recursion)."""
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if NOT_STORABLE.search(value):
                raise BadText("json", path or "(the body)", value)
        elif isinstance(value, dict):
            for key, item in value.items():
                key = str(key)
                if NOT_STORABLE.search(key):
                    raise BadText("json", f"{path}.{key}" if path else key, key)
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{n}]", item) for n, item in enumerate(value))


def _path_is_text() -> bool:
    raw = request.environ.get("PATH_INFO", "")
    try:
        path = raw.encode("latin-1").decode("utf-8")
    except UnicodeEncodeError:  # a server that already decoded the path
        path = raw
    except UnicodeDecodeError:
        return False
    return not NOT_STORABLE.search(path)


#: Bodies without files (forms, JSON, XML) are read whole into memory: they get a limit of their
#: own, far below MAX_CONTENT_LENGTH (which is sized for ten documents).
TEXT_BODY_MAX_BYTES = 4 * 1024 * 1024


class TooMuch(Exception):
    """The body is past a limit for text: answered 413 with ``message``."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_size() -> None:
    """Werkzeug limits the parts and text of multipart forms (MAX_FORM_PARTS, MAX_FORM_MEMORY_SIZE)
    but not of url-encoded ones, nor the size of JSON: these limits are checked here."""
    if request.mimetype == FORM_TYPES[1]:
        return
    limit = int(current_app.config.get("TEXT_BODY_MAX_BYTES") or TEXT_BODY_MAX_BYTES)
    if (request.content_length or 0) > limit:
        raise TooMuch(f"What you sent is too large ({request.content_length / 1024 / 1024:,.1f} MB; the limit is "
                      f"{limit / 1024 / 1024:,.0f} MB without files), so it was not saved. Send less at a time.")
    if request.mimetype == FORM_TYPES[0]:
        parts = current_app.config.get("MAX_FORM_PARTS") or 1000
        if request.get_data(cache=True).count(b"&") >= parts:
            raise TooMuch(f"The form has too many fields (more than {parts:,}), so it was not saved. Go back, "
                          "reload the page and send it again.")


def check_request() -> None:
    """Raises BadText for the first field that cannot be stored."""
    check_urlencoded(request.query_string, "query")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    check_size()
    if request.mimetype == FORM_TYPES[0]:
        check_urlencoded(request.get_data(cache=True), "form")
    elif request.mimetype == FORM_TYPES[1]:
        for name, value in request.form.items(multi=True):
            name = name or ""  # a part whose name cannot be read (name="\") comes as None: no field
            if NOT_STORABLE.search(name) or NOT_STORABLE.search(value):
                raise BadText("form", name, value if NOT_STORABLE.search(value) else name)
    elif request.is_json:
        try:
            data = request.get_json(silent=True)
        except RecursionError:
            raise BadText("json", "(the body)", None) from None
        check_json(data)


def refuse_unstorable_input():
    from portal.http.errors import answer

    if not _path_is_text():
        return answer(404, "No such address: check the address for stray characters")
    try:
        check_request()
    except BadText as exc:
        return answer(422, exc.message, {exc.location: {NOT_STORABLE.sub("\ufffd", exc.field): [exc.message]}})
    except TooMuch as exc:
        return answer(413, exc.message)
    return None


def register(app: Flask) -> None:
    """First of all the app's before-request functions, so nothing reads the input before it."""
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unstorable_input)
