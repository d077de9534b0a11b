"""The rate card's pages and API: both sides read it; the commissioner adds a rate (a backdated one
says how many adjustments it drafted) and sets the visit rule; empty and nonsense input is answered
with a message on the field and nothing kept; never a 500."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories

NONSENSE = ("", " ", "x" * 5000, "NaN", "-1", "1e999999999", "9" * 5000, "12.34567", "Llŷr 😀", "\u202eevil")
DATES = (["", "", ""], ["31", "12", "9999"], ["1", "1", "1"], ["0", "0", "0"], ["31", "2", "2026"],
         ["99999999999999999999", "1", "2025"], ["1", "1", "-5"], ["1", "1", "2030"])


@pytest.fixture()
def card(app, contract_setup):
    contract = contract_setup["contract"]
    factories.rate(contract, "20.0000", effective_from=date(2025, 1, 1))
    return contract_setup


def _rates(app, setup) -> int:
    from portal.extensions import db
    from portal.invoicing.models import ContractRate
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(setup["commissioner"].id):
        n = db.session.scalar(select(func.count()).select_from(ContractRate))
        db.session.rollback()
        return n


def _form(**changes) -> dict:
    data = {"unit": "hour", "day_type": "weekday", "service_type": "", "rate": "21.50", "effective_from-day": "1",
            "effective_from-month": "4", "effective_from-year": "2026", "variation": ""}
    data.update(changes)
    return data


def test_both_sides_read_the_card_and_only_the_commissioner_changes_it(app, client, web, card):
    url = f"/o/fern-care/contracts/{card['contract_id']}/rates"
    web.sign_in("admin@fern.example")
    page = client.get(url)
    assert page.status_code == 200 and "£20.0000" in page.get_data(as_text=True)
    assert "Add or change a rate" not in page.get_data(as_text=True)
    assert client.get(f"/o/fern-care/contracts/{card['contract_id']}/rates/new").status_code == 404
    contract_page = client.get(f"/o/fern-care/contracts/{card['contract_id']}").get_data(as_text=True)
    assert "Rate card and how visits are paid" in contract_page


def test_the_commissioner_adds_a_rate_and_a_backdated_one_says_what_it_drafted(app, client, web, card):
    factories.priced_invoice(card["contract"], number="FERN-0426", period_start=date(2026, 4, 1),
                             period_end=date(2026, 4, 30), status="approved",
                             lines=[{"description": "Care", "quantity": "21", "unit": "hour", "day_type": "weekday"}])
    web.sign_in("manager@clyde.example")
    base = f"/o/clyde-hscp/contracts/{card['contract_id']}/rates"
    saved = web.post(base + "/new", _form(variation="Wage uplift agreed in June"), follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "1 adjustment has been drafted for the provider" in text
    assert "£21.5000" in text and "1 April 2026" in text and "31 March 2026" in text


@pytest.mark.parametrize("field", ["rate", "unit", "day_type", "service_type", "variation"])
def test_nonsense_in_each_field_of_the_rate_form_is_answered_and_nothing_kept(app, client, web, card, field):
    web.sign_in("manager@clyde.example")
    url = f"/o/clyde-hscp/contracts/{card['contract_id']}/rates/new"
    before = _rates(app, card)
    for value in NONSENSE:
        answer = web.post(url, _form(**{field: value}))
        assert answer.status_code in (303, 422), (field, value[:20], answer.status_code)
        if answer.status_code == 422:
            assert "There is a problem" in answer.get_data(as_text=True)
    if field in ("rate", "unit"):  # every value of these is refused (an empty day type means a weekday)
        assert _rates(app, card) == before


def test_nonsense_dates_are_answered_and_nothing_kept(app, client, web, card):
    web.sign_in("manager@clyde.example")
    url = f"/o/clyde-hscp/contracts/{card['contract_id']}/rates/new"
    for day, month, year in DATES:
        answer = web.post(url, _form(**{"effective_from-day": day, "effective_from-month": month,
                                        "effective_from-year": year}))
        assert answer.status_code == 422, (day, month, year, answer.status_code)
        assert "Applies from" in answer.get_data(as_text=True)
    assert _rates(app, card) == 1
    empty = web.post(url, {})
    assert empty.status_code == 422 and "Enter the rate" in empty.get_data(as_text=True)


def test_the_visit_rule_form_answers_nonsense_and_saves_a_rule(app, client, web, card):
    web.sign_in("manager@clyde.example")
    url = f"/o/clyde-hscp/contracts/{card['contract_id']}/visit-rule"
    for field in ("basis", "rounding", "tolerance_minutes"):
        for value in NONSENSE + ("121", "7"):
            data = {"basis": "actual", "rounding": "5", "tolerance_minutes": "10", field: value}
            answer = web.post(url, data)
            assert answer.status_code in (303, 422), (field, value[:20])
    saved = web.post(url, {"basis": "planned", "rounding": "15", "tolerance_minutes": "5"}, follow_redirects=True)
    assert "Planned time, rounded to the nearest 15 minutes, with a tolerance of 5 minutes" in \
        saved.get_data(as_text=True)


def test_the_api_reads_and_changes_the_card(app, client, card, api_token):
    factories.user("fin@clyde.example", memberships=[(card["commissioner"], "finance")])
    headers = {"Authorization": f"Bearer {api_token('fin@clyde.example')}"}
    url = f"/api/v1/contracts/{card['contract_id']}/rates"
    made = client.post(url, headers=headers, json={"unit": "hour", "day_type": "weekend", "rate": "24.5",
                                                   "effective_from": "2026-01-01", "variation": "Weekend rate"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["rate"] == "24.5000" and made.get_json()["variation_id"] is not None
    listed = client.get(url, headers=headers).get_json()
    assert [(r["day_type"], r["rate"]) for r in listed] == [("weekday", "20.0000"), ("weekend", "24.5000")]
    bad = client.post(url, headers=headers, json={"unit": "hour", "rate": 21.5, "effective_from": "2024-01-01"})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"rate", "effective_from"}
