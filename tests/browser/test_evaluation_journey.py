"""Two evaluators declare their interests and score every bid on their own, the moderator records
the consensus, the procurement lead reads the ranking and awards the lot after checking it, and an
unsuccessful bidder reads its outcome. Headless Chromium, axe on every page (and at 375 px)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.test_journey import sign_in, sign_out
from tests.procurement.evaluation_setup import CONSENSUS, market

pytestmark = pytest.mark.browser


def _score_every_bid(page, tender_id: int, spread: int, *, first_time: bool) -> None:
    page.get_by_role("link", name="Tenders").first.click()
    page.get_by_role("link", name="Care at home, south").click()
    page.get_by_role("link", name="Your part in the evaluation").click()
    page.get_by_role("button", name="Declare your interests").click()
    check_accessibility(page)
    if first_time:
        page.get_by_role("button", name="Make the declaration").click()
        expect(page.get_by_role("alert")).to_contain_text("Say whether you have a conflict of interest")
        check_accessibility(page)
    page.get_by_label("No, I have no conflict of interest").check()
    page.get_by_role("button", name="Make the declaration").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("you can now read and score the bids")
    check_accessibility(page)
    for round_ in range(3):
        link = page.get_by_role("link", name=re.compile(r"^Score (Fern|Oak|Ash) Care, lot 1$")).first
        key = link.inner_text().split()[1].lower()
        link.click()
        expect(page.get_by_text("£")).to_have_count(0)  # no price before moderation
        if first_time and round_ == 0:
            check_accessibility(page)
            page.get_by_role("button", name="Submit your scores for this bid").click()
            expect(page.get_by_role("alert")).to_contain_text("Choose a score from 0 to 4 for question 1")
            check_accessibility(page)
        for number, value in enumerate(CONSENSUS[key], start=1):
            given = max(value - spread, 0) if number == 2 else value
            page.get_by_role("group", name=f"Your score for question {number}").get_by_label(
                re.compile(f"{given}: ")).check()
            page.get_by_label(f"Reason for the score of question {number}").fill(f"Evaluator view of {key} Q{number}")
        page.get_by_role("button", name="Submit your scores for this bid").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("are submitted")
    expect(page.get_by_text("You have no bids left to score")).to_be_visible()


def test_two_evaluators_score_the_moderator_moderates_and_the_lead_awards(app, page):
    m = market(app, declare=False)
    tender = m["tender"]

    sign_in(page, m["first"].email)
    _score_every_bid(page, tender.id, 0, first_time=True)
    sign_out(page)
    sign_in(page, m["second"].email)
    _score_every_bid(page, tender.id, 2, first_time=False)  # two points apart on question 2: flagged
    sign_out(page)

    sign_in(page, m["moderator"].email)
    page.goto(f"/o/glasgow-hscp/tenders/{tender.id}/evaluate")
    check_accessibility(page)
    page.get_by_role("link", name="Moderation of lot 1").click()
    expect(page.get_by_role("table")).to_contain_text("flagged")
    check_accessibility(page)
    for key in ("fern", "oak", "ash"):
        page.get_by_role("link", name=f"Moderate {key.title()} Care").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Moderate {key.title()} Care")
        if key == "fern":
            expect(page.get_by_text("Flagged: scores differ by 2 or more")).to_be_visible()
            check_accessibility(page)
        for number, value in enumerate(CONSENSUS[key], start=1):
            page.get_by_role("group", name=f"Consensus score for question {number}").get_by_label(
                re.compile(f"{value}: ")).check()
            page.get_by_label(f"Reason for the score of question {number}").fill(
                f"Agreed for {key}: question {number} scored {value}")
        page.get_by_role("button", name="Record the consensus scores").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("consensus scores")
    page.get_by_role("link", name="See the ranking").click()
    expect(page.get_by_role("table")).to_contain_text("56.00 + 28.13 = 84.13")
    check_accessibility(page)
    sign_out(page)

    sign_in(page, m["lead"].email)
    page.goto(f"/o/glasgow-hscp/tenders/{tender.id}/evaluate")
    page.get_by_role("link", name="Award lot 1").click()
    expect(page.get_by_label("Rank 1: Oak Care")).to_be_checked()
    check_accessibility(page)
    page.get_by_label("Rank 2: Fern Care").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the reason for not awarding the lot to the top-ranked bid")
    check_accessibility(page)
    page.get_by_label("Rank 1: Oak Care").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check the award before you send it")
    check_accessibility(page)
    page.get_by_role("button", name="Confirm the award and tell every bidder").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Lot 1 is awarded to Oak Care")
    check_accessibility(page)
    sign_out(page)

    sign_in(page, "staff@fern.example")
    page.get_by_role("link", name="Tenders").first.click()
    page.get_by_role("link", name="Care at home, south").click()
    page.get_by_role("link", name="The award, and the outcome of your organisation’s bids").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Unsuccessful")
    expect(page.get_by_text("The successful bid of Oak Care")).to_be_visible()
    check_accessibility(page)
    html = page.content()
    assert "Ash Care" not in html and "Agreed for ash" not in html
