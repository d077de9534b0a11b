"""The invoice pages without JavaScript: raise with "add another line", errors on empty and
nonsense input, check and submit with the warnings confirmed, the approval queue and decision,
the answer to a query, a credit note and the settings."""
from __future__ import annotations

from datetime import date

import pytest

from tests import factories
from tests.conftest import Browserless


def _line(index: int, description="Care at home", quantity="10", unit="hour", price="20.00", vat="E", rate=""):
    p = f"lines-{index}-"
    return {p + "description": description, p + "quantity": quantity, p + "unit": unit, p + "unit_price": price,
            p + "vat_category": vat, p + "vat_rate": rate}


def _header(contract_id, number="FC-1", start=(1, 5, 2025), end=(31, 5, 2025)):
    return {"contract_id": str(contract_id), "number": number, "buyer_reference": "PO-9",
            "period_start-day": str(start[0]), "period_start-month": str(start[1]), "period_start-year": str(start[2]),
            "period_end-day": str(end[0]), "period_end-month": str(end[1]), "period_end-year": str(end[2])}


@pytest.fixture
def people(app, contract_setup, client):
    provider, commissioner = contract_setup["provider"], contract_setup["commissioner"]
    factories.user("finance@fern.example", memberships=[(provider, "finance")])
    factories.user("finance@clyde.example", memberships=[(commissioner, "finance")])
    return {**contract_setup, "base": f"/o/{provider.slug}/invoices", "queue": f"/o/{commissioner.slug}/invoices"}


def _as(app, email):
    client = app.test_client()
    web = Browserless(client)
    web.sign_in(email)
    return client, web


def test_raise_check_and_submit_without_javascript(app, people):
    client, web = _as(app, "finance@fern.example")
    new = f"{people['base']}/new"
    page = client.get(new).get_data(as_text=True)
    assert "Leave empty to use the rate card" in page and "Add another line" in page
    added = web.post(new, {**_header(people["contract_id"]), **_line(0), "action": "add_line"})
    assert added.status_code == 200 and 'name="lines-1-description"' in added.get_data(as_text=True)
    removed = web.post(new, {**_header(people["contract_id"]), **_line(0), **_line(1), "action": "remove_line-1"})
    assert 'name="lines-1-description"' not in removed.get_data(as_text=True)
    saved = web.post(new, {**_header(people["contract_id"]), **_line(0),
                           **_line(1, "Sleep-in", "2", "night", "75.50", "S", "20"), "action": "save"})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
    show = saved.headers["Location"]
    page = client.get(show).get_data(as_text=True)
    # 10 h × £20.00 = £200.00 exempt; 2 nights × £75.50 = £151.00 at 20 %: VAT £30.20; total £381.20.
    for text in ("£200.00", "£151.00", "£30.20", "£381.20", "Submit invoice", "1 May 2025 to 31 May 2025"):
        assert text in page, text
    submitted = web.post(f"{show}/submit", {}, page=show)
    assert submitted.status_code == 303
    assert "Submitted" in client.get(show).get_data(as_text=True)


def test_empty_and_nonsense_input_are_answered_and_nothing_is_kept(app, people):
    client, web = _as(app, "finance@fern.example")
    new = f"{people['base']}/new"
    empty = web.post(new, {"action": "save"})
    assert empty.status_code == 422
    text = empty.get_data(as_text=True)
    assert "Choose the contract you are invoicing" in text
    nonsense = web.post(new, {**_header(people["contract_id"], number="", start=("31", "2", "2025")),
                              **_line(0, "", "lots", "fortnight", "-1"), "action": "save"})
    assert nonsense.status_code == 422
    text = nonsense.get_data(as_text=True)
    for message in ("must be a real date", "Enter your invoice number", "Enter what this line charges for",
                    "Enter the quantity as a number", "Choose the unit", "cannot be negative"):
        assert message in text, message
    assert "govuk-error-summary" in text
    assert "No invoices" in client.get(people["base"] + "/").get_data(as_text=True)


def test_warnings_are_confirmed_then_the_commissioner_queries_and_a_colleague_approves(app, people):
    factories.rate(people["contract"], "20.0000", unit="hour")
    client, web = _as(app, "finance@fern.example")
    saved = web.post(f"{people['base']}/new", {**_header(people["contract_id"]), **_line(0, price="22.00"),
                                                "action": "save"})
    show = saved.headers["Location"]
    page = client.get(show).get_data(as_text=True)
    assert "differs from the rate card" in page
    unconfirmed = web.post(f"{show}/submit", {}, page=show)
    assert unconfirmed.status_code == 422 and "Check the warnings" in unconfirmed.get_data(as_text=True)
    assert web.post(f"{show}/submit", {"confirm_warnings": "yes"}, page=show).status_code == 303
    invoice_id = show.rsplit("/", 1)[1]

    manager, manager_web = _as(app, "manager@clyde.example")
    queue = manager.get(people["queue"] + "/").get_data(as_text=True)
    assert "FC-1" in queue and "Received" in queue and "Fern Care" in queue
    theirs = f"{people['queue']}/{invoice_id}"
    page = manager.get(theirs).get_data(as_text=True)
    assert "Rate card: £20.00" in page and "differs from the rate card" in page
    empty = manager_web.post(f"{theirs}/decision", {"decision": "query"}, page=theirs)
    assert empty.status_code == 422 and "Write the question" in empty.get_data(as_text=True)
    asked = manager_web.post(f"{theirs}/decision", {"decision": "query", "comment": "Why £22?",
                                                    "line_comment-1": "The card says £20"}, page=theirs)
    assert asked.status_code == 303

    page = client.get(show).get_data(as_text=True)
    assert "The card says £20" in page and "Answer the query" in page
    answered = web.post(f"{show}/answer", {"comment": "Agreed uplift", "line_answer-1": "Weekend cover"}, page=show)
    assert answered.status_code == 303
    assert web.post(f"{show}/submit", {"confirm_warnings": "yes"}, page=show).status_code == 303

    finance, finance_web = _as(app, "finance@clyde.example")
    approved = finance_web.post(f"{theirs}/decision", {"decision": "approve"}, page=theirs)
    assert approved.status_code == 303
    history = finance.get(theirs).get_data(as_text=True)
    for action in ("Submitted", "Queried", "Answered", "Resubmitted", "Approved"):
        assert action in history, action


def test_a_credit_note_from_the_invoice_page(app, people):
    sent = factories.invoice_row(people["contract"], number="FC-9", period_start=date(2025, 4, 1),
                                 period_end=date(2025, 4, 30), lines=(("Care", "10", "hour", "20.00"),))
    client, web = _as(app, "finance@fern.example")
    url = f"{people['base']}/{sent.id}/credit-note"
    page = client.get(url).get_data(as_text=True)
    assert "You can credit up to £200.00" in page
    too_much = web.post(url, {"number": "CN-1", **_line(0, "Missed", "1", "block", "200.01"), "action": "save"})
    assert too_much.status_code == 422 and "£200.00 or less" in too_much.get_data(as_text=True)
    made = web.post(url, {"number": "CN-1", **_line(0, "Missed", "1", "block", "40.00"), "action": "save"})
    assert made.status_code == 303
    assert "Credit note CN-1" in client.get(made.headers["Location"]).get_data(as_text=True)


def test_settings_page(app, people):
    client, web = _as(app, "finance@clyde.example")
    url = f"{people['queue']}/settings"
    assert "Target for paying invoices" in client.get(url).get_data(as_text=True)
    bad = web.post(url, {"second_approval_over": "lots", "target_working_days": "0"})
    assert bad.status_code == 422 and "from 1 to 30" in bad.get_data(as_text=True)
    assert web.post(url, {"second_approval_over": "5000", "target_working_days": "7"}).status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert 'value="5000.00"' in page and 'value="7"' in page
