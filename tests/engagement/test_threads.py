"""Market engagement threads: a commissioner opens one, providers ask, the commissioner replies
and publishes an answer set without names; other providers never learn who asked."""
from __future__ import annotations

import io
import re

import docx
import pytest

from tests import factories

LONG = "x" * 5001


@pytest.fixture
def market(app):
    """Aberdeen (its procurement officer, a lead contract manager, another contract manager and a
    viewer), Glasgow's admin, and two providers (Fern Care with a contract led by the lead manager,
    Oak Support)."""
    aberdeen = factories.organisation("commissioner", slug="aberdeen-hscp", name="Aberdeen City HSCP")
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    oak = factories.organisation("provider", slug="oak-support", name="Oak Support")
    lead = factories.user("lead@aberdeen.example", memberships=[(aberdeen, "contract_manager")])
    contract = factories.contract(commissioner=aberdeen, provider=fern, reference="ACC-SL-1", lead_manager=lead,
                                  frequency=None)
    return {"aberdeen": aberdeen, "glasgow": glasgow, "fern": fern, "oak": oak, "contract": contract, "lead": lead,
            "officer": factories.user("officer@aberdeen.example", memberships=[(aberdeen, "procurement")]),
            "other_manager": factories.user("cm@aberdeen.example", memberships=[(aberdeen, "contract_manager")]),
            "viewer": factories.user("viewer@aberdeen.example", memberships=[(aberdeen, "viewer")]),
            "glasgow_admin": factories.user("admin@glasgow.example", memberships=[(glasgow, "commissioner_admin")]),
            "fern_staff": factories.user("staff@fern.example", memberships=[(fern, "submitter")]),
            "fern_finance": factories.user("finance@fern.example", memberships=[(fern, "finance")]),
            "oak_staff": factories.user("staff@oak.example", memberships=[(oak, "provider_admin")])}


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_market_thread_from_questions_to_a_published_answer_set(app, web, client, market):
    web.sign_in(market["officer"].email)
    opened = web.post("/o/aberdeen-hscp/threads/new", {"title": "Recommissioning supported living 2027",
                                                        "description": "Provider session, 12 March.",
                                                        "scope": "market"})
    assert opened.status_code == 303, _text(opened)[:2000]
    thread_id = int(re.search(r"/threads/(\d+)", opened.headers["Location"]).group(1))

    web.sign_in(market["fern_staff"].email)
    asked = web.post(f"/o/fern-care/threads/{thread_id}/questions",
                     {"body": "Fern Care staff in Torry ask: will sleepovers be paid at the living wage?"},
                     page=f"/o/fern-care/threads/{thread_id}")
    assert asked.status_code == 303, _text(asked)[:2000]
    web.sign_in(market["oak_staff"].email)
    assert web.post(f"/o/oak-support/threads/{thread_id}/questions", {"body": "How long will the contracts run?"},
                    page=f"/o/oak-support/threads/{thread_id}").status_code == 303
    page = _text(client.get(f"/o/oak-support/threads/{thread_id}"))
    assert "How long will the contracts run?" in page
    assert "sleepovers" not in page and "Fern Care" not in page  # never another provider's question or name

    web.sign_in(market["officer"].email)
    page = _text(client.get(f"/o/aberdeen-hscp/threads/{thread_id}"))
    assert "Question 1 from Fern Care" in page and "Question 2 from Oak Support" in page
    questions = [int(n) for n in re.findall(r'id="question-(\d+)"', page)]
    fern_question, oak_question = questions
    base = f"/o/aberdeen-hscp/threads/{thread_id}/questions"
    assert web.post(f"{base}/{fern_question}/reply", {"body": "Yes, from April 2027."}).status_code == 303
    assert web.post(f"{base}/{oak_question}/reply", {"body": "Five years."}).status_code == 303
    again = web.post(f"{base}/{oak_question}/reply", {"body": "Six years."})
    assert again.status_code == 409 and "already been replied" in _text(again)
    assert "Six years" not in _text(client.get(f"/o/aberdeen-hscp/threads/{thread_id}"))
    form = _text(client.get(f"{base}/{fern_question}/answer-set"))
    assert "Fern Care staff in Torry ask" in form  # the question's text, to edit before publishing
    marked = web.post(f"{base}/{fern_question}/answer-set",
                      {"question": "Will sleepovers be paid at the living wage?", "answer": "Yes, from April 2027."})
    assert marked.status_code == 303, _text(marked)[:2000]

    web.sign_in(market["oak_staff"].email)  # nothing published yet: Oak sees its own reply only
    page = _text(client.get(f"/o/oak-support/threads/{thread_id}"))
    assert "Five years." in page and "April 2027" not in page and "No answers have been published" in page
    assert "sleepovers" not in _text(client.get(f"/o/oak-support/threads/{thread_id}/answers"))

    web.sign_in(market["officer"].email)
    published = web.post(f"/o/aberdeen-hscp/threads/{thread_id}/publish", {}, page=f"/o/aberdeen-hscp/threads/{thread_id}")
    assert published.status_code == 303, _text(published)[:2000]

    web.sign_in(market["oak_staff"].email)
    answers = _text(client.get(f"/o/oak-support/threads/{thread_id}/answers"))
    assert "Question 1" in answers and "Will sleepovers be paid at the living wage?" in answers
    assert "Fern Care" not in answers and "Torry" not in answers
    csv = client.get(f"/o/oak-support/threads/{thread_id}/answers.csv")
    assert csv.status_code == 200 and "sleepovers" in _text(csv) and "Fern" not in _text(csv)
    assert "Fern" not in csv.headers["Content-Disposition"]
    word = client.get(f"/o/oak-support/threads/{thread_id}/answers.docx")
    assert word.status_code == 200 and word.data[:2] == b"PK"
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs)
    assert "Question 1" in text and "Will sleepovers be paid at the living wage?" in text and "Yes, from April 2027." in text
    assert "Fern" not in text and "Torry" not in text
    found = _text(client.get("/o/oak-support/threads/?q=sleepovers"))
    assert "Recommissioning supported living 2027" in found
    assert "Recommissioning" not in _text(client.get("/o/oak-support/threads/?q=residential"))
    # Another commissioner reads the thread and its answers, never the questions, and changes nothing.
    web.sign_in(market["glasgow_admin"].email)
    page = _text(client.get(f"/o/glasgow-hscp/threads/{thread_id}"))
    assert "Recommissioning" in page and "Fern Care" not in page and "How long" not in page
    assert client.get(f"/o/glasgow-hscp/threads/{thread_id}/questions/{oak_question}/reply").status_code == 404
    assert web.post(f"/o/glasgow-hscp/threads/{thread_id}/close", {}, page="/o/glasgow-hscp/").status_code == 404


def test_the_api_never_names_another_provider(app, client, market):
    officer = {"Authorization": f"Bearer {factories.api_token(market['officer'])}"}
    fern = {"Authorization": f"Bearer {factories.api_token(market['fern_staff'])}"}
    oak = {"Authorization": f"Bearer {factories.api_token(market['oak_staff'])}"}
    made = client.post("/api/v1/threads", headers=officer, json={"title": "Day opportunities review"})
    assert made.status_code == 201, made.get_json()
    thread_id = made.get_json()["id"]
    asked = client.post(f"/api/v1/threads/{thread_id}/questions", headers=fern, json={"body": "Fern asks: transport?"})
    assert asked.status_code == 201, asked.get_json()
    question_id = asked.get_json()["id"]
    assert client.post(f"/api/v1/threads/{thread_id}/questions", headers=oak, json={"body": "Oak: buildings?"}
                       ).status_code == 201
    assert client.post(f"/api/v1/threads/{thread_id}/questions", headers=oak, json={"body": ""}).status_code == 422
    assert client.post(f"/api/v1/threads/{thread_id}/questions", headers=oak, json={"body": LONG}).status_code == 422
    seen = client.get(f"/api/v1/threads/{thread_id}", headers=oak).get_json()
    assert [q["body"] for q in seen["questions"]] == ["Oak: buildings?"] and "provider" not in seen["questions"][0]
    assert "Fern" not in str(seen)
    everything = client.get(f"/api/v1/threads/{thread_id}", headers=officer).get_json()
    assert {q["provider"]["name"] for q in everything["questions"]} == {"Fern Care", "Oak Support"}
    assert client.post(f"/api/v1/threads/{thread_id}/publish", headers=officer).status_code == 409
    replied = client.post(f"/api/v1/threads/{thread_id}/questions/{question_id}/reply", headers=officer,
                          json={"body": "Transport stays with the council."})
    assert replied.status_code == 201, replied.get_json()
    marked = client.post(f"/api/v1/threads/{thread_id}/questions/{question_id}/answer-set", headers=officer,
                         json={"question": "Is transport included?", "answer": "Transport stays with the council."})
    assert marked.status_code == 200, marked.get_json()
    assert client.get(f"/api/v1/threads/{thread_id}/answers", headers=oak).get_json() == []
    published = client.post(f"/api/v1/threads/{thread_id}/publish", headers=officer)
    assert published.status_code == 200 and published.get_json()[0]["number"] == 1
    answers = client.get(f"/api/v1/threads/{thread_id}/answers", headers=oak).get_json()
    assert [(a["number"], a["question"]) for a in answers] == [(1, "Is transport included?")]
    assert "Fern" not in str(answers)
    assert [t["id"] for t in client.get("/api/v1/threads?q=transport", headers=oak).get_json()] == [thread_id]
    # A provider cannot reply, publish or open threads: those addresses do not exist for it.
    assert client.post(f"/api/v1/threads/{thread_id}/publish", headers=oak).status_code == 404
    assert client.post("/api/v1/threads", headers=oak, json={"title": "x"}).status_code == 404
    closed = client.post(f"/api/v1/threads/{thread_id}/close", headers=officer)
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    late = client.post(f"/api/v1/threads/{thread_id}/questions", headers=oak, json={"body": "One more?"})
    assert late.status_code == 409 and "closed" in late.get_json()["message"]


def test_a_contract_thread_is_for_its_provider_and_its_lead_manager(app, web, client, market):
    thread = factories.thread(market["aberdeen"], title="Torry supported living: staffing", contract_=market["contract"])
    market_wide = factories.thread(market["aberdeen"], title="Open to all")
    url = f"/threads/{thread.id}"
    for email, slug, status in ((market["fern_staff"].email, "fern-care", 200),
                                (market["fern_finance"].email, "fern-care", 200),
                                (market["oak_staff"].email, "oak-support", 404),
                                (market["glasgow_admin"].email, "glasgow-hscp", 404),
                                (market["officer"].email, "aberdeen-hscp", 200),
                                (market["lead"].email, "aberdeen-hscp", 200),
                                (market["other_manager"].email, "aberdeen-hscp", 404),
                                (market["viewer"].email, "aberdeen-hscp", 404)):
        web.sign_in(email)
        assert client.get(f"/o/{slug}{url}").status_code == status, (email, status)
        listed = _text(client.get(f"/o/{slug}/threads/"))
        assert ("Torry supported living" in listed) == (status == 200), email
        assert "Open to all" in listed and client.get(f"/o/{slug}/threads/{market_wide.id}").status_code == 200
    # The finance member reads it but cannot ask.
    web.sign_in(market["fern_finance"].email)
    assert "Ask a question" not in _text(client.get(f"/o/fern-care{url}"))
    assert web.post(f"/o/fern-care{url}/questions", {"body": "?"}, page=f"/o/fern-care{url}").status_code == 403
    # A contract manager opens contract threads only for the contracts they lead.
    web.sign_in(market["other_manager"].email)
    refused = web.post("/o/aberdeen-hscp/threads/new", {"title": "Mine", "scope": "contract",
                                                         "contract_id": str(market["contract"].id)})
    assert refused.status_code == 422 and "Choose one of the" in _text(refused)
    web.sign_in(market["lead"].email)
    assert web.post("/o/aberdeen-hscp/threads/new", {"title": "Mine", "scope": "contract",
                                                     "contract_id": str(market["contract"].id)}).status_code == 303


def test_forms_answer_empty_and_nonsense_input_and_keep_nothing(app, web, client, market):
    web.sign_in(market["officer"].email)
    empty = web.post("/o/aberdeen-hscp/threads/new", {})
    assert empty.status_code == 422 and "Enter the title" in _text(empty) and "There is a problem" in _text(empty)
    for data, message in (({"title": "T", "scope": "moon"}, "Choose who can read the thread"),
                          ({"title": "T", "scope": "contract"}, "Choose the contract"),
                          ({"title": "T", "scope": "contract", "contract_id": "99999999999999999999"},
                           "Choose one of the options"),
                          ({"title": "x" * 201, "scope": "market"}, "200 characters or fewer")):
        answer = web.post("/o/aberdeen-hscp/threads/new", data)
        assert answer.status_code == 422 and message in _text(answer), (data, _text(answer)[:3000])
    assert "There are no threads yet" in _text(client.get("/o/aberdeen-hscp/threads/"))
    thread = factories.thread(market["aberdeen"])
    question = factories.thread_question(market["fern"], thread)
    base = f"/o/aberdeen-hscp/threads/{thread.id}"
    early = web.post(f"{base}/publish", {}, page=base)
    assert early.status_code == 409 and "Add at least one replied question" in _text(early)
    not_replied = web.post(f"{base}/questions/{question.id}/answer-set", {"question": "q", "answer": "a"})
    assert not_replied.status_code == 409 and "Reply to the question before" in _text(not_replied)
    blank = web.post(f"{base}/questions/{question.id}/reply", {"body": "  "})
    assert blank.status_code == 422 and "Enter your reply" in _text(blank)
    factories.thread_reply(question, "A reply")
    for data, message in (({}, "Enter the question as it will be published"),
                          ({"question": "q", "answer": "a" * 10001}, "10,000 characters or fewer")):
        answer = web.post(f"{base}/questions/{question.id}/answer-set", data)
        assert answer.status_code == 422 and message in _text(answer)
    web.sign_in(market["fern_staff"].email)
    page = f"/o/fern-care/threads/{thread.id}"
    for body, message in (("", "Enter your question"), ("   ", "Enter your question"),
                          (LONG, "5,000 characters or fewer")):
        answer = web.post(f"{page}/questions", {"body": body}, page=page)
        assert answer.status_code == 422 and message in _text(answer) and "There is a problem" in _text(answer)
    assert _text(client.get(page)).count('class="govuk-summary-card"') == 1  # only the one question kept


def test_a_closed_thread_takes_no_questions_but_its_answers_can_still_be_published(app, web, client, market):
    thread = factories.thread(market["aberdeen"])
    question = factories.thread_question(market["oak"], thread, "What about night support?")
    web.sign_in(market["officer"].email)
    base = f"/o/aberdeen-hscp/threads/{thread.id}"
    assert web.post(f"{base}/close", {}, page=base).status_code == 303
    assert web.post(f"{base}/close", {}, page=base).status_code == 409
    factories.thread_reply(question, "Night support is in lot 2.", publish=True, wording="What about night support?")
    web.sign_in(market["oak_staff"].email)
    page = _text(client.get(f"/o/oak-support/threads/{thread.id}"))
    assert "This thread is closed" in page and "Ask a question" not in page and "1 answer published" in page
    refused = web.post(f"/o/oak-support/threads/{thread.id}/questions", {"body": "Late?"},
                       page=f"/o/oak-support/threads/{thread.id}")
    assert refused.status_code == 409 and "closed" in _text(refused)
    assert "closed" in _text(client.get("/o/oak-support/threads/?status=closed")).lower()
