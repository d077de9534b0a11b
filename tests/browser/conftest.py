"""A live server for the app and headless Chromium driven by Playwright, with axe checks."""
from __future__ import annotations

import socket
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BLOCKING_IMPACTS = {"serious", "critical"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served over HTTP on 127.0.0.1 for the whole session; yields the base URL."""
    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh browser context (no cookies carried between tests)."""
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


NARROW = 375


def _axe(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    lines = []
    for violation in blocking:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')!r}")
    assert not blocking, f"axe found serious or critical violations on {page.url}:\n" + "\n".join(lines)


def check_accessibility(page) -> None:
    """Every page of the journeys, at the width the journey uses and at 375 px: no axe violation of
    serious or critical impact (naming the rules and nodes), and no sideways scrolling at 375 px."""
    page.wait_for_load_state()  # axe reads a whole document, never one a click is replacing
    _axe(page)
    size = page.viewport_size
    if size and size["width"] != NARROW:
        page.set_viewport_size({"width": NARROW, "height": size["height"]})
        try:
            assert_no_horizontal_scroll(page)
            _axe(page)
        finally:
            page.set_viewport_size(size)
    else:
        assert_no_horizontal_scroll(page)


_OVERFLOW_SCRIPT = """() => {
  const width = window.innerWidth;
  const clips = (el) => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const position = getComputedStyle(el).position;
    // Its box, or its text running out of its box (a long email address in a heading).
    const right = clips(el) ? box.right : Math.max(box.right, box.left + el.scrollWidth);
    if (box.width === 0 || right <= width + 1 || position === 'fixed') continue;
    // An element inside a region that scrolls sideways is fine, unless it is positioned out of it
    // (an absolutely positioned element escapes a scrolling region that is not positioned itself).
    let parent = el.parentElement, clipped = false, anchored = position !== 'absolute';
    while (parent && parent !== document.body) {
      anchored = anchored || getComputedStyle(parent).position !== 'static';
      if (clips(parent) && anchored) { clipped = true; break; }
      parent = parent.parentElement;
    }
    if (clipped) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    culprits.push(`${name} (right edge at ${Math.round(right)} px)`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits: culprits.slice(0, 15)};
}"""


def assert_no_horizontal_scroll(page) -> None:
    """Fail when the page scrolls sideways (``document.documentElement.scrollWidth`` wider than the
    window), naming the elements that stick out. Call it with the page at 375 px wide
    (``page.set_viewport_size({"width": 375, "height": 800})``); a wide table belongs in
    ``scroll_table`` (templates/components/tables.html)."""
    found = page.evaluate(_OVERFLOW_SCRIPT)
    assert found["scrollWidth"] <= found["innerWidth"], (
        f"{page.url} scrolls sideways at {found['innerWidth']} px (the page is {found['scrollWidth']} px wide); "
        "these stick out:\n    " + "\n    ".join(found["culprits"] or ["(none found: look for a margin or a "
                                                                      "positioned element)"]))


def answer_code_if_asked(page, email: str) -> None:
    """After the password: when the portal asks for the code of the account's authenticator (the
    factories enrol everyone who must use MFA with ``factories.TOTP_SECRET``), type it in."""
    page.wait_for_load_state()
    if page.url.split("?")[0].endswith("/sign-in/code"):
        from tests import factories

        page.get_by_label("Code from your authenticator app").fill(factories.totp_code(email))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
