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

import pytest
from bs4 import BeautifulSoup

from tests.conftest import Browserless
from tests.security.xss_corpus import CORPUS, seed

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
        if element.name in ("svg", "math", "mglyph") and "__xss" in str(element):
            found.append(f"<{element.name}> from the corpus")
    return found


def test_the_xss_corpus_is_shown_as_text_everywhere(app, contract_setup):
    pages = seed(contract_setup)
    people = {"provider": contract_setup["provider_admin"].email, "commissioner": contract_setup["manager"].email}
    shown = 0
    for side, urls in pages.items():
        web = Browserless(app.test_client())
        web.sign_in(people[side])
        for url in urls:
            response = web.client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            html = response.get_data(as_text=True)
            assert not injected(html), (url, injected(html))
            text = BeautifulSoup(html, "html.parser").get_text()
            # never evaluated: no bare 49 (a price like £15.49 or a year like 2049 is not one)
            assert not re.search(r"(?<![\w.,£])49(?![\w.,%])", text) or "{{7*7}}" in text, url
            shown += sum(payload in text for payload in CORPUS)
    assert shown >= len(CORPUS) * 4  # each payload is really on the pages, as text


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
