"""The input suite, through the test client: the XSS corpus is shown as text on every page that
shows it; SQL metacharacters in every search and filter answer without a 500, match literally
(LIKE wildcards escaped); Unicode edge cases are stored and shown as typed; oversized bodies
answer 413 (a GOV.UK error page, or JSON in the API) and too many form parts or too much form
text answer 413 with a clear message. (The same corpus in a real browser: tests/browser/test_xss_journey.py.)"""
from __future__ import annotations

import io
import json
import re
import unicodedata

from bs4 import BeautifulSoup

from tests.conftest import Browserless
from tests.security.xss_corpus import (FREE_TEXT, NOT_FREE_TEXT, NOT_ON_A_PAGE, crawl, fill_every_text_field, marker,
                                       shown_text, xss_world)

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "xlink:href", "hx-get", "hx-post")


def injected(html: str) -> list[str]:
    """What the corpus would have made of the page if it were not escaped."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for script in soup.find_all("script"):
        if "__xss" in (script.string or ""):
            found.append(f"script: {script}")
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on") or name.lower() == "autofocus" and "__xss" in html:
                if "__xss" in text or name.lower() == "autofocus":
                    found.append(f"<{element.name} {name}={text[:60]!r}>")
            if name.lower() in URL_ATTRIBUTES and text.strip().lower().startswith("javascript:"):
                found.append(f"<{element.name} {name}={text[:60]!r}>")
        if element.name in ("math", "mglyph", "mtext"):  # the portal draws no MathML: only the corpus would
            found.append(f"<{element.name}> from the corpus")
    return found


def test_every_string_column_is_classified_as_typed_or_not(app):
    from sqlalchemy import String, Text

    from portal.extensions import db

    columns = {f"{table.name}.{column.name}" for table in db.metadata.tables.values() for column in table.columns
               if isinstance(column.type, (String, Text))}
    classified = set(FREE_TEXT) | {c for names in NOT_FREE_TEXT.values() for c in names.split()}
    assert not columns - classified, f"put these in FREE_TEXT or NOT_FREE_TEXT: {sorted(columns - classified)}"
    assert not classified - columns, f"no such columns: {sorted(classified - columns)}"
    assert not set(FREE_TEXT) & {c for names in NOT_FREE_TEXT.values() for c in names.split()}


def test_the_xss_corpus_in_every_text_field_is_shown_as_text_everywhere(app, superuser_engine):
    """Every typed column holds the corpus; the administrators of both sides (and each role, for
    the pages only some roles reach) follow every link; no page runs or evaluates any of it, and
    every column but NOT_ON_A_PAGE is shown somewhere, as text."""
    world = xss_world(app, superuser_engine)
    changed = fill_every_text_field(superuser_engine)
    assert not [c for c, rows in changed.items() if not rows], f"no row holds a value: {changed}"
    shown, problems, visited = set(), [], {}
    for (kind, role), person in world["users"].items():
        web = Browserless(app.test_client())
        web.sign_in(person.email)
        first = kind not in visited  # the administrator: the pages no link leads to are theirs to open
        start = ["/admin/"] if kind == "platform" else [f"/o/{world['orgs'][kind].slug}/", "/account/"]
        start += (world["also"].get(kind, []) if first else []) + world["also"].get((kind, role), [])
        pages = crawl(web.client, start, skip=visited.setdefault(kind, set()))
        visited[kind] |= set(pages)
        for url, html in pages.items():
            if html.startswith("<") and html.endswith(">") and len(html) < 6:
                problems.append(f"{role}: {url} answered {html}")
                continue
            problems += [f"{role}: {url}: {found}" for found in injected(html)]
            text = shown_text(html)
            # never evaluated: in the corpus "{{7*7}} ${7*7}" follows "link</a>"; evaluated, it would read "49 $49"
            if re.search(r"link(</a>)?\s+49|\$49", text):
                problems.append(f"{role}: {url}: a template expression of the corpus was evaluated")
            shown |= {column for column in FREE_TEXT if marker(column) in text}
    assert not problems, "\n".join(problems)
    missing = set(FREE_TEXT) - shown - set(NOT_ON_A_PAGE)
    assert not missing, f"typed columns that no page showed: {sorted(missing)}"


SQL_TEXT = ("'; drop table documents; --", "' OR '1'='1", "%", "_", "\\", "%_\\'\"", "1; select pg_sleep(0)",
            "\u0000".replace("\u0000", "") + "é%", "))((", "*", "[a-z]")


def test_sql_metacharacters_in_searches_and_filters(app, contract_setup):
    from tests import factories

    s = contract_setup
    factories.document(s["provider"], filename="plain.pdf", text="ordinary evidence")
    literal = factories.document(s["provider"], filename="100%_done\\.pdf", text="ordinary evidence")
    provider = Browserless(app.test_client())
    provider.sign_in(s["provider_admin"].email)
    commissioner = Browserless(app.test_client())
    commissioner.sign_in(s["manager"].email)
    api = {"Authorization": f"Bearer {factories.api_token(s['provider_admin'])}"}
    p, c = s["provider"].slug, s["commissioner"].slug
    for text in SQL_TEXT:
        for client, url in ((provider.client, f"/o/{p}/documents/"), (provider.client, f"/o/{p}/search"),
                            (provider.client, f"/o/{p}/tenders/"), (commissioner.client, f"/o/{c}/tenders/"),
                            (commissioner.client, f"/o/{c}/threads/"), (commissioner.client, f"/o/{c}/search")):
            response = client.get(url, query_string={"q": text, "status": text})
            assert response.status_code < 500, (url, text, response.status_code)
        for url in ("/api/v1/documents", "/api/v1/search"):
            response = app.test_client().get(url, query_string={"q": text}, headers=api)
            assert response.status_code < 500 and response.is_json, (url, text, response.status_code)
    # LIKE wildcards match themselves only: "%" and "_" find the one name that has them.
    for text in ("%", "_", "\\", "%_"):
        found = app.test_client().get("/api/v1/documents", query_string={"q": text}, headers=api).get_json()
        assert [d["id"] for d in found] == [literal.id], (text, found)
    page = provider.client.get(f"/o/{p}/documents/", query_string={"q": "'; drop table documents; --"})
    assert "&#39;; drop table documents; --" in page.get_data(as_text=True)  # shown back as typed
    assert app.test_client().get("/api/v1/documents", headers=api).status_code == 200  # the table is still there


UNICODE = (
    "Llŷr Gwynedd – Ò Chaluim, café",  # Welsh, Gaelic
    "e\u0301\u0301\u0301 combining marks",
    "emoji 👩🏽‍⚕️🏳️‍🌈 family 👨‍👩‍👧",
    "RTL עברית العربية mixed",
    "zero\u200bwidth\u200djoiner\ufeff",
    "Z" + "a" * 400 + " very long word",
    unicodedata.normalize("NFD", "Amélie Noël"),
    unicodedata.normalize("NFC", "Amélie Noël"),
)


def test_unicode_edge_cases_are_stored_and_shown_as_typed(app, contract_setup):
    """A text answer of a return through the API, read back exactly, and shown on the page."""
    from tests import factories

    s = contract_setup
    ret = factories.return_of(s["contract"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {factories.api_token(s['provider_admin'])}"}
    url = f"/api/v1/returns/{ret.id}"
    detail = client.get(url, headers=headers).get_json()
    code = next(m["code"] for m in detail["measures"] if m["type"] == "text")
    web = Browserless(app.test_client())
    web.sign_in(s["provider_admin"].email)
    for value in UNICODE:
        version = client.get(url, headers=headers).get_json()["version"]
        response = client.patch(url, headers=headers, data=json.dumps(
            {"answers": [{"measure": code, "value": value}], "version": version}), content_type="application/json")
        assert response.status_code == 200, (value, response.get_json())
        answers = client.get(url, headers=headers).get_json()["answers"]
        assert answers[code] == value  # stored exactly: NFD stays NFD, zero-width characters kept
        page = web.client.get(f"/o/{s['provider'].slug}/returns/{ret.id}/check")
        assert page.status_code == 200
        assert value in BeautifulSoup(page.get_data(as_text=True), "html.parser").get_text()


def test_an_oversized_body_is_413_with_a_page_or_json(app, contract_setup, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    from tests import factories

    s = contract_setup
    web = Browserless(app.test_client())
    web.sign_in(s["manager"].email)
    big = "x" * (128 * 1024)
    page = web.post(f"/o/{s['commissioner'].slug}/contracts/new", {"title": big})
    assert page.status_code == 413 and "govuk-heading-l" in page.get_data(as_text=True)
    assert "too large" in page.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {factories.api_token(s['manager'])}"}
    api = app.test_client().post("/api/v1/contracts", headers=headers, data=json.dumps({"title": big}),
                                 content_type="application/json")
    assert api.status_code == 413 and api.is_json and "too large" in api.get_json()["message"]


def test_too_many_form_parts_or_too_much_form_text_is_refused_with_a_message(app, contract_setup):
    s = contract_setup
    web = Browserless(app.test_client())
    web.sign_in(s["manager"].email)
    url = f"/o/{s['commissioner'].slug}/contracts/new"
    token = web.csrf(url)
    limit = app.config.get("MAX_FORM_PARTS") or 1000
    many = {"csrf_token": token, **{f"field{i}": "x" for i in range(limit + 10)}}
    for body in (many, {**many, "upload": (io.BytesIO(b"x"), "x.csv")}):  # url-encoded, then multipart
        response = web.client.post(url, data=body)
        assert response.status_code in (400, 413), response.status_code
        assert "too many fields" in response.get_data(as_text=True)
    memory = app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000
    response = web.client.post(url, data={"csrf_token": token, "title": "x" * (memory + 10),
                                          "upload": (io.BytesIO(b"x"), "x.csv")})
    assert response.status_code == 413 and "too much text" in response.get_data(as_text=True)
