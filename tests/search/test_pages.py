"""The search page and the search API."""
from __future__ import annotations

from tests.helpers import run_jobs
from tests.search.helpers import PHRASE_CODE, add_document, fill, return_ids


def _submitted(app, world, text="Residents planted an orchard & a herb garden <together>."):
    provider = world["provider"]
    first = return_ids(app, provider.id, world["contract_id"])[0]
    document = add_document(app, provider.id, "orchard-photos.pdf", "Photographs of the orchard planting day.")
    fill(app, provider.id, world["submitter"].id, first, {PHRASE_CODE: text}, documents=[document])
    run_jobs(app)
    return first, document


def test_the_commissioner_search_page(app, web, client, world):
    return_id, document_id = _submitted(app, world)
    web.sign_in(world["manager"].email)
    base = f"/o/{world['commissioner'].slug}/search"
    home = client.get(f"/o/{world['commissioner'].slug}/").get_data(as_text=True)
    assert f'href="{base}"' in home  # in the service navigation
    empty = client.get(base)
    assert empty.status_code == 200
    page = empty.get_data(as_text=True)
    assert 'role="search"' in page and "There is a problem" not in page and "results for" not in page
    found = client.get(base, query_string={"q": "orchard"})
    html = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "2 results for ‘orchard’" in html
    assert "<mark>orchard</mark> &amp; a herb garden" in html
    assert "<together>" not in html
    assert f'/o/{world["commissioner"].slug}/returns/{return_id}/versions/1"' in html
    assert f"/returns/{return_id}/versions/1/documents/{document_id}" in html
    assert "Fern Care, CLY-001" in html
    assert 'value="orchard"' in html


def test_errors_no_results_and_pages(app, web, client, world, monkeypatch):
    from portal.search import queries

    _submitted(app, world)
    web.sign_in(world["manager"].email)
    base = f"/o/{world['commissioner'].slug}/search"
    blank = client.get(base, query_string={"q": "  "})
    assert blank.status_code == 422
    html = blank.get_data(as_text=True)
    assert "There is a problem" in html and "Enter the words you are looking for" in html
    assert "<title>Error:" in html
    long = client.get(base, query_string={"q": "word " * 50})
    assert long.status_code == 422 and "200 characters or fewer" in long.get_data(as_text=True)
    none = client.get(base, query_string={"q": "submarine"}).get_data(as_text=True)
    assert "No results for ‘submarine’" in none and "checking your spelling" in none
    monkeypatch.setattr(queries, "PAGE_SIZE", 1)
    first = client.get(base, query_string={"q": "orchard"}).get_data(as_text=True)
    assert "Page 1 of 2" in first and "page=2" in first and 'rel="prev"' not in first
    second = client.get(base, query_string={"q": "orchard", "page": 2}).get_data(as_text=True)
    assert "Page 2 of 2" in second and 'rel="prev"' in second and 'rel="next"' not in second
    beyond = client.get(base, query_string={"q": "orchard", "page": 9}).get_data(as_text=True)
    assert "There are no results on this page" in beyond


def test_the_provider_search_page_links_to_its_return_and_document(app, web, client, world):
    provider = world["provider"]
    first = return_ids(app, provider.id, world["contract_id"])[0]
    document = add_document(app, provider.id, "kite-festival.pdf", "Kite festival outing for ten people.")
    fill(app, provider.id, world["submitter"].id, first, {PHRASE_CODE: "Planning the kite festival."}, submit=False)
    web.sign_in(world["submitter"].email)
    html = client.get(f"/o/{provider.slug}/search", query_string={"q": "kite"}).get_data(as_text=True)
    assert "2 results for ‘kite’" in html
    assert f'href="/o/{provider.slug}/returns/{first}"' in html
    assert f'href="/o/{provider.slug}/documents/{document}"' in html
    assert "Fern Care: document library" in html


def test_the_search_api(app, client, world, api_token):
    return_id, document_id = _submitted(app, world)
    headers = {"Authorization": f"Bearer {api_token(world['manager'].email)}"}
    response = client.get("/api/v1/search", query_string={"q": "orchard"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["query"], body["total"], body["page"], body["pages"]) == ("orchard", 2, 1, 1)
    kinds = {r["kind"]: r for r in body["results"]}
    narrative, document = kinds["narrative"], kinds["document"]
    assert narrative["snippet"].startswith("Residents planted an <mark>orchard</mark> &amp; a herb garden")
    assert (narrative["return_id"], narrative["version"], narrative["measure_code"]) == (return_id, 1, PHRASE_CODE)
    assert narrative["links"]["page"] == f"/o/clyde-hscp/returns/{return_id}/versions/1"
    assert document["document_id"] == document_id and document["title"] == "orchard-photos.pdf"
    assert document["links"]["page"].endswith(f"/versions/1/documents/{document_id}")
    assert narrative["provider"] == "Fern Care" and narrative["contract_reference"] == "CLY-001"
    by_slug = client.get("/api/v1/orgs/clyde-hscp/search", query_string={"q": "orchard", "per_page": 1},
                         headers=headers).get_json()
    assert (by_slug["total"], by_slug["pages"], len(by_slug["results"])) == (2, 2, 1)
    for query in ({}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}):
        refused = client.get("/api/v1/search", query_string=query, headers=headers)
        assert refused.status_code == 422, (query, refused.get_json())
    assert client.get("/api/v1/search", query_string={"q": "orchard"}).status_code == 401
    # The provider's token searches the provider's own texts.
    provider_headers = {"Authorization": f"Bearer {api_token(world['submitter'].email)}"}
    own = client.get("/api/v1/search", query_string={"q": "orchard"}, headers=provider_headers).get_json()
    assert {r["kind"] for r in own["results"]} == {"narrative", "document"}
    assert all(r["version"] is None for r in own["results"])
    assert client.get("/api/v1/orgs/tay-hscp/search", query_string={"q": "orchard"},
                      headers=headers).status_code == 404
