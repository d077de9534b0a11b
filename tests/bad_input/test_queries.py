"""Query strings: every filter, page and offset, with values too large, negative, not numbers,
dates in year 9999 or 1, NUL and broken text, answers 200 or a 4xx that says what is wrong.

The API's parameters are read from the OpenAPI document, so a new one joins by itself; pages
name theirs below.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest

NUMBERS = ("9223372036854775808", "1" + "0" * 30, "-1", "-9223372036854775809", "1e20", "NaN", "Infinity",
           "-Infinity", "0", "1.5", "9" * 5000, "²", "١٢", " 7 ")
DATES = ("9999-12-31", "0001-01-01", "0000-00-00", "2025-02-30", "99999-01-01", "9999-12")
MONTHS = ("9999-12", "0001-01", "0000-00", "2025-13", "10000-01", "9999-12-31")
TEXTS = ("x" * 5000, "Llŷr Gwynedd – Ò Chaluim, café 😀", "'; select 1; --", "<script>")
KINDS = {"page": NUMBERS, "offset": NUMBERS, "limit": NUMBERS, "per_page": NUMBERS, "contract": NUMBERS,
         "framework": NUMBERS, "threshold": NUMBERS, "from-month": NUMBERS + ("13",), "to-month": NUMBERS,
         "from-year": NUMBERS + ("9999", "0001"), "to-year": NUMBERS + ("9999",), "from-day": NUMBERS + ("32",),
         "to-day": NUMBERS, "person": NUMBERS + TEXTS + ("portal",),
         "period_from": DATES, "period_to": DATES, "from": MONTHS + DATES, "to": MONTHS + DATES}
BROKEN = ("%00", "a%00b", "%ED%A0%80", "%FF")

DASHBOARD = ("from", "to", "from-month", "from-year", "to-month", "to-year", "provider", "contract", "service_type",
             "locality", "threshold")
OUTCOMES = ("framework", "from", "to", "provider", "service_type", "locality", "threshold")
RETURNS = ("status", "contract", "period_from", "period_to", "provider", "late", "service_type", "locality")
AUDIT = ("page", "person", "action", "from-day", "from-month", "from-year", "to-day", "to-month", "to-year")
PAGES = {
    "provider": {"/documents/": ("q", "page"), "/audit": AUDIT, "/search": ("q", "page"), "/returns/": RETURNS,
                 "/tenders/": ("q", "status"), "/threads/": ("q", "status")},
    "commissioner": {"/audit": AUDIT, "/search": ("q", "page"), "/returns/": RETURNS,
                     "/reviews/": ("from", "to", "provider", "contract", "status", "service_type", "locality"),
                     "/dashboards/compliance": DASHBOARD, "/dashboards/delivery": DASHBOARD,
                     "/dashboards/compliance.csv": DASHBOARD, "/dashboards/delivery.xlsx": DASHBOARD,
                     "/outcomes/": OUTCOMES, "/outcomes/export.csv": OUTCOMES, "/outcomes/export.xlsx": OUTCOMES,
                     "/collaboratives/{collaborative_id}": ("framework",), "/tenders/": ("q", "status", "scope"),
                     "/threads/": ("q", "status")},
}
BASE = {"/search": {"q": "care"}, "/api/v1/search": {"q": "care"}}


def _values(name: str):
    return KINDS.get(name, TEXTS)


def _query(base: dict, name: str, value: str) -> str:
    args = {**base, name: value}
    return "&".join(f"{quote(k)}={quote(v)}" for k, v in args.items())


def test_page_filters_and_paging(world, probe):
    web, _token = world["web"]["provider"]
    found = web.client.get(f"/o/{world['slugs']['provider']}/search?q=care").get_data(as_text=True)
    assert "evidence.pdf" in found, "the search must find something, so that its pages reach the database"
    tried_values = 0
    for who, pages in PAGES.items():
        web, _token = world["web"][who]
        for path, names in pages.items():
            url = f"/o/{world['slugs'][who]}{path.format(**world['ids'])}"
            base = BASE.get(path, {})
            for name in names:
                for value in _values(name):
                    full = f"{url}?{_query(base, name, value)}"
                    probe.check(f"{who} GET {full[:160]}", lambda: web.client.get(full))
                    tried_values += 1
    probe.assert_clean(minimum=500)


def _api_queries(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    declared = {}
    for path, item in spec["paths"].items():
        get = item.get("get")
        if get:
            names = [p["name"] for p in get.get("parameters", []) + item.get("parameters", []) if p["in"] == "query"]
            declared[path] = names
    for path, names in declared.items():  # the slug twin takes the slugless route's parameters
        if not names and path.startswith("/api/v1/orgs/{slug}/"):
            declared[path] = declared.get(path.replace("/orgs/{slug}", ""), [])
    return {path: names for path, names in declared.items() if names}


def test_the_api_declares_its_query_parameters(app):
    declared = _api_queries(app)
    assert {"/api/v1/returns", "/api/v1/reviews", "/api/v1/orgs/{slug}/documents", "/api/v1/orgs/{slug}/audit",
            "/api/v1/search", "/api/v1/dashboards/compliance", "/api/v1/dashboards/outcomes"} <= set(declared)


@pytest.mark.parametrize("who", ["provider", "commissioner"])
def test_api_filters_and_paging(app, world, probe, who):
    headers = world["api"][who]
    client = app.test_client()
    for path, names in _api_queries(app).items():
        url = path.replace("{slug}", world["slugs"][who])
        base = BASE.get(path.replace(f"/orgs/{world['slugs'][who]}", ""), {})
        for name in names:
            for value in _values(name):
                full = f"{url}?{_query(base, name, value)}"
                response = probe.check(f"{who} GET {full[:160]}", lambda: client.get(full, headers=headers))
                if response is not None and response.status_code >= 400 and not response.is_json:
                    probe.problems.append(f"{full[:160]}: {response.status_code} is not JSON")
    probe.assert_clean(minimum=200)


def test_broken_text_in_any_query_value_is_422(app, world, probe):
    """NUL, lone surrogates and bytes that are not UTF-8, in any parameter of any page or API address."""
    web, _token = world["web"]["commissioner"]
    headers = world["api"]["commissioner"]
    slug = world["slugs"]["commissioner"]
    for url in (f"/o/{slug}/search?q=", f"/o/{slug}/returns/?provider=", f"/o/{slug}/dashboards/compliance?locality=",
                f"/o/{slug}/outcomes/?service_type=", f"/o/{slug}/reviews/?provider=", "/sign-in?next="):
        for bad in BROKEN:
            response = probe.check(f"GET {url}{bad}", lambda: web.client.get(url + bad), allowed={422})
            if response is not None and response.status_code == 422:
                page = response.get_data(as_text=True)
                field = url.rsplit("?", 1)[1].rstrip("=")
                if f"‘{field}’" not in page:
                    probe.problems.append(f"{url}{bad}: the page does not name the field {field}")
    for url in ("/api/v1/search?q=", "/api/v1/returns?status=", "/api/v1/reviews?locality=",
                "/api/v1/dashboards/compliance?provider=", f"/api/v1/orgs/{slug}/documents?q=",
                "/api/v1/dashboards/outcomes?locality="):
        for bad in BROKEN:
            response = probe.check(f"GET {url}{bad}", lambda: app.test_client().get(url + bad, headers=headers),
                                   allowed={422})
            if response is not None and response.status_code == 422:
                body = response.get_json()
                field = url.rsplit("?", 1)[1].rstrip("=")
                if field not in body["message"] or field not in body["errors"]["query"]:
                    probe.problems.append(f"{url}{bad}: the answer does not name the field {field}: {body}")
    # in a parameter's name too
    probe.check("name", lambda: web.client.get(f"/o/{slug}/search?q%00=x"), allowed={422})
    probe.assert_clean(minimum=40)
