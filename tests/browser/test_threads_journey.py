"""A commissioner opens a market-wide thread (after leaving the form empty once); two providers
ask, neither seeing the other's question or name; the commissioner replies, puts one reply in the
answer set worded without the asker, and publishes it; the other provider reads the set. Headless
Chromium, axe on every page (and the 375 px check that nothing scrolls sideways)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in, sign_out

pytestmark = pytest.mark.browser


def _ask(page, email: str, question: str) -> None:
    sign_in(page, email)
    page.get_by_role("link", name="Market engagement").first.click()
    page.get_by_role("link", name="Recommissioning supported living 2027").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommissioning supported living 2027")
    check_accessibility(page)
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your question")
    check_accessibility(page)
    page.get_by_label("Your question").fill(question)
    page.get_by_role("button", name="Send the question").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your question has been sent")


def test_a_market_thread_from_questions_to_a_published_answer_set(app, page):
    aberdeen = factories.organisation("commissioner", slug="aberdeen-hscp", name="Aberdeen City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    oak = factories.organisation("provider", slug="oak-support", name="Oak Support")
    officer = factories.user("officer@aberdeen.example", memberships=[(aberdeen, "procurement")])
    fern_staff = factories.user("staff@fern.example", memberships=[(fern, "submitter")])
    oak_staff = factories.user("staff@oak.example", memberships=[(oak, "provider_admin")])

    sign_in(page, officer.email)
    page.get_by_role("link", name="Market engagement").first.click()
    check_accessibility(page)
    page.get_by_role("button", name="Open a thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a thread")
    page.get_by_role("button", name="Open the thread").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the title")
    check_accessibility(page)
    page.get_by_label("Title").fill("Recommissioning supported living 2027")
    page.get_by_label("Description").fill("Questions from the provider session of 4 March.")
    page.get_by_label("Market-wide").check()
    page.get_by_role("button", name="Open the thread").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is open for questions")
    check_accessibility(page)
    sign_out(page)

    _ask(page, fern_staff.email, "Fern Care’s Torry tenants ask: will sleepovers be paid at the living wage?")
    sign_out(page)
    _ask(page, oak_staff.email, "How long will the new contracts run?")
    expect(page.get_by_text("How long will the new contracts run?")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("sleepovers")
    expect(page.locator("main")).not_to_contain_text("Fern Care")
    sign_out(page)

    sign_in(page, officer.email)
    page.get_by_role("link", name="Market engagement").first.click()
    page.get_by_role("link", name="Recommissioning supported living 2027").click()
    expect(page.get_by_role("heading", name="Question 1 from Fern Care")).to_be_visible()
    expect(page.get_by_role("heading", name="Question 2 from Oak Support")).to_be_visible()
    check_accessibility(page)
    for number, reply in ((1, "Yes: at least the Scottish Living Wage for every hour."), (2, "Five years.")):
        page.get_by_role("link", name=re.compile(rf"^Reply\W+to question {number}$")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Reply to")
        check_accessibility(page)
        page.get_by_label("Your reply").fill(reply)
        page.get_by_role("button", name="Send the reply").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Your reply has been sent")
    page.get_by_role("link", name=re.compile(r"^Add to the answer set\W+question 1$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add to the answer set")
    page.get_by_label("The question, as it will be published").fill("")
    page.get_by_role("button", name="Save to the answer set").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the question as it will be published")
    check_accessibility(page)
    page.get_by_label("The question, as it will be published").fill("Will sleepovers be paid at the living wage?")
    page.get_by_role("button", name="Save to the answer set").click()
    expect(page.get_by_text("Waiting to be published")).to_be_visible()
    page.get_by_role("button", name="Publish the answer set").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("1 answer published")
    expect(page.get_by_role("heading", name="Question 1")).to_be_visible()
    check_accessibility(page)
    sign_out(page)

    sign_in(page, oak_staff.email)
    page.get_by_role("link", name="Market engagement").first.click()
    page.get_by_label("Search threads and answers").fill("sleepovers")
    page.get_by_role("button", name="Search").click()
    check_accessibility(page)
    page.get_by_role("link", name="Recommissioning supported living 2027").click()
    page.get_by_role("link", name="Read the answer set").click()
    expect(page.locator("main")).to_contain_text("Will sleepovers be paid at the living wage?")
    expect(page.locator("main")).to_contain_text("at least the Scottish Living Wage")
    expect(page.locator("main")).not_to_contain_text("Fern Care")
    expect(page.locator("main")).not_to_contain_text("Torry")
    check_accessibility(page)
