"""Page weight: bytes over the wire per page for each kind of user, with a cold cache and a warm
one, as a browser that sends ``Accept-Encoding: gzip`` gets them (issue 12, measurement 7).

    .venv/bin/python -m bench.pageweight        # its own services and the demo data, in var/bench-pageweight

Cold: the HTML and every stylesheet, script and image it references (and the images the
stylesheets reference), fonts excluded. Warm: the HTML and whatever of those a browser may not
keep (no ``Cache-Control`` lifetime, ``no-cache`` or ``no-store``). Each answer counts its
compressed body and its header lines. Targets: under 100 KB cold, under 30 KB warm.

``measure(base_url, sign_in)``: ``sign_in(client, who)`` signs an ``httpx.Client`` (whose
``base_url`` is set) in as ``"provider"`` (a submitter) or ``"commissioner"`` (a contract
manager) and returns the organisation's slug; the pages' ids are found by following the lists.
"""
from __future__ import annotations

import argparse
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

COLD_TARGET_KB = 100
WARM_TARGET_KB = 30
FONT = re.compile(r"\.(woff2?|ttf|otf|eot)(\?|$)", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
DEMO_ACCOUNTS = {"provider": "staff@riverside-care.example", "commissioner": "commissioner@glasgow-hscp.example"}
GZIP = {"Accept-Encoding": "gzip", "Accept": "text/html,*/*"}


class References(HTMLParser):
    """What a browser fetches for a page: stylesheets, scripts, images, icons."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href") and set((attrs.get("rel") or "").split()) & {
                "stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload"}:
            if attrs.get("as") != "font":
                self.urls.append(attrs["href"])
        elif tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])


def wire_bytes(response: httpx.Response) -> int:
    """The compressed body as sent, and the status and header lines."""
    headers = sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + len("HTTP/1.1 200 OK\r\n\r\n")
    return response.num_bytes_downloaded + headers


def cacheable(response: httpx.Response) -> bool:
    control = response.headers.get("cache-control", "").lower()
    if "no-store" in control or "no-cache" in control:
        return False
    ages = re.findall(r"max-age=(\d+)", control)
    return bool(ages and int(ages[0]) > 0) or "immutable" in control


def weigh(client: httpx.Client, path: str) -> dict:
    """One page: its HTML and everything it references, each fetched once."""
    page = client.get(path, headers=GZIP)
    if page.status_code != 200:
        raise RuntimeError(f"{path} answered {page.status_code}")
    parser = References()
    parser.feed(page.text)
    page_url = str(page.url)
    queue = [urljoin(page_url, u) for u in parser.urls]
    seen: set[str] = set()
    assets = []
    while queue:
        url = queue.pop(0)
        if url in seen or FONT.search(url) or urlsplit(url).netloc != urlsplit(page_url).netloc:
            continue
        seen.add(url)
        answer = client.get(url, headers={**GZIP, "Accept": "*/*"})
        assets.append({"url": urlsplit(url).path, "bytes": wire_bytes(answer), "status": answer.status_code,
                       "encoding": answer.headers.get("content-encoding"), "cacheable": cacheable(answer),
                       "cache_control": answer.headers.get("cache-control")})
        if answer.headers.get("content-type", "").startswith("text/css"):
            queue += [urljoin(url, u) for u in CSS_URL.findall(answer.text) if not u.startswith("data:")]
    html = wire_bytes(page)
    cold = html + sum(a["bytes"] for a in assets)
    warm = html + sum(a["bytes"] for a in assets if not a["cacheable"])
    return {"path": path, "html_bytes": html, "html_encoding": page.headers.get("content-encoding"),
            "html_uncompressed_bytes": len(page.content), "cold": round(cold / 1024, 1), "warm": round(warm / 1024, 1),
            "assets": assets}


#: Why a page can be heavy at national scale, and what would make it light.
HEAVY_BECAUSE = {
    "outcomes_dashboard": (": pages are sent uncompressed (against BREACH: portal._compression), and it holds nine "
                           "trend charts with their table and 25 providers by nine outcomes; the trend on a page "
                           "of its own and fewer providers a page would meet it"),
    "outcome_page": (": its chart (drawn wide and narrow) and table have a row for every provider, so it grows with "
                     "the commissioner's providers; a chart of the providers' spread and the table a page at a "
                     "time would meet it"),
    "compliance_dashboard": (": 25 providers by twelve months with a link in every cell, and charts drawn wide and "
                             "narrow; fewer providers or months a page, or a chart of the spread, would meet it"),
}


def first_link(client: httpx.Client, list_path: str, pattern: str) -> str | None:
    answer = client.get(list_path)
    found = re.search(pattern, answer.text) if answer.status_code == 200 else None
    return found.group(0) if found else None


def pages_of(base_url: str, sign_in) -> dict[str, tuple[httpx.Client, str]]:
    """The pages to weigh, each with a client signed in as the person who sees it."""
    anonymous = httpx.Client(base_url=base_url, timeout=60, follow_redirects=True)
    provider = httpx.Client(base_url=base_url, timeout=60, follow_redirects=True)
    commissioner = httpx.Client(base_url=base_url, timeout=60, follow_redirects=True)
    p_slug = sign_in(provider, "provider")
    c_slug = sign_in(commissioner, "commissioner")
    pages = {"sign_in": (anonymous, "/sign-in")}
    ret = first_link(provider, f"/o/{p_slug}/returns/", rf"/o/{p_slug}/returns/\d+(?=[\"'])")
    if ret:
        pages["provider_return"] = (provider, ret)
    document = first_link(provider, f"/o/{p_slug}/documents/", rf"/o/{p_slug}/documents/\d+(?=[\"'])")
    if document:
        pages["document"] = (provider, document)
    pages["outcomes_dashboard"] = (commissioner, f"/o/{c_slug}/outcomes/")
    outcome = first_link(commissioner, f"/o/{c_slug}/outcomes/", rf"/o/{c_slug}/outcomes/\d+(?=[\"'])")
    if outcome:
        pages["outcome_page"] = (commissioner, outcome)
    pages["compliance_dashboard"] = (commissioner, f"/o/{c_slug}/dashboards/compliance")
    pages["review_queue"] = (commissioner, f"/o/{c_slug}/reviews/")
    pages["tenders_list"] = (commissioner, f"/o/{c_slug}/tenders/")
    return pages


def notes_for(detail: dict) -> str | None:
    """The pages over a target, with why, and the pages that could not be measured."""
    missing = {"provider_return", "document"} - set(detail)
    notes = [f"{name}: {d['cold']} KB cold (target {COLD_TARGET_KB}){HEAVY_BECAUSE.get(name, '')}"
             for name, d in detail.items() if d["cold"] >= COLD_TARGET_KB]
    notes += [f"{name}: {d['warm']} KB warm (target {WARM_TARGET_KB})" for name, d in detail.items()
              if d["warm"] >= WARM_TARGET_KB]
    notes += [f"{name}: not measured (no such page in the data)" for name in sorted(missing)]
    return "; ".join(notes) if notes else None


def measure(base_url: str, sign_in) -> dict:
    pages = pages_of(base_url, sign_in)
    detail = {}
    try:
        for name, (client, path) in pages.items():
            detail[name] = weigh(client, path)
    finally:
        for client in {id(c): c for c, _ in pages.values()}.values():
            client.close()
    result = {"page_weight_kb": {name: {"cold": d["cold"], "warm": d["warm"]} for name, d in detail.items()},
              "page_weight_detail": detail}
    notes = notes_for(detail)
    if notes:
        result["notes"] = notes
    return result


def demo_sign_in(client: httpx.Client, who: str) -> str:
    """Sign in with the demo account (the demo data's password; neither account uses MFA)."""
    from portal.dev.demo import DEMO_PASSWORD

    form = client.get("/sign-in")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text)
    answer = client.post("/sign-in", data={"csrf_token": token.group(1) if token else "",
                                           "email": DEMO_ACCOUNTS[who], "password": DEMO_PASSWORD})
    slug = re.search(r"/o/([a-z0-9-]+)/", str(answer.url)) or re.search(r'href="/o/([a-z0-9-]+)/', answer.text)
    if answer.status_code != 200 or not slug:
        raise RuntimeError(f"could not sign in as {DEMO_ACCOUNTS[who]}: {answer.status_code} {answer.url}")
    return slug.group(1)


def print_result(result: dict) -> None:
    print(f"{'page':24} {'cold KB':>8} {'warm KB':>8}  HTML (as sent / uncompressed, encoding)")
    for name, d in result["page_weight_detail"].items():
        print(f"{name:24} {d['cold']:>8} {d['warm']:>8}  {d['html_bytes']:,} / {d['html_uncompressed_bytes']:,} B, "
              f"{d['html_encoding'] or 'not compressed'}")
    assets = {a["url"]: a for d in result["page_weight_detail"].values() for a in d["assets"]}
    for url, a in sorted(assets.items()):
        print(f"  {url:60} {a['bytes']:>8,} B {a['encoding'] or '-':5} {a['cache_control']}")
    if result.get("notes"):
        print(f"MISSED: {result['notes']}")


def main() -> None:
    from bench.stack import Processes, Stack, interruptible, uptime

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", help="write the figures to this JSON file as well")
    args = parser.parse_args()
    with interruptible(), Stack("pageweight", demo=True) as stack:
        processes = Processes(stack.env, stack.folder / "web")
        try:
            base_url, _ = processes.gunicorn(workers=2)
            result = measure(base_url, demo_sign_in)
        finally:
            processes.stop()
    result["load"] = uptime()
    print_result(result)
    print(result["load"])
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
