"""API answers are compressed for a client that accepts it (issue 12: page weight), and sent as
they are to one that does not; pages are never compressed by the app (BREACH: the CSRF token
next to typed text)."""
from __future__ import annotations

import gzip

import brotli


def test_a_page_is_never_compressed_by_the_app(client, web, make_org, make_user):
    provider = make_org("provider")
    make_user("sam@fern.example", memberships=[(provider, "submitter")])
    assert "Content-Encoding" not in client.get("/sign-in", headers={"Accept-Encoding": "br, gzip"}).headers
    web.sign_in("sam@fern.example")
    page = client.get(f"/o/{provider.slug}/documents/", headers={"Accept-Encoding": "br, gzip"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    assert "Documents" in page.get_data(as_text=True)


def test_an_api_answer_is_compressed_only_for_a_client_that_accepts_it(client):
    plain = client.get("/api/openapi.json")
    zipped = client.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"})
    squeezed = client.get("/api/openapi.json", headers={"Accept-Encoding": "br"})
    assert plain.status_code == zipped.status_code == squeezed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip" and squeezed.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == brotli.decompress(squeezed.get_data()) == plain.get_data()
    assert len(zipped.get_data()) < len(plain.get_data()) / 2
