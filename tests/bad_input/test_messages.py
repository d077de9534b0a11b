"""The issue's list, one by one, on both surfaces: each answer is a 404 or 422 (or the form again)
with a message that says what to do, and nothing is kept."""
from __future__ import annotations

import io
import json
from decimal import Decimal
from html import unescape
from types import SimpleNamespace

import pytest

from tests.documents import files

WELSH_AND_GAELIC = "Adroddiad Llŷr – Ò Chaluim, café 😀"


def _contract_form(world, token, **changes) -> dict:
    form = {"provider": "fern-care", "reference": "MSG-1", "title": "Probe", "service_type": "care_at_home",
            "start_date": ["1", "4", "2026"], "end_date": ["31", "3", "2027"], "annual_value": "1000",
            "funding_model": "block", "framework": str(world["framework_id"]), "lead_manager": str(world["manager"].id),
            "living_wage_rate": "12.60", "frequency": "annual", "due_days": "14", "csrf_token": token}
    return {**form, **changes}


def _contract_json(world, **changes) -> dict:
    body = {"provider": "fern-care", "reference": "MSG-API", "title": "Probe", "service_type": "care_at_home",
            "start_date": "2026-04-01", "end_date": "2027-03-31", "annual_value": "1000.00", "funding_model": "block",
            "framework": "NHWO", "living_wage_rate": "12.60"}
    return {**body, **changes}


def _contract_count(app, world) -> int:
    return len(app.test_client().get("/api/v1/contracts", headers=world["api"]["commissioner"]).get_json())


CONTRACT_CASES = [
    ("living_wage_rate", "100000", "100000", "Enter the living wage rate from £0 to £9,999.99"),
    ("annual_value", "1e20", "1e20", "Enter the annual value from £0 to £999,999,999,999.99"),
    ("annual_value", "-1", "-1", "Enter the annual value from £0 to £999,999,999,999.99"),
    ("end_date", ["31", "12", "9999"], "9999-12-31", "Enter an end date before 2100"),
    ("start_date", ["31", "12", "1999"], "1999-12-31", "Enter a start date in 2000 or later"),
    ("start_date", ["1", "1", "2100"], "2100-01-01", "Enter a start date before 2100"),
    ("reference", "R" * 61, "R" * 61, "Enter a contract reference of 60 characters or fewer"),
    ("title", "T" * 201, "T" * 201, "Enter a title of 200 characters or fewer"),
    ("locality", "L" * 101, "L" * 101, "Enter a locality of 100 characters or fewer"),
]


def test_contract_values_out_of_range(app, world):
    before = _contract_count(app, world)
    web, token = world["web"]["commissioner"]
    for field, form_value, json_value, message in CONTRACT_CASES:
        page = web.client.post(f"/o/{world['slugs']['commissioner']}/contracts/new",
                               data=_contract_form(world, token, **{field: form_value}))
        assert page.status_code in (200, 422), page.status_code
        html = unescape(page.get_data(as_text=True))
        assert "govuk-error-summary" in html and message in html, html[html.find("govuk-error-summary"):][:1500]
        response = app.test_client().post("/api/v1/contracts", headers=world["api"]["commissioner"],
                                          json=_contract_json(world, **{field: json_value}))
        assert response.status_code == 422, response.get_json()
        body = response.get_json()
        assert message in json.dumps(body["errors"], ensure_ascii=False), body
        assert message in body["message"] and field in body["message"]
    assert _contract_count(app, world) == before


def test_a_contract_ending_in_2099_makes_its_periods(app, world):
    """The edge of the range works: the last period and its due date are real dates."""
    headers = world["api"]["commissioner"]
    created = app.test_client().post("/api/v1/contracts", headers=headers, json=_contract_json(
        world, reference="EDGE", start_date="2085-01-01", end_date="2099-12-31"))
    assert created.status_code == 201, created.get_json()
    schedule = app.test_client().post(f"/api/v1/contracts/{created.get_json()['id']}/schedule", headers=headers,
                                      json={"frequency": "monthly", "due_days": 120})
    assert schedule.status_code == 201, schedule.get_json()
    assert schedule.get_json()["returns"] == 180


def test_periods_never_overflow():
    from datetime import date

    from portal.contracts.services import periods

    last = periods(date(9999, 1, 1), date(9999, 12, 31), "annual")
    assert last == [(date(9999, 1, 1), date(9999, 12, 31))]
    assert periods(date(9999, 11, 1), date(9999, 12, 31), "quarterly") == [(date(9999, 11, 1), date(9999, 12, 31))]


def test_schedule_due_days_out_of_range(app, world):
    headers = world["api"]["commissioner"]
    created = app.test_client().post("/api/v1/contracts", headers=headers, json=_contract_json(world, reference="DD"))
    url = f"/api/v1/contracts/{created.get_json()['id']}/schedule"
    for value in (2**63, 1e20, -1, 121):
        response = app.test_client().post(url, headers=headers, json={"frequency": "monthly", "due_days": value})
        assert response.status_code == 422, response.get_json()
        assert "Enter a number of days from 0 to 120" in json.dumps(response.get_json())


ANSWER_CASES = [("1e20", "must be less than 100,000,000,000,000"), ("-1e999999999", "must be 0 or more"),
                ("99999999999999.99995", "must be less than 100,000,000,000,000"), ("NaN", "must be a number"),
                ("Infinity", "must be a number")]


def test_answers_out_of_range(app, world):
    for value, message in ANSWER_CASES:
        _answer_refused(app, world, value, message)


def _answer_refused(app, world, value: str, message: str) -> None:
    headers = world["api"]["provider"]
    url = f"/api/v1/returns/{world['ids']['return_id']}"
    version = app.test_client().get(url, headers=headers).get_json()["version"]
    response = app.test_client().patch(url, headers=headers, json={
        "answers": [{"measure": "DEL.UNITS_DELIVERED", "value": value}], "version": version})
    assert response.status_code == 422, response.get_json()
    assert message in response.get_json()["errors"]["answers"]["DEL.UNITS_DELIVERED"]
    web, token = world["web"]["provider"]
    page_url = f"/o/{world['slugs']['provider']}/returns/{world['ids']['return_id']}/tasks/delivery"
    page = web.client.post(page_url, data={"DEL.UNITS_DELIVERED": value, "version": str(version), "csrf_token": token})
    assert page.status_code == 422
    assert message in unescape(page.get_data(as_text=True))
    assert app.test_client().get(url, headers=headers).get_json()["version"] == version  # nothing saved


def test_nul_and_lone_surrogates_in_json_answers(app, world):
    headers = world["api"]["provider"]
    url = f"/api/v1/returns/{world['ids']['return_id']}"
    version = app.test_client().get(url, headers=headers).get_json()["version"]
    for bad, shown in (("\u0000", "NUL"), ("\ud800", "not valid text")):
        body = json.dumps({"answers": [{"measure": "NHWO-1.NARRATIVE", "value": f"Good{bad}news"}],
                           "version": version})
        assert "\\u" in body  # sent as JSON escapes, as a client would
        response = app.test_client().patch(url, headers=headers, data=body, content_type="application/json")
        assert response.status_code == 422
        answer = response.get_json()
        assert "answers[0].value" in answer["message"] and shown in answer["message"]
        assert list(answer["errors"]["json"]) == ["answers[0].value"]
    assert app.test_client().get(url, headers=headers).get_json()["version"] == version


def test_nul_and_bad_bytes_in_a_form(world):
    web, token = world["web"]["commissioner"]
    for raw in (b"name=Good%00news&invite=", b"name=Good%ED%A0%80news&invite=", b"name=%FF&invite="):
        response = web.client.post(f"/o/{world['slugs']['commissioner']}/collaboratives/",
                                   data=raw + b"&csrf_token=" + token.encode(),
                                   content_type="application/x-www-form-urlencoded")
        assert response.status_code == 422
        html = unescape(response.get_data(as_text=True))
        assert "There is a problem with what you sent" in html and "‘name’" in html
    assert "West group" in web.client.get(f"/o/{world['slugs']['commissioner']}/collaboratives/").get_data(
        as_text=True)  # the fixture's, and no other
    assert "Good" not in web.client.get(f"/o/{world['slugs']['commissioner']}/collaboratives/").get_data(
        as_text=True)


def test_nul_in_a_multipart_field_while_its_file_is_left_alone(world):
    web, token = world["web"]["provider"]
    response = web.client.post(f"/o/{world['slugs']['provider']}/documents/upload", data={
        "csrf_token": token, "note": "a\x00b", "files": (io.BytesIO(b"%PDF-1.4 \x00\x00 binary"), "x.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and "‘note’" in unescape(response.get_data(as_text=True))


def test_uploads_and_real_text_still_pass(app, world):
    """The guard leaves file bytes (NULs and all) and every script people write in alone."""
    web, token = world["web"]["provider"]
    slug = world["slugs"]["provider"]
    response = web.client.post(f"/o/{slug}/documents/upload", data={
        "csrf_token": token, "files": (io.BytesIO(files.pdf(["Evidence"])), f"{WELSH_AND_GAELIC}.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert WELSH_AND_GAELIC in unescape(web.client.get(response.headers["Location"]).get_data(as_text=True))
    api = app.test_client().post(f"/api/v1/orgs/{slug}/documents", headers=world["api"]["provider"],
                                 data={"file": (io.BytesIO(files.pdf(["Evidence"])), "Ŵyn a ẁyn.pdf")},
                                 content_type="multipart/form-data")
    assert api.status_code == 202 and api.get_json()["filename"] == "Ŵyn a ẁyn.pdf"
    c_web, c_token = world["web"]["commissioner"]
    formed = c_web.client.post(f"/o/{world['slugs']['commissioner']}/collaboratives/",
                               data={"name": WELSH_AND_GAELIC, "invite": "", "csrf_token": c_token})
    assert formed.status_code == 303
    assert WELSH_AND_GAELIC in unescape(c_web.client.get(formed.headers["Location"]).get_data(as_text=True))
    url = f"/api/v1/returns/{world['ids']['return_id']}"
    version = app.test_client().get(url, headers=world["api"]["provider"]).get_json()["version"]
    saved = app.test_client().patch(url, headers=world["api"]["provider"], json={
        "answers": [{"measure": "NHWO-1.NARRATIVE", "value": WELSH_AND_GAELIC}], "version": version})
    assert saved.status_code == 200 and saved.get_json()["answers"]["NHWO-1.NARRATIVE"] == WELSH_AND_GAELIC
    found = web.client.get(f"/o/{slug}/search?q=Llŷr")
    assert found.status_code == 200


def test_paging_past_the_end(app, world):
    web, _token = world["web"]["provider"]
    slug = world["slugs"]["provider"]
    for url in (f"/o/{slug}/documents/?page={2**63}", f"/o/{slug}/audit?page={10**30}",
                f"/o/{slug}/search?q=care&page={2**63}", f"/o/{slug}/returns/?contract={2**63}"):
        assert web.client.get(url).status_code == 200, url  # clamped: an empty page, like any page past the end
    headers = world["api"]["provider"]
    for url, message in ((f"/api/v1/orgs/{slug}/audit?offset={2**63}", "Enter an offset from 0 to 1,000,000,000"),
                         (f"/api/v1/orgs/{slug}/documents?offset=-1", "Enter an offset from 0 to 1,000,000,000"),
                         (f"/api/v1/returns?limit={2**63}", "Enter a limit from 1 to 1,000"),
                         (f"/api/v1/returns?contract={2**63}", "Enter the id of one of your contracts"),
                         (f"/api/v1/search?q=care&page={2**63}", "Enter a page number from 1 to 1,000,000")):
        response = app.test_client().get(url, headers=headers)
        assert response.status_code == 422, (url, response.get_json())
        assert message in json.dumps(response.get_json(), ensure_ascii=False), response.get_json()


def test_months_in_year_9999(world):
    web, _token = world["web"]["commissioner"]
    slug = world["slugs"]["commissioner"]
    page = web.client.get(f"/o/{slug}/reviews/?to=9999-12")
    assert page.status_code == 200 and "The end month must be between January 1900 and December 2200" in unescape(
        page.get_data(as_text=True))
    page = web.client.get(f"/o/{slug}/returns/?period_from=9999-12-31&period_to=0001-01-01")
    assert page.status_code == 200


def test_imported_answers_with_hidden_characters_are_refused():
    """Spreadsheet imports reach validation without passing the request guard."""
    from portal.returns.validation import FieldError, parse

    measure = SimpleNamespace(type="text", required=True, minimum=None, maximum=None, label="Narrative", code="N")
    for bad in ("Good\x00news", "Good\ud800news"):
        with pytest.raises(FieldError, match="cannot be stored"):
            parse(measure, bad)
    assert parse(measure, WELSH_AND_GAELIC) == (None, None, WELSH_AND_GAELIC)
    number = SimpleNamespace(type="decimal", required=True, minimum=None, maximum=None, label="Hours", code="H")
    assert parse(number, "99999999999999.9999")[0] == Decimal("99999999999999.9999")
    assert parse(number, "-0.00001")[0] == Decimal("0.0000")
