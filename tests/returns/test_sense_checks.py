"""Sense checks: more people achieving an outcome than reviewed is an error; a figure far from the
same contract's previous period is a warning the person confirms, kept with the version, and
shown to the commissioner."""
from __future__ import annotations

from datetime import date

import pytest

from tests import factories
from tests.conftest import Browserless
from tests.returns.forms import as_provider, form_data, stored_answers

JANUARY, FEBRUARY = date(2025, 1, 1), date(2025, 2, 1)


def _headers(api_token, email):
    return {"Authorization": f"Bearer {api_token(email)}"}


# -- the error ------------------------------------------------------------------------------------

def test_achieved_cannot_exceed_reviewed_in_the_service(app, contract_setup):
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries, services

    def attempt():
        ret = queries.list_returns()[0]
        user = db.session.get(User, contract_setup["submitter"].id)
        with pytest.raises(services.ValidationFailed) as both:
            services.save_answers(ret, {"NHWO-1.REVIEWED": "10", "NHWO-1.ACHIEVED": "11"},
                                  expected_version=ret.lock_version, actor=user)
        services.save_answers(ret, {"NHWO-1.REVIEWED": "10", "NHWO-1.ACHIEVED": "10"},
                              expected_version=ret.lock_version, actor=user)  # equal is fine
        with pytest.raises(services.ValidationFailed) as lowered:  # against the saved achieved figure
            services.save_answers(ret, {"NHWO-1.REVIEWED": "9"}, expected_version=ret.lock_version, actor=user)
        return both.value.errors, lowered.value.errors

    both, lowered = as_provider(app, contract_setup["provider"].id, attempt)
    assert both == {"NHWO-1.ACHIEVED": "People who achieved or sustained this outcome (11) cannot be more than "
                                       "people reviewed (10): check both figures"}
    assert set(lowered) == {"NHWO-1.REVIEWED"} and "(10) cannot be more than people reviewed (9)" in \
        lowered["NHWO-1.REVIEWED"]


def test_achieved_over_reviewed_on_the_page_and_in_the_api(app, web, client, contract_setup, api_token):
    provider = contract_setup["provider"]
    ret = factories.return_of(contract_setup["contract"])
    web.sign_in(contract_setup["submitter"].email)
    url = f"/o/{provider.slug}/returns/{ret.id}/tasks/NHWO-3"
    page = client.get(url).get_data(as_text=True)
    response = web.post(url, {**form_data(page, button="Save and come back later"), "NHWO-3.REVIEWED": "4",
                              "NHWO-3.ACHIEVED": "6"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#NHWO-3-ACHIEVED"' in text
    assert "People who achieved or sustained this outcome (6) cannot be more than people reviewed (4)" in text
    assert stored_answers(app, provider.id, ret.id) == {}
    # With another mistake on the page (the evidence left empty), both are named at once.
    both = web.post(url, {**form_data(page, button="Save and continue"), "NHWO-3.REVIEWED": "4",
                          "NHWO-3.ACHIEVED": "6", "NHWO-3.NARRATIVE": ""})
    text = both.get_data(as_text=True)
    assert both.status_code == 422 and 'href="#NHWO-3-ACHIEVED"' in text and 'href="#NHWO-3-NARRATIVE"' in text
    assert stored_answers(app, provider.id, ret.id) == {}
    headers = _headers(api_token, contract_setup["submitter"].email)
    version = client.get(f"/api/v1/returns/{ret.id}", headers=headers).get_json()["version"]
    refused = client.patch(f"/api/v1/returns/{ret.id}", headers=headers, json={"version": version, "answers": [
        {"measure": "NHWO-3.REVIEWED", "value": 4}, {"measure": "NHWO-3.ACHIEVED", "value": 6}]})
    assert refused.status_code == 422
    assert "cannot be more than people reviewed" in refused.get_json()["errors"]["answers"]["NHWO-3.ACHIEVED"]


# -- the warnings ---------------------------------------------------------------------------------

@pytest.fixture
def january_submitted(contract_setup):
    """January submitted with 10 people supported (and 10 reviewed for each outcome)."""
    factories.submission(contract_setup["contract"], JANUARY, on=date(2025, 2, 10))
    return factories.return_of(contract_setup["contract"], FEBRUARY)


def test_warnings_need_a_confirmation_kept_with_the_version(app, web, client, contract_setup, january_submitted):
    from portal.returns import queries

    provider, ret = contract_setup["provider"], january_submitted
    factories.answers(contract_setup["contract"], FEBRUARY)  # the same figures as January: no warnings
    base = f"/o/{provider.slug}/returns/{ret.id}"
    url = f"{base}/tasks/delivery"
    web.sign_in(contract_setup["submitter"].email)
    page = client.get(url).get_data(as_text=True)
    assert "very different" not in page
    # Small moves are fine: 10 to 14 people (less than 5 more), 120.5 to 150 hours (less than half more).
    small = {**form_data(page, button="Save and continue"), "DEL.PEOPLE": "14", "DEL.UNITS_DELIVERED": "150"}
    assert web.post(url, small).status_code == 303
    # Far from January: 40 people. The figure is saved, and the page asks to confirm it.
    page = client.get(url).get_data(as_text=True)
    shown = web.post(url, {**form_data(page, button="Save and continue"), "DEL.PEOPLE": "40"})
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "40 is much higher than the 10 you gave for January 2025 (300% more). Check it is right." in text
    assert "I have checked this figure and it is right" in text and 'name="warned" value="DEL.PEOPLE=40"' in text
    assert stored_answers(app, provider.id, ret.id)["DEL.PEOPLE"][0] == 40
    task_list = client.get(base).get_data(as_text=True)
    assert "1 figure to confirm" in task_list and "You have completed 9 of 10 sections" in task_list
    assert "Check your answers and submit" not in task_list
    # Pressing "Save and continue" again without confirming is an error on the checkbox.
    again = web.post(url, form_data(text, button="Save and continue"))
    assert again.status_code == 422 and "Confirm that the figures are right, or change them" in \
        again.get_data(as_text=True) and 'href="#confirm_warnings"' in again.get_data(as_text=True)
    confirmed = web.post(url, {**form_data(text, button="Save and continue"), "confirm_warnings": "yes"})
    assert confirmed.status_code == 303
    kept = as_provider(app, provider.id, lambda: queries.get_return(ret.id).confirmed_warnings)
    assert set(kept) == {"DEL.PEOPLE"} and kept["DEL.PEOPLE"]["value"] == "40"
    assert kept["DEL.PEOPLE"]["previous"] == "10" and kept["DEL.PEOPLE"]["confirmed_by"] == "Test Person"
    page = client.get(url).get_data(as_text=True)
    assert "You confirmed that 40 is right (10 for January 2025)" in page
    # Changing the figure ends the confirmation: 41 is asked about again.
    changed = web.post(url, {**form_data(page, button="Save and continue"), "DEL.PEOPLE": "41"})
    assert changed.status_code == 200 and "41 is much higher than the 10" in changed.get_data(as_text=True)
    assert as_provider(app, provider.id, lambda: queries.get_return(ret.id).confirmed_warnings) == {}
    assert web.post(url, {**form_data(changed.get_data(as_text=True), button="Save and continue"),
                          "confirm_warnings": "yes"}).status_code == 303
    # Check answers shows the confirmed figure; the version keeps the confirmation.
    check = client.get(f"{base}/check").get_data(as_text=True)
    assert ('41<span class="govuk-body-s govuk-!-display-block">You confirmed this figure: it was 10 for '
            'January 2025.</span>') in check
    submitted = web.post(f"{base}/submit", {**form_data(check), "declaration": "yes"}, page=f"{base}/check")
    assert submitted.status_code == 303
    version = as_provider(app, provider.id, lambda: queries.versions_for(queries.get_return(ret.id))[-1])
    assert set(version.warnings) == {"DEL.PEOPLE"} and version.warnings["DEL.PEOPLE"]["value"] == "41"
    # The commissioner sees that the provider confirmed it.
    reviewer = Browserless(app.test_client())
    reviewer.sign_in(contract_setup["manager"].email)
    review = reviewer.client.get(f"/o/{contract_setup['commissioner'].slug}/returns/{ret.id}").get_data(as_text=True)
    assert "Figures the provider confirmed" in review and "41, against 10 for January 2025." in review
    assert "Confirmed by Test Person on" in review
    assert 'govuk-!-margin-bottom-0">Service delivery</span>' in review  # the section, not a code


def test_a_confirmation_seen_for_another_figure_does_not_count(app, web, client, contract_setup, january_submitted):
    """The checkbox confirms the figures the page showed: a figure changed in the same post is asked about."""
    provider, ret = contract_setup["provider"], january_submitted
    factories.answers(contract_setup["contract"], FEBRUARY, values={"DEL.PEOPLE": "40"})
    url = f"/o/{provider.slug}/returns/{ret.id}/tasks/delivery"
    web.sign_in(contract_setup["submitter"].email)
    page = client.get(url).get_data(as_text=True)
    assert 'name="warned" value="DEL.PEOPLE=40"' in page  # a saved figure's warning shows when the page opens
    sneaky = web.post(url, {**form_data(page, button="Save and continue"), "DEL.PEOPLE": "90",
                            "confirm_warnings": "yes"})
    assert sneaky.status_code == 200 and "90 is much higher than the 10" in sneaky.get_data(as_text=True)


def test_the_api_lists_warnings_and_confirms_them(app, client, contract_setup, api_token, january_submitted):
    ret = january_submitted
    factories.answers(contract_setup["contract"], FEBRUARY, values={"DEL.UNITS_DELIVERED": "20"})
    headers = _headers(api_token, contract_setup["submitter"].email)
    detail = client.get(f"/api/v1/returns/{ret.id}", headers=headers).get_json()
    assert [(w["measure"], w["value"], w["previous"], w["confirmed"]) for w in detail["warnings"]] == [
        ("DEL.UNITS_DELIVERED", "20", "120.5", False)]
    assert "83% less" in detail["warnings"][0]["message"]
    refused = client.post(f"/api/v1/returns/{ret.id}/submit", headers=headers, json={})
    assert refused.status_code == 409 and "Service delivery" in refused.get_json()["message"]
    unknown = client.patch(f"/api/v1/returns/{ret.id}", headers=headers,
                           json={"version": detail["version"], "confirm_warnings": ["DEL.PEOPLE"]})
    assert unknown.status_code == 422 and "DEL.PEOPLE" in unknown.get_json()["errors"]["confirm_warnings"]
    confirmed = client.patch(f"/api/v1/returns/{ret.id}", headers=headers,
                             json={"version": detail["version"], "confirm_warnings": ["DEL.UNITS_DELIVERED"]})
    assert confirmed.status_code == 200 and confirmed.get_json()["warnings"][0]["confirmed"] is True
    done = client.post(f"/api/v1/returns/{ret.id}/submit", headers=headers, json={})
    assert done.status_code == 200, done.get_json()
    assert set(done.get_json()["versions"][-1]["warnings"]) == {"DEL.UNITS_DELIVERED"}
    manager = _headers(api_token, contract_setup["manager"].email)
    seen = client.get(f"/api/v1/returns/{ret.id}", headers=manager).get_json()
    assert seen["warnings"] == [] and set(seen["versions"][-1]["warnings"]) == {"DEL.UNITS_DELIVERED"}


def test_no_previous_period_no_warnings(app, contract_setup):
    """The first period has nothing to compare with; a draft earlier period does not count."""
    factories.answers(contract_setup["contract"], JANUARY)  # a draft, never submitted
    factories.answers(contract_setup["contract"], FEBRUARY, values={"DEL.PEOPLE": "90"})
    version = factories.submission(contract_setup["contract"], FEBRUARY, on=date(2025, 3, 10))
    assert version.warnings == {}


def test_a_spreadsheet_filled_part_way_and_its_impossible_figures(app, web, contract_setup):
    """Blank rows of the template are no answer (only submitting needs every one); more people
    achieving an outcome than reviewed fails the import at its row."""
    import csv
    import io

    from tests.helpers import run_jobs

    provider = contract_setup["provider"]
    ret = factories.return_of(contract_setup["contract"])
    base = f"/o/{provider.slug}/returns/{ret.id}"
    web.sign_in(contract_setup["submitter"].email)
    rows = list(csv.reader(io.StringIO(web.client.get(f"{base}/template.csv").get_data(as_text=True))))
    row_of = {row[0]: number for number, row in enumerate(rows, start=1)}

    def upload(values: dict) -> str:
        out = io.StringIO()
        csv.writer(out).writerows([row[:5] + [values.get(row[0], row[5])] if number > 1 else row
                                   for number, row in enumerate(rows, start=1)])
        response = web.client.post(f"{base}/import", data={
            "csrf_token": web.csrf(f"{base}/import"), "file": (io.BytesIO(out.getvalue().encode()), "half.csv")},
            content_type="multipart/form-data")
        assert response.status_code == 303
        run_jobs(app)
        return web.client.get(response.headers["Location"]).get_data(as_text=True)

    failed = upload({"NHWO-1.REVIEWED": "9", "NHWO-1.ACHIEVED": "11"})
    assert "Not imported" in failed and "cannot be more than people reviewed (9)" in failed
    assert f'<td class="govuk-table__cell">{row_of["NHWO-1.ACHIEVED"]}</td>' in failed
    assert stored_answers(app, provider.id, ret.id) == {}
    applied = upload({"NHWO-1.REVIEWED": "9", "NHWO-1.ACHIEVED": "5"})
    assert "Answers saved" in applied and "2 answers from the spreadsheet were saved" in applied
    assert stored_answers(app, provider.id, ret.id) == {"NHWO-1.REVIEWED": (9, None, None),
                                                        "NHWO-1.ACHIEVED": (5, None, None)}
