"""The provider's return pages and the commissioner's review, through the HTML forms."""
from __future__ import annotations

import re

from tests.conftest import Browserless
from tests.factories import full_answers


def _first_return_id(app, provider_id):
    from portal.returns.queries import list_returns
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider_id):
        return list_returns()[0].id


def _tasks(app, provider_id, return_id):
    from portal.returns import queries
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider_id):
        ret = queries.get_return(return_id)
        return [(t.key, [m for m in t.measures]) for t in queries.task_list(ret)]


def _version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def test_fill_every_task_check_and_submit_once(app, web, client, contract_setup):
    provider = contract_setup["provider"]
    web.sign_in(contract_setup["submitter"].email)
    return_id = _first_return_id(app, provider.id)
    base = f"/o/{provider.slug}/returns/{return_id}"
    page = client.get(base).get_data(as_text=True)
    assert "govuk-task-list" in page and page.count("Not yet started") == 10
    assert "You have completed 0 of 10 sections" in page and f"{base}/check" not in page
    for key, measures in _tasks(app, provider.id, return_id):
        form_page = client.get(f"{base}/tasks/{key}").get_data(as_text=True)
        data = {"version": _version(form_page), **full_answers(measures)}
        response = web.post(f"{base}/tasks/{key}", data)
        assert response.status_code == 303, (key, response.get_data(as_text=True)[:500])
    page = client.get(base).get_data(as_text=True)
    assert "You have completed 10 of 10 sections" in page and f"{base}/check" in page
    check = client.get(f"{base}/check").get_data(as_text=True)
    assert "Accept and submit" in check and "Evidence for NHWO-1.NARRATIVE" in check
    assert "I confirm that the information in this return is accurate" in check
    version = _version(check)
    undeclared = web.post(f"{base}/submit", {"version": version}, page=f"{base}/check")
    assert undeclared.status_code == 422
    assert "Confirm that the information in this return is accurate and complete" in undeclared.get_data(as_text=True)
    assert 'href="#declaration"' in undeclared.get_data(as_text=True)
    first = web.post(f"{base}/submit", {"version": version, "declaration": "yes"}, page=f"{base}/check")
    second = web.post(f"{base}/submit", {"version": version, "declaration": "yes"}, page=f"{base}/check")
    assert first.status_code == second.status_code == 303  # a double click
    assert first.headers["Location"].endswith(f"{base}/submitted")
    done = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "govuk-panel--confirmation" in done and "Return submitted" in done and "What happens next" in done
    assert "Clyde HSCP will review the return" in done
    page = client.get(base).get_data(as_text=True)
    assert "Version 1" in page and "Version 2" not in page and "Submitted" in page


def test_the_old_declaration_address_leads_to_check_answers(app, web, client, contract_setup):
    provider = contract_setup["provider"]
    web.sign_in(contract_setup["submitter"].email)
    base = f"/o/{provider.slug}/returns/{_first_return_id(app, provider.id)}"
    response = client.get(f"{base}/declaration")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{base}/check#declaration")


def test_a_bad_answer_shows_the_error_summary_and_keeps_what_was_typed(app, web, client, contract_setup):
    provider = contract_setup["provider"]
    web.sign_in(contract_setup["submitter"].email)
    return_id = _first_return_id(app, provider.id)
    url = f"/o/{provider.slug}/returns/{return_id}/tasks/delivery"
    version = _version(client.get(url).get_data(as_text=True))
    response = web.post(url, {"version": version, "DEL.PEOPLE": "lots", "DEL.UNITS_CONTRACTED": "100",
                              "DEL.UNITS_DELIVERED": "90", "DEL.LIVING_WAGE": "101", "DEL.NOTES": "kept"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page and 'href="#DEL-PEOPLE"' in page
    assert "People supported this period must be a whole number" in page
    assert "must be 100 or less" in page and ">kept</textarea>" in page and 'value="lots"' in page


def test_a_stale_form_is_refused_not_lost(app, contract_setup):
    provider = contract_setup["provider"]
    first, second = Browserless(app.test_client()), Browserless(app.test_client())
    first.sign_in(contract_setup["submitter"].email)
    second.sign_in(contract_setup["other_submitter"].email)
    return_id = _first_return_id(app, provider.id)
    url = f"/o/{provider.slug}/returns/{return_id}/tasks/delivery"
    opened = _version(first.client.get(url).get_data(as_text=True))
    assert _version(second.client.get(url).get_data(as_text=True)) == opened
    fields = {"DEL.PEOPLE": "5", "DEL.UNITS_CONTRACTED": "10", "DEL.UNITS_DELIVERED": "10", "DEL.LIVING_WAGE": "90"}
    assert first.post(url, {"version": opened, **fields}).status_code == 303
    refused = second.post(url, {"version": opened, **fields, "DEL.PEOPLE": "6"})
    assert refused.status_code == 409
    assert "Someone else saved this return" in refused.get_data(as_text=True)
    assert 'value="6"' in refused.get_data(as_text=True)  # what they typed is still on the page


def test_commissioner_reviews_and_provider_sees_the_comments(app, web, client, contract_setup):
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.tenants.context import tenant_context

    provider, commissioner = contract_setup["provider"], contract_setup["commissioner"]
    return_id = _first_return_id(app, provider.id)
    with app.app_context(), tenant_context(provider.id):
        user = db.session.get(User, contract_setup["submitter"].id)
        ret = queries.get_return(return_id)
        services.save_answers(ret, full_answers(queries.measures_for(ret)), expected_version=ret.lock_version,
                              actor=user)
        services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=user)
        services.submit(ret, expected_version=ret.lock_version, actor=user)
        db.session.commit()
    web.sign_in(contract_setup["manager"].email)
    url = f"/o/{commissioner.slug}/returns/{return_id}"
    page = client.get(url).get_data(as_text=True)
    assert "Evidence for NHWO-2.NARRATIVE" in page and "Save review" in page
    refused = web.post(f"{url}/review", {"decision": "request_changes", "comment": ""}, page=url)
    assert refused.status_code == 422 and "Say what the provider needs to change" in refused.get_data(as_text=True)
    done = web.post(f"{url}/review", {"decision": "request_changes", "comment": "Recheck outcome 4",
                                      "tasks": "NHWO-4"}, page=url)
    assert done.status_code == 303
    client.post("/sign-out", data={"csrf_token": web.csrf(url)})
    web.sign_in(contract_setup["submitter"].email)
    page = client.get(f"/o/{provider.slug}/returns/{return_id}").get_data(as_text=True)
    assert "Recheck outcome 4" in page and "There is a problem" in page


def test_finance_can_read_but_not_edit(app, make_user, contract_setup):
    provider = contract_setup["provider"]
    finance = make_user(memberships=[(provider, "finance")])
    reader = Browserless(app.test_client())
    reader.sign_in(finance.email)
    return_id = _first_return_id(app, provider.id)
    assert reader.client.get(f"/o/{provider.slug}/returns/{return_id}").status_code == 200
    assert reader.client.get(f"/o/{provider.slug}/returns/{return_id}/tasks/delivery").status_code == 403


def test_commissioner_creates_a_contract_in_the_browserless_form(app, web, client, contract_setup):
    commissioner = contract_setup["commissioner"]
    web.sign_in(contract_setup["manager"].email)
    form = client.get(f"/o/{commissioner.slug}/contracts/new").get_data(as_text=True)
    framework = re.search(r'<option value="(\d+)"', form.split('name="framework"')[1]).group(1)
    data = {"provider": "fern-care", "reference": "CLY-002", "title": "Day opportunities", "service_type":
            "day_opportunities", "care_group": "", "locality": "South", "start_date": ["1", "4", "2026"],
            "end_date": ["31", "3", "2027"], "annual_value": "250,000.00", "funding_model": "block",
            "framework": framework, "lead_manager": str(contract_setup["manager"].id), "living_wage_rate": "12.60",
            "frequency": "quarterly", "due_days": "21"}
    response = web.post(f"/o/{commissioner.slug}/contracts/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "CLY-002" in page and "£250,000.00" in page and page.count("Draft") == 0  # drafts are hidden
    assert re.search(r"Delivery counted in\s*</dt>\s*<dd[^>]*>\s*Sessions", page)  # the usual unit of day opportunities
    visits = web.post(f"/o/{commissioner.slug}/contracts/new", {**data, "reference": "CLY-004",
                                                                "delivery_unit": "visits"})
    assert visits.status_code == 303 and "Visits" in client.get(visits.headers["Location"]).get_data(as_text=True)
    nonsense = web.post(f"/o/{commissioner.slug}/contracts/new", {**data, "reference": "CLY-005",
                                                                  "delivery_unit": "miles"})
    text = nonsense.get_data(as_text=True)
    assert "Choose one of the options for “What the contract counts delivery in”" in text
    unknown = web.post(f"/o/{commissioner.slug}/contracts/new", {**data, "reference": "CLY-006", "service_type": "spa",
                                                                 "framework": "abc", "lead_manager": "999999"})
    text = unknown.get_data(as_text=True)
    assert "Choose the type of service" in text and "Choose the outcome framework" in text
    assert "Choose the lead contract manager" in text and "valid choice" not in text and "coerce" not in text
    bad = web.post(f"/o/{commissioner.slug}/contracts/new", {**data, "reference": "CLY-003", "end_date": ["31", "3", "2025"],
                                                            "annual_value": "lots"})
    text = bad.get_data(as_text=True)
    assert "There is a problem" in text and ("end date" in text or "amount" in text)


def test_changes_requested_says_who_when_by_when_and_what(app, web, client, contract_setup):
    from datetime import date

    from tests import factories
    from tests.returns.forms import form_data

    provider, contract = contract_setup["provider"], contract_setup["contract"]
    factories.submission(contract, date(2025, 1, 1), on=date(2025, 2, 10))
    factories.review(contract, date(2025, 1, 1), "request_changes", on=date(2025, 2, 11),
                     by=contract_setup["manager"], comment="Two sections need another look.", tasks=["NHWO-4", "delivery"],
                     respond_by=date(2025, 2, 25), section_comments={"NHWO-4": "Say how you counted the reviews."})
    ret = factories.return_of(contract, date(2025, 1, 1))
    base = f"/o/{provider.slug}/returns/{ret.id}"
    web.sign_in(contract_setup["submitter"].email)
    page = client.get(base).get_data(as_text=True)
    banner = page.split('class="govuk-notification-banner"')[1].split("</div>\n</div>")[0]
    assert "Important" in banner
    assert "Test Person at Clyde HSCP asked for changes on 11 Feb 2025 12:00." in banner
    assert "“Two sections need another look.”" in banner and "Respond by 25 Feb 2025." in banner
    assert "Quality of life</a>: Say how you counted the reviews." in banner and "Service delivery</a>" in banner
    assert page.count("There is a problem") == 2 and "You have completed 8 of 10 sections" in page
    task = client.get(f"{base}/tasks/NHWO-4").get_data(as_text=True)
    assert "Clyde HSCP asked for changes to this section" in task and "Say how you counted the reviews." in task
    # Saving the section as complete answers the flag, even when its answers were right.
    assert web.post(f"{base}/tasks/NHWO-4", form_data(task, button="Save and continue")).status_code == 303
    later = client.get(f"{base}/tasks/delivery").get_data(as_text=True)
    assert "Two sections need another look." in later  # no comment of its own: the review's comment
    assert web.post(f"{base}/tasks/delivery", form_data(later, button="Save and come back later")).status_code == 303
    page = client.get(base).get_data(as_text=True)
    assert page.count("There is a problem") == 1 and "You have completed 9 of 10 sections" in page
