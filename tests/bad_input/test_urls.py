"""Ids in addresses: any id too large for the database is a 404, like a missing row.

The rules are read from the URL map, so a new route with an id joins this suite by itself.
"""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

from tests.bad_input.conftest import BIG_IDS, fill, valid_arguments as _valid


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if ints:
            yield rule, ints


def test_every_int_converter_is_bounded(app):
    """The app's `int` is the bounded converter, so `<int:...>` everywhere stops at 2**63 - 1."""
    rules = list(_int_rules(app))
    assert len(rules) >= 20
    for rule, names in rules:
        for name in names:
            assert rule._converters[name].max == 2**63 - 1, rule.rule


def test_ids_out_of_range_are_404_on_pages(app, world, probe):
    for who in ("provider", "commissioner"):
        web, token = world["web"][who]
        for rule, names in _int_rules(app):
            if rule.rule.startswith("/api/"):
                continue
            for name in names:
                for big in (*BIG_IDS, -1):
                    url = fill(rule, {**_valid(world, rule, who), name: big})
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                        data = {"csrf_token": token} if method == "POST" else None
                        probe.check(f"{who} {method} {url}", lambda: web.client.open(url, method=method, data=data),
                                    allowed={404})
    probe.assert_clean(minimum=100)


def test_ids_out_of_range_are_404_in_the_api(app, world, probe):
    for who in ("provider", "commissioner"):
        headers = world["api"][who]
        for rule, names in _int_rules(app):
            if not rule.rule.startswith("/api/"):
                continue
            for name in names:
                for big in BIG_IDS:
                    url = fill(rule, {**_valid(world, rule, who), name: big})
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                        response = probe.check(f"{who} {method} {url}", lambda: app.test_client().open(
                            url, method=method, headers=headers, json={}), allowed={404})
                        if response is not None and response.status_code == 404 and not response.is_json:
                            probe.problems.append(f"{method} {url}: a 404 that is not JSON")
    probe.assert_clean(minimum=20)


def test_the_largest_id_is_a_missing_row(app, world, probe):
    """2**63 - 1 fits the column: the loaders look and find nothing."""
    web, _token = world["web"]["provider"]
    slug = world["slugs"]["provider"]
    for url in (f"/o/{slug}/returns/{2**63 - 1}", f"/o/{slug}/documents/{2**63 - 1}",
                f"/o/{slug}/returns/{world['ids']['return_id']}/versions/{2**63 - 1}"):
        probe.check(url, lambda: web.client.get(url), allowed={404})
    headers = world["api"]["provider"]
    for url in (f"/api/v1/returns/{2**63 - 1}", f"/api/v1/orgs/{slug}/documents/{2**63 - 1}"):
        probe.check(url, lambda: app.test_client().get(url, headers=headers), allowed={404})
    probe.assert_clean(minimum=5)


def test_broken_text_anywhere_is_refused_before_any_view(app, world, probe):
    """Every route, page or API, any method: a NUL or a lone surrogate in a query value, a form field or
    a JSON body is a 422 that names the field."""
    web, token = world["web"]["commissioner"]
    headers = world["api"]["commissioner"]
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = fill(rule, _valid(world, rule, "commissioner"))
        api = rule.rule.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            client = app.test_client() if api else web.client
            extra = {"headers": headers} if api else {}
            probe.check(f"{method} {url}?note=%00", lambda: client.open(url + "?note=a%00b", method=method, **extra),
                        allowed={422})
            if method == "GET":
                continue
            if api:
                probe.check(f"{method} {url} json", lambda: client.open(
                    url, method=method, data='{"note": "a\\ud800b"}', content_type="application/json", **extra),
                            allowed={422})
            else:
                probe.check(f"{method} {url} form", lambda: client.open(
                    url, method=method, data={"csrf_token": token, "note": "a\x00b"}), allowed={422})
    probe.assert_clean(minimum=150)


def test_nul_and_bad_bytes_in_the_path_are_404(app, world, probe):
    web, _token = world["web"]["provider"]
    slug = world["slugs"]["provider"]
    return_id = world["ids"]["return_id"]
    for url in (f"/o/{slug}%00/", "/o/%00/returns/", f"/o/{slug}/returns/{return_id}/tasks/deli%00very",
                "/password/reset/abc%00def", "/invitations/abc%00def"):
        probe.check(url, lambda: web.client.get(url), allowed={404})
    headers = world["api"]["provider"]
    probe.check("api NUL", lambda: app.test_client().get(f"/api/v1/orgs/{slug}%00/contracts", headers=headers),
                allowed={404})
    # A server hands the path over as the raw bytes, one latin-1 character each (PEP 3333); the test
    # client would have decoded them already, so the bytes go straight into the environment.
    surrogate = "\xed\xa0\x80"  # UTF-8 for U+D800, which is not valid UTF-8
    for path in (f"/o/{slug}/returns/{return_id}/tasks/{surrogate}", f"/invitations/{surrogate}", f"/o/{surrogate}/",
                 f"/o/{slug}/returns/{return_id}/tasks/\xff"):
        probe.check(repr(path), lambda: web.client.get("/", environ_overrides={"PATH_INFO": path}), allowed={404})
    probe.check("api bytes", lambda: app.test_client().get("/", headers=headers, environ_overrides={
        "PATH_INFO": f"/api/v1/orgs/{surrogate}/documents"}), allowed={404})
    probe.assert_clean(minimum=10)

