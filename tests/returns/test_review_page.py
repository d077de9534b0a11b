"""The review page: answers grouped by outcome with the rate against the previous period's,
delivery against contracted, the differences from the previous version word by word, the
request for changes (sections, a comment each, a date to respond by) and who accepted it."""
from __future__ import annotations

import re
from datetime import date, timedelta

from bs4 import BeautifulSoup

from portal.returns.diffs import ADDED, REMOVED, SAME, Segment, word_diff
from tests import factories

JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _section(soup: BeautifulSoup, key: str) -> str:
    """The text of one outcome's (or delivery's) summary list on the page."""
    heading = soup.find(id=f"section-{key}")
    assert heading is not None, f"no section {key}"
    return " ".join(heading.find_next("dl").get_text(" ").split())


def _return_url(setup, period=FEB) -> str:
    ret = factories.return_of(setup["contract"], period)
    return f"/o/{setup['commissioner'].slug}/returns/{ret.id}"


def test_word_diff_marks_words_not_letters():
    assert word_diff("The cat sat on the mat", "The dog sat on the mat") == [
        Segment(SAME, "The "), Segment(REMOVED, "cat"), Segment(ADDED, "dog"), Segment(SAME, " sat on the mat")]
    assert word_diff("", "New text") == [Segment(ADDED, "New text")]
    assert word_diff("Same", "Same") == [Segment(SAME, "Same")]
    appended = word_diff("Ten people were reviewed.", "Ten people were reviewed. Two moved home.")
    assert [s.kind for s in appended] == [SAME, ADDED] and appended[1].text.strip() == "Two moved home."


def test_answers_are_grouped_by_outcome_with_the_previous_periods_rate(app, web, client, contract_setup):
    contract = contract_setup["contract"]
    factories.submission(contract, JAN, on=date(2025, 2, 10), values={"NHWO-1.REVIEWED": "10", "NHWO-1.ACHIEVED": "5"})
    factories.submission(contract, FEB, on=date(2025, 3, 20), contracted="120", delivered="90",
                         values={"NHWO-1.REVIEWED": "20", "NHWO-1.ACHIEVED": "14", "NHWO-2.REVIEWED": "0",
                                 "NHWO-2.ACHIEVED": "0", "NHWO-1.NARRATIVE": "Fourteen people\nstayed at home."})
    web.sign_in(contract_setup["manager"].email)
    page = _soup(client.get(_return_url(contract_setup)))
    outcome1 = _section(page, "NHWO-1")
    assert "Achieved as a share of those reviewed 70.0%" in outcome1
    assert "Previous period 50.0%, so this period is up 20.0 percentage points" in outcome1
    assert "Evidence of this outcome Fourteen people stayed at home." in outcome1
    assert "No rate: nobody was reviewed" in _section(page, "NHWO-2")
    assert "Delivered against contracted 75.0% (90 of 120 hours, 30 fewer than contracted)" in _section(page, "delivery")
    headings = [h.get_text(" ", strip=True) for h in page.select(".portal-section-heading")]
    assert len(headings) == 10 and headings[-1].startswith("Service delivery")  # nine outcomes, then delivery
    text = page.get_text(" ")
    assert "first submitted 20 Mar 2025 12:00, late." in " ".join(text.split())  # due 14 March
    assert not re.search(r"\b[0-9a-f]{64}\b", page.select_one("main").get_text(" ").replace(
        page.select_one(".govuk-details__text").get_text(" "), ""))  # the fingerprint only under Technical details
    assert "NHWO-1.ACHIEVED" not in text and "DEL.UNITS_CONTRACTED" not in text  # no internal codes


def test_the_first_period_has_no_previous_rate(app, web, client, contract_setup):
    factories.submission(contract_setup["contract"], JAN, on=date(2025, 2, 10))
    web.sign_in(contract_setup["manager"].email)
    page = _soup(client.get(_return_url(contract_setup, JAN)))
    assert "Previous period No previous period: this is the contract’s first" in _section(page, "NHWO-1")


def test_a_previous_period_never_submitted_is_said_so(app, web, client, contract_setup):
    factories.submission(contract_setup["contract"], FEB, on=date(2025, 3, 10))  # January stays a draft
    web.sign_in(contract_setup["manager"].email)
    page = _soup(client.get(_return_url(contract_setup)))
    assert ("Previous period No figures: the return for the previous period has not been received"
            in _section(page, "NHWO-1"))  # to the commissioner a draft is not there at all


def test_differences_from_the_previous_version_are_shown_inline(app, web, client, contract_setup):
    contract = contract_setup["contract"]
    factories.submission(contract, FEB, on=date(2025, 3, 10),
                         values={"NHWO-3.NARRATIVE": "Nine people chose their own visit times.", "NHWO-3.ACHIEVED": "7"})
    factories.review(contract, FEB, "request_changes", on=date(2025, 3, 11), comment="Say how you know")
    factories.submission(contract, FEB, on=date(2025, 3, 12), values={
        "NHWO-3.NARRATIVE": "Nine people chose their own visit times, as their care plans record.",
        "NHWO-3.ACHIEVED": "8"})
    web.sign_in(contract_setup["manager"].email)
    response = client.get(_return_url(contract_setup))
    page = _soup(response)
    assert "2 answers changed since version 1" in page.get_text(" ")
    heading = page.find(id="section-NHWO-3")
    assert "Changed" in heading.get_text()
    answers = heading.find_next("dl")
    added = [" ".join(i.get_text(" ").split()) for i in answers.select("ins.portal-diff__added")]
    removed = [" ".join(d.get_text(" ").split()) for d in answers.select("del.portal-diff__removed")]
    assert "[removed: 7 ]" in removed and "[added: 8 ]" in added
    assert any("as their care plans record." in a for a in added)  # only the new words are marked
    assert not any("Nine people" in a for a in added + removed)
    assert "[removed: times. ]" in removed
    assert not answers.select("ins a, del a, a ins, a del")  # changes are never links
    unchanged = page.find(id="section-NHWO-4").find_next("dl")
    assert not unchanged.select("ins, del")
    version_page = _soup(client.get(_return_url(contract_setup) + "/versions/2"))
    assert version_page.select("#section-NHWO-3 ~ dl ins.portal-diff__added")
    assert "Technical details" in version_page.get_text() and "SHA-256" in version_page.select_one(
        ".govuk-details").get_text()


def _review(web, url, **fields):
    return web.post(f"{url}/review", fields, page=url)


def test_asking_for_changes_reports_every_problem_and_keeps_nothing(app, web, client, contract_setup):
    factories.submission(contract_setup["contract"], FEB, on=date(2025, 3, 10))
    web.sign_in(contract_setup["manager"].email)
    url = _return_url(contract_setup)
    refused = _review(web, url, **{"decision": "request_changes", "comment": "", "tasks": ["NHWO-1"],
                                    "section_comment_NHWO-1": "Say who was reviewed", "respond_by-day": "31",
                                    "respond_by-month": "2", "respond_by-year": "2030"})
    assert refused.status_code == 422
    page = _soup(refused)
    summary = [a.get_text(strip=True) for a in page.select(".govuk-error-summary a")]
    assert summary == ["The date to respond by must be a real date", "Say what the provider needs to change"]
    assert page.select_one(".govuk-error-summary a")["href"] == "#respond_by-day"
    assert page.select_one("input[name='tasks'][value='NHWO-1']").has_attr("checked")
    assert page.find(id="section_comment_NHWO-1").get_text() == "Say who was reviewed"  # what was typed stays
    assert page.find(id="respond_by-day")["value"] == "31"
    for fields, message in [
        ({"respond_by-day": "1", "respond_by-month": "", "respond_by-year": ""}, "must include a month and year"),
        ({"respond_by-day": "x", "respond_by-month": "1", "respond_by-year": "2030"}, "must be a real date"),
        ({"respond_by-day": "1", "respond_by-month": "1", "respond_by-year": "30"}, "Year must include 4 numbers"),
        ({"respond_by-day": "1", "respond_by-month": "1", "respond_by-year": "2020"}, "must be in the future"),
        ({"respond_by-day": "1", "respond_by-month": "1", "respond_by-year": "2150"}, "in 2099 or before"),
        ({"tasks": ["NHWO-1", "nonsense"]}, "nonsense is not one"),
        ({"decision": ""}, "Choose whether to accept the return or ask the provider for changes"),
    ]:
        answer = _review(web, url, **{"decision": "request_changes", "comment": "Fix it", **fields})
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), message
    assert "Submitted" in _soup(client.get(url)).select_one(".govuk-tag").get_text()  # nothing was saved

    respond_by = date.today() + timedelta(days=20)
    done = _review(web, url, **{"decision": "request_changes", "comment": "Two sections need more",
                                 "tasks": ["NHWO-1", "delivery"], "section_comment_NHWO-1": "Say who was reviewed",
                                 "section_comment_NHWO-2": "Not flagged, so not kept",
                                 "respond_by-day": str(respond_by.day), "respond_by-month": str(respond_by.month),
                                 "respond_by-year": str(respond_by.year)})
    assert done.status_code == 303
    ret = factories.return_of(contract_setup["contract"], FEB)
    assert ret.status == "changes_requested" and ret.problem_tasks == ["NHWO-1", "delivery"]
    assert ret.section_comments == {"NHWO-1": "Say who was reviewed"} and ret.respond_by == respond_by
    shown = _soup(client.get(url)).select_one(".portal-review-outcome").get_text(" ")
    assert "Changes requested by Test Person" in shown and "Say who was reviewed" in shown
    assert f"Respond by {respond_by.strftime('%-d %b %Y')}" in shown


def test_accepting_ignores_the_request_for_changes_and_shows_who_accepted(app, web, client, contract_setup):
    factories.submission(contract_setup["contract"], FEB, on=date(2025, 3, 10))
    web.sign_in(contract_setup["manager"].email)
    url = _return_url(contract_setup)
    # Without JavaScript the request for changes is on the page too; filled in, it does not count.
    done = _review(web, url, **{"decision": "accept", "tasks": ["NHWO-1"], "section_comment_NHWO-1": "x",
                                 "respond_by-day": "99", "respond_by-month": "", "respond_by-year": ""})
    assert done.status_code == 303
    ret = factories.return_of(contract_setup["contract"], FEB)
    assert ret.status == "accepted" and ret.problem_tasks == [] and ret.respond_by is None
    outcome = " ".join(_soup(client.get(url)).select_one(".portal-review-outcome").get_text(" ").split())
    assert re.search(r"Accepted by Test Person on \d+ \w{3} \d{4} \d\d:\d\d", outcome)


def test_the_review_form_reveals_the_request_for_changes_under_its_radio(app, web, client, contract_setup):
    factories.submission(contract_setup["contract"], FEB, on=date(2025, 3, 10))
    web.sign_in(contract_setup["manager"].email)
    page = _soup(client.get(_return_url(contract_setup)))
    radio = page.find("input", {"name": "decision", "value": "request_changes"})
    revealed = page.find(id=radio["data-aria-controls"])
    # Revealed by CSS (no script puts aria-expanded on a radio), so it is in the page, not hidden by a class
    assert revealed.find_parent(class_="portal-reveal") and "govuk-radios__conditional--hidden" not in revealed["class"]
    assert not revealed.find_parent(attrs={"data-module": "govuk-radios"})
    assert revealed.find_previous_sibling(class_="govuk-radios__item").find("input")["value"] == "request_changes"
    assert revealed.find("input", {"name": "tasks", "value": "NHWO-1"})
    assert revealed.find(id="respond_by-day") and revealed.find("textarea", {"name": "section_comment_NHWO-1"})
    checkbox = revealed.find("input", {"name": "tasks", "value": "NHWO-1"})
    assert page.find(id=checkbox["data-aria-controls"]).find("textarea", {"name": "section_comment_NHWO-1"})
    assert not page.find("input", {"name": "decision", "value": "accept"}).get("data-aria-controls")


def test_the_api_takes_the_sections_comments_and_date(app, client, api_token, contract_setup):
    factories.submission(contract_setup["contract"], FEB, on=date(2025, 3, 10))
    ret = factories.return_of(contract_setup["contract"], FEB)
    headers = {"Authorization": f"Bearer {api_token(contract_setup['manager'].email)}"}
    respond_by = (date.today() + timedelta(days=10)).isoformat()
    refused = client.post(f"/api/v1/returns/{ret.id}/review", headers=headers, json={
        "decision": "request_changes", "comment": "", "respond_by": "2020-01-01"})
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"comment", "respond_by"}
    done = client.post(f"/api/v1/returns/{ret.id}/review", headers=headers, json={
        "decision": "request_changes", "comment": "Fix outcome 1", "tasks": ["NHWO-1"],
        "section_comments": {"NHWO-1": "Who was reviewed?"}, "respond_by": respond_by})
    body = done.get_json()
    assert done.status_code == 200 and body["respond_by"] == respond_by
    assert body["section_comments"] == {"NHWO-1": "Who was reviewed?"}
