"""The audit log as a council officer reads it: sentences, links, changes in words, filters, pages."""
from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
from bs4 import BeautifulSoup

from portal.reporting.periods import london_today
from tests import factories

APRIL = date(2025, 4, 1)


@pytest.fixture
def story(contract_setup, make_user):
    """Tom submits Fern Care's April 2025 return; Morag at Clyde asks for changes to the delivery
    figures; Tom changes the hours delivered and submits again."""
    s = contract_setup
    tom = make_user("tom@fern.example", memberships=[(s["provider"], "submitter")], full_name="Tom Wilson")
    priya = make_user("priya@fern.example", memberships=[(s["provider"], "provider_admin")], full_name="Priya Shah")
    morag = make_user("morag@clyde.example", memberships=[(s["commissioner"], "contract_manager")],
                      full_name="Morag Campbell")
    alasdair = make_user("alasdair@clyde.example", memberships=[(s["commissioner"], "commissioner_admin")],
                         full_name="Alasdair Grant")
    first = factories.submission(s["contract"], APRIL, by=tom, delivered="120.5", on=date(2025, 5, 2))
    factories.review(s["contract"], APRIL, "request_changes", by=morag, comment="The hours look low",
                     tasks=["delivery"], on=date(2025, 5, 5))
    factories.answers(s["contract"], APRIL, values={"DEL.UNITS_DELIVERED": "131"}, by=tom)
    second = factories.submission(s["contract"], APRIL, by=tom, on=date(2025, 5, 6))
    factories.invitation(s["provider"], email="new@fern.example", role="finance")  # no one signed in: the portal
    ret = factories.return_of(s["contract"], APRIL)
    return {**s, "tom": tom, "priya": priya, "morag": morag, "alasdair": alasdair, "ret": ret,
            "digests": [first.sha256, second.sha256]}


def _page(web, person, url):
    web.sign_in(person.email)
    response = web.client.get(url)
    assert response.status_code == 200, response.status_code
    return response, BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _entries(soup) -> list[str]:
    """Each entry as text: its time, its sentence, each change and note."""
    return [" ".join(" ".join(part.get_text().split()) for part in li.select("p, li"))
            for li in soup.select("li.portal-audit__entry")]


def test_a_provider_reads_who_did_what_to_which_return(story, web):
    response, soup = _page(web, story["priya"], "/o/fern-care/audit")
    entries = _entries(soup)
    text = " ".join(entries)
    assert "Tom Wilson submitted the return for April 2025 (CLY-001), version 2, on time." in text
    assert "Tom Wilson submitted the return for April 2025 (CLY-001), version 1, on time." in text
    assert "Tom Wilson declared that the return for April 2025 (CLY-001) is accurate." in text
    changed = next(e for e in entries if "saved answers" in e and "131" in e)
    assert "Hours or units delivered this period: changed from 120.5 to 131" in changed
    assert entries.index(changed) < entries.index(next(e for e in entries if "version 1" in e))  # newest first
    links = {a.get_text(strip=True): a["href"] for a in soup.select(".portal-audit a")}
    assert links["the return for April 2025 (CLY-001)"] == f"/o/fern-care/returns/{story['ret'].id}"
    html = unescape(response.get_data(as_text=True))
    for code in ["DEL.UNITS_DELIVERED", "return_submitted", "return_answers_saved", "127.0.0.1", "sha256",
                 "Return " + str(story["ret"].id), *story["digests"]]:
        assert code not in html, code


def test_a_commissioner_reads_its_review_with_the_status_before_and_after(story, web):
    _response, soup = _page(web, story["alasdair"], "/o/clyde-hscp/audit")
    [review] = [e for e in _entries(soup) if "asked for changes" in e]
    assert "Morag Campbell asked for changes to the return for April 2025 (CLY-001)." in review
    assert "Status: changed from Submitted to Changes requested" in review
    assert "Sections to change: Service delivery" in review
    assert "Comment: The hours look low" in review
    link = soup.select_one(".portal-audit a")
    assert link["href"] == f"/o/clyde-hscp/returns/{story['ret'].id}"
    assert web.client.get(link["href"]).status_code == 200  # a link the officer may open


def test_role_changes_link_the_member_and_read_in_words(contract_setup, web, make_user):
    org = contract_setup["provider"]
    admin = make_user("owner@fern.example", memberships=[(org, "provider_admin")], full_name="Priya Shah")
    grace = make_user("grace@fern.example", memberships=[(org, "submitter")], full_name="Grace Okafor")
    web.sign_in(admin.email)
    membership = factories.membership_id(org, grace)
    assert web.post(f"/o/fern-care/members/{membership}", {"role": "finance"}).status_code == 303
    soup = BeautifulSoup(web.client.get("/o/fern-care/audit").get_data(as_text=True), "html.parser")
    [entry] = [e for e in _entries(soup) if "changed the role" in e]
    assert "Priya Shah changed the role of Grace Okafor." in entry
    assert "Role: changed from Submitter to Finance" in entry
    assert soup.find("a", string="Grace Okafor")["href"] == f"/o/fern-care/members/{membership}"


def test_filters_by_person_kind_of_action_and_date(story, web):
    base = "/o/fern-care/audit"
    _r, soup = _page(web, story["priya"], base)
    people = {o.get_text(strip=True): o["value"] for o in soup.select("#person option")}
    assert "Tom Wilson" in people and "Morag Campbell" not in people  # only this organisation's people
    assert people["The portal (automatic checks and imports)"] == "portal"
    tom = people["Tom Wilson"]

    everything = _entries(soup)
    only_tom = _entries(BeautifulSoup(web.client.get(f"{base}?person={tom}").get_data(as_text=True), "html.parser"))
    assert only_tom and len(only_tom) < len(everything) and all("Tom Wilson" in e for e in only_tom)

    submissions = _entries(BeautifulSoup(web.client.get(f"{base}?action=submissions").get_data(as_text=True),
                                         "html.parser"))
    assert len(submissions) == 2 and all(" submitted the return" in e for e in submissions)

    today = london_today()
    day = f"from-day={today.day}&from-month={today.month}&from-year={today.year}"
    assert len(_entries(BeautifulSoup(web.client.get(f"{base}?{day}").get_data(as_text=True),
                                      "html.parser"))) == len(everything)
    tomorrow = today + timedelta(days=1)
    later = web.client.get(f"{base}?from-day={tomorrow.day}&from-month={tomorrow.month}&from-year={tomorrow.year}")
    assert "Nothing matches these filters" in later.get_data(as_text=True)
    yesterday = today - timedelta(days=1)
    before = web.client.get(f"{base}?to-day={yesterday.day}&to-month={yesterday.month}&to-year={yesterday.year}")
    assert "Nothing matches these filters" in before.get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("from-day=31&from-month=2&from-year=2026", "The start date must be a real date"),
    ("from-day=1&from-year=2026", "The start date must include a month"),
    ("to-day=x&to-month=y&to-year=zz", "The end date must be a real date"),
    ("to-day=1&to-month=1&to-year=1999", "The end date must be between 1 January 2000 and 31 December 2099"),
    ("from-day=2&from-month=1&from-year=2026&to-day=1&to-month=1&to-year=2026",
     "The end date must be the same as or after the start date"),
    ("person=999999", "Choose a person from the list"),
    ("person=abc", "Choose a person from the list"),
    ("action=return_submitted", "Choose a kind of action from the list"),
])
def test_nonsense_in_the_filters_is_answered_with_a_clear_message(story, web, query, message):
    response, soup = _page(web, story["priya"], f"/o/fern-care/audit?{query}")
    assert soup.select_one(".govuk-error-summary") is not None
    assert message in unescape(response.get_data(as_text=True))
    assert soup.title.get_text().startswith("Error: ")
    assert _entries(soup), "the log is still listed, without the filter that was wrong"


def test_someone_from_another_organisation_is_not_a_choice(story, web):
    """Morag (Clyde) appears in no choice of Fern Care's log; her id is answered like any unknown one."""
    response, _soup = _page(web, story["priya"], f"/o/fern-care/audit?person={story['morag'].id}")
    assert "Choose a person from the list" in response.get_data(as_text=True)


def test_pages_keep_the_filters(contract_setup, web, make_user):
    org = contract_setup["provider"]
    admin = make_user("owner@fern.example", memberships=[(org, "provider_admin")], full_name="Priya Shah")
    for n in range(53):
        factories.invitation(org, email=f"person{n}@fern.example", role="submitter")
    web.sign_in(admin.email)
    first = BeautifulSoup(web.client.get("/o/fern-care/audit?action=members").get_data(as_text=True),
                          "html.parser")
    assert len(_entries(first)) == 50
    older = first.select_one("a[rel=next]")["href"]
    assert "action=members" in older and "page=2" in older
    second = BeautifulSoup(web.client.get(older).get_data(as_text=True), "html.parser")
    assert len(_entries(second)) == 3 and not second.select_one("a[rel=next]")
    assert "action=members" in second.select_one("a[rel=prev]")["href"]


def test_the_api_gives_the_same_sentences_and_filters(story, app, api_token):
    headers = {"Authorization": f"Bearer {api_token(story['priya'].email)}"}
    client = app.test_client()
    events = client.get("/api/v1/orgs/fern-care/audit?action=submissions", headers=headers).get_json()
    assert [e["description"] for e in events] == [
        "Tom Wilson submitted the return for April 2025 (CLY-001), version 2, on time.",
        "Tom Wilson submitted the return for April 2025 (CLY-001), version 1, on time."]
    saved = client.get(f"/api/v1/audit?action=answers&person={story['tom'].id}", headers=headers).get_json()
    assert {"what": "Hours or units delivered this period", "before": "120.5", "after": "131"} in [
        c for e in saved for c in e["changes"]]
    today = london_today().isoformat()
    assert client.get(f"/api/v1/audit?from={today}&to={today}", headers=headers).get_json()
    for query, field in (("person=999999", "person"), ("from=2026-02-30", "from"), ("action=nope", "action"),
                         ("from=2026-01-02&to=2026-01-01", "to")):
        answer = client.get(f"/api/v1/audit?{query}", headers=headers)
        assert answer.status_code == 422, query
        errors = answer.get_json()["errors"]
        assert field in errors.get("query", errors), errors
