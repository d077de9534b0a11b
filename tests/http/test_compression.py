"""Pages and API answers are compressed for a browser that accepts it (issue 12: page weight),
and sent as they are to one that does not."""
from __future__ import annotations

import gzip

import brotli


def test_a_page_is_gzipped_only_for_a_browser_that_accepts_gzip(client):
    plain = client.get("/sign-in")
    zipped = client.get("/sign-in", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    page = gzip.decompress(zipped.get_data()).decode()
    assert "Sign in" in page and "</html>" in page
    assert len(zipped.get_data()) < len(plain.get_data()) / 2


def test_a_signed_in_page_and_an_api_answer_are_compressed_too(client, web, make_org, make_user, api_token):
    provider = make_org("provider")
    make_user("sam@fern.example", memberships=[(provider, "submitter")])
    token = api_token("sam@fern.example")
    web.sign_in("sam@fern.example")
    page = client.get(f"/o/{provider.slug}/documents/", headers={"Accept-Encoding": "br, gzip"})
    assert page.status_code == 200
    assert page.headers["Content-Encoding"] == "br"
    assert "Documents" in brotli.decompress(page.get_data()).decode()
    answer = client.get("/api/v1/documents", headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and "Content-Encoding" not in answer.headers  # a few bytes: not worth it
    described = client.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert described.headers["Content-Encoding"] == "gzip"
    assert b'"openapi"' in gzip.decompress(described.get_data())
