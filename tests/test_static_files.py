"""Static files: hashed names, compressed answers, a year's cache, and a new name for a changed file."""
from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from portal.config import PROJECT_ROOT

HASHED = re.compile(r"^/static/dist/[\w./-]+\.[0-9a-f]{12}\.(css|js)$")


def _assets(client) -> list[str]:
    page = client.get("/sign-in")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    return ([link["href"] for link in soup.select("link[rel=stylesheet]")]
            + [script["src"] for script in soup.select("script[src]")])


def test_the_pages_css_and_javascript_carry_their_hash_and_are_kept_for_a_year(client):
    urls = _assets(client)
    assert len(urls) == 4, urls  # portal.css, GOV.UK Frontend, init.js, htmx
    for url in urls:
        assert HASHED.match(url), url
        response = client.get(url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable", url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Encoding" not in response.headers
    css = next(u for u in urls if u.endswith(".css"))
    assert client.get(css).headers["Content-Type"].startswith("text/css")


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_css_and_javascript_are_answered_compressed_when_the_browser_asks(client, encoding):
    for url in _assets(client):
        plain = client.get(url, headers={"Accept-Encoding": "identity"}).get_data()
        if len(plain) < 2000:  # init.js is three lines: compressing it would save nothing worth a header
            continue
        response = client.get(url, headers={"Accept-Encoding": f"{encoding}, deflate"})
        assert response.headers.get("Content-Encoding") == encoding, url
        assert "Accept-Encoding" in response.headers["Vary"]
        body = response.get_data()
        assert len(body) < len(plain) * 0.6, url
        if encoding == "gzip":
            assert gzip.decompress(body) == plain


def test_files_a_stylesheet_or_module_loads_are_hashed_too(client):
    """The CSS's images and init.js's import of GOV.UK Frontend name hashed files that exist."""
    urls = _assets(client)
    css = client.get(next(u for u in urls if u.endswith(".css"))).get_data(as_text=True)
    images = re.findall(r"url\(\"?([^\")]+)\"?\)", css)
    assert images, "the stylesheet shows no images?"
    for image in images:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", image), image
        assert client.get(image).status_code == 200, image
    init = next(u for u in urls if "/js/init." in u)
    imports = re.findall(r"from \"([^\"]+)\"", client.get(init).get_data(as_text=True))
    frontend = next(u for u in urls if "govuk-frontend" in u)
    assert [str(Path(init).parent / i).replace("/js/../", "/") for i in imports] == [frontend]


def test_the_page_keeps_its_content_security_policy_and_plain_names_a_short_cache(client):
    page = client.get("/sign-in")
    assert "script-src 'self' 'nonce-" in page.headers["Content-Security-Policy"]
    plain = client.get("/static/css/portal.css")
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == "max-age=300, public"
    assert client.get("/static/dist/css/portal.000000000000.css").status_code == 404


def test_a_changed_file_gets_a_new_name_and_so_does_the_stylesheet_that_shows_it(tmp_path):
    node = shutil.which("node")
    assert node, "node is needed to build the assets (make assets)"
    (tmp_path / "css").mkdir()
    (tmp_path / "img").mkdir()
    (tmp_path / "js").mkdir()
    (tmp_path / "img" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "css" / "site.css").write_text(
        ".a{background:url(/static/img/logo.svg)}.b{background:url('../img/logo.svg')}"
        ".c{background:url(data:image/png;base64,AAAA)}" + ".x{color:red}" * 200)
    (tmp_path / "js" / "lib.js").write_text("export const answer = 42;\n")
    (tmp_path / "js" / "main.js").write_text('import { answer } from "./lib.js";\nconsole.log(answer);\n')

    def build() -> dict[str, str]:
        subprocess.run([node, str(PROJECT_ROOT / "assets" / "digest.mjs"), str(tmp_path)], check=True,
                       capture_output=True)
        return json.loads((tmp_path / "dist" / "staticfiles.json").read_text())["files"]

    first = build()
    assert set(first) == {"css/site.css", "img/logo.svg", "js/lib.js", "js/main.js"}
    css = (tmp_path / first["css/site.css"]).read_text()
    logo = first["img/logo.svg"]
    assert f"url(/static/{logo})" in css
    assert f"url('../img/{Path(logo).name}')" in css
    assert "url(data:image/png;base64,AAAA)" in css
    assert (tmp_path / (first["css/site.css"] + ".gz")).exists()
    assert (tmp_path / (first["css/site.css"] + ".br")).exists()
    main = (tmp_path / first["js/main.js"]).read_text()
    assert f'from "./{Path(first["js/lib.js"]).name}"' in main

    assert build() == first  # the same content, the same names

    (tmp_path / "img" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><title>new</title></svg>")
    second = build()
    assert second["img/logo.svg"] != first["img/logo.svg"]
    assert second["css/site.css"] != first["css/site.css"]  # it names the new logo
    assert second["js/main.js"] == first["js/main.js"]
    assert not (tmp_path / first["img/logo.svg"]).exists()  # an old build leaves nothing behind
