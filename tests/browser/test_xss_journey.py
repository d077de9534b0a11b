"""The XSS corpus (tests/security/xss_corpus.py) in headless Chromium: on every page that shows
it, no script of it runs (``window.__xss`` stays unset, no dialog opens) and the Content
Security Policy reports no violation (an injected inline script or handler would be blocked,
and counted here). The corpus's focus handler comes with ``autofocus``, so it would run on load.
It lives with the browser journeys, whose one Chromium and live server it shares (a second
Playwright in the same process cannot start)."""
from __future__ import annotations

import pytest

from tests.security.xss_corpus import CORPUS, seed

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


def test_no_payload_runs_in_the_browser(app, contract_setup, live_server, browser):
    pages = seed(contract_setup)
    people = {"provider": contract_setup["provider_admin"].email, "commissioner": contract_setup["manager"].email}
    dialogs: list[str] = []
    problems: list[str] = []
    seen = 0
    for side, urls in pages.items():
        context, page = _signed_in(browser, live_server, people[side])
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
                text = page.inner_text("body")
                seen += sum(payload in text for payload in CORPUS)
        finally:
            context.close()
    assert not dialogs, dialogs
    assert not problems, "\n".join(problems)
    assert seen >= len(CORPUS) * 4  # the payloads were really on the pages, shown as text
