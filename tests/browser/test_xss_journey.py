"""The XSS corpus (tests/security/xss_corpus.py) in headless Chromium: on every page that shows
it, no script of it runs (``window.__xss`` stays unset, no dialog opens) and the Content
Security Policy reports no violation (an injected inline script or handler would be blocked,
and counted here). The corpus's focus handler comes with ``autofocus``, so it would run on load.
The world and the pages are those of tests/security/test_input.py (every typed column holds the
corpus; one page of each kind that shows any). It lives with the browser journeys, whose one
Chromium and live server it shares (a second Playwright in the same process cannot start)."""
from __future__ import annotations

import re

import pytest

from portal.tenants.models import ROLES
from tests.security.xss_corpus import CORPUS, FREE_TEXT, crawl, fill_every_text_field, marker, xss_world

pytestmark = pytest.mark.browser
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(e.violatedDirective + ' ' + (e.sample || e.blockedURI)));
"""


def _signed_in(browser, server, email: str):
    from tests.conftest import PASSWORD

    context = browser.new_context(base_url=server, locale="en-GB")
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/sign-in" not in page.url, "sign-in failed"
    return context, page


def _pages_with_the_corpus(app, world, kind: str) -> list[str]:
    """The pages the side's administrator reaches (the crawl of the test-client suite) that show a
    typed column, one page of each kind (ids taken out of the path)."""
    from tests.conftest import Browserless

    web = Browserless(app.test_client())
    web.sign_in(world["users"][(kind, ROLES[kind][0])].email)
    start = [f"/o/{world['orgs'][kind].slug}/", "/account/"] + world["also"].get(kind, [])
    chosen = {}
    for url, html in crawl(web.client, start).items():
        if any(marker(column) in html for column in FREE_TEXT):
            chosen.setdefault(re.sub(r"/\d+", "/N", url.split("?")[0]), url)
    return sorted(chosen.values())


def test_no_payload_runs_in_the_browser(app, live_server, browser, superuser_engine):
    world = xss_world(app, superuser_engine)
    fill_every_text_field(superuser_engine)
    dialogs: list[str] = []
    problems: list[str] = []
    seen = 0
    for kind in ("provider", "commissioner"):
        urls = _pages_with_the_corpus(app, world, kind)
        context, page = _signed_in(browser, live_server, world["users"][(kind, ROLES[kind][0])].email)
        page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
        try:
            for url in urls:
                response = page.goto(url)
                assert response is not None and response.status == 200, (url, response and response.status)
                page.wait_for_load_state("load")
                state = page.evaluate("() => ({xss: window.__xss, violations: window.__violations})")
                if state["xss"] is not None:
                    problems.append(f"{url}: window.__xss was set")
                if state["violations"]:
                    problems.append(f"{url}: CSP violations {state['violations']}")
                seen += any(payload in page.inner_text("body") for payload in CORPUS)
        finally:
            context.close()
    assert not dialogs, dialogs
    assert not problems, "\n".join(problems)
    assert seen >= 30  # the payloads were really on the pages, shown as text
