"""The commissioner's review queue, and the provider told of the decision."""
from __future__ import annotations

from datetime import date

from tests import factories
from tests.helpers import mailbox, run_jobs
from tests.factories import full_answers


def _submit(app, provider_id, user_id, contract_id=None, count=1):
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.tenants.context import tenant_context

    ids = []
    with app.app_context(), tenant_context(provider_id):
        user = db.session.get(User, user_id)
        for ret in queries.list_returns(contract_id=contract_id)[:count]:
            services.save_answers(ret, full_answers(queries.measures_for(ret)), expected_version=ret.lock_version,
                                  actor=user)
            services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=user)
            services.submit(ret, expected_version=ret.lock_version, actor=user)
            ids.append(ret.id)
        db.session.commit()
    return ids


def _second_provider(app, make_org, make_user, contract_setup):
    """Birch Care, with a submitter and a day-support contract from Clyde (June 2024 to May 2025)."""
    other = factories.organisation("provider", slug="birch-care", name="Birch Care")
    staff = factories.user(memberships=[(other, "submitter")])
    contract = factories.contract(commissioner=contract_setup["commissioner"], provider=other, reference="CLY-BIRCH",
                                  title="Day support", service_type="day_opportunities", care_group="",
                                  locality="South", start=date(2024, 6, 1), end=date(2025, 5, 31), annual_value="1",
                                  funding_model="block", framework_id=contract_setup["framework_id"])
    return other, staff, contract.id


def test_queue_lists_my_providers_first_then_oldest_due(app, web, client, make_org, make_user, contract_setup):
    other, staff, other_contract = _second_provider(app, make_org, make_user, contract_setup)
    mine = _submit(app, contract_setup["provider"].id, contract_setup["submitter"].id, count=2)
    theirs = _submit(app, other.id, staff.id, count=2)  # due earlier than mine, but not my providers
    web.sign_in(contract_setup["manager"].email)
    page = client.get(f"/o/{contract_setup['commissioner'].slug}/reviews/").get_data(as_text=True)
    order = [int(x) for x in __import__("re").findall(r'/returns/(\d+)"', page)]
    assert order == mine + theirs
    assert "Yours" in page and "4 returns" in page
    filtered = client.get(f"/o/{contract_setup['commissioner'].slug}/reviews/?provider=birch-care").get_data(
        as_text=True)
    assert "2 returns" in filtered and "Fern Care" not in filtered.split("<tbody")[1]
    south = client.get(f"/o/{contract_setup['commissioner'].slug}/reviews/?locality=South&from=2024-07&to=2024-07")
    assert "1 return," in south.get_data(as_text=True)
    bad = client.get(f"/o/{contract_setup['commissioner'].slug}/reviews/?from=July")
    assert "The start month must be a real month and year, like 3 2026" in bad.get_data(as_text=True)


def test_the_queue_filters_by_part_of_a_provider_name_or_contract_reference(app, web, client, api_token, make_org,
                                                                             make_user, contract_setup):
    """Text boxes, not lists of every provider and contract (a council may have hundreds): any part
    of the name or reference, in any case (or a provider's slug, as the outcomes page links);
    wildcards are plain text; a text too long to be one is explained."""
    other, staff, _ = _second_provider(app, make_org, make_user, contract_setup)
    _submit(app, contract_setup["provider"].id, contract_setup["submitter"].id, count=1)
    birch = _submit(app, other.id, staff.id, count=2)
    web.sign_in(contract_setup["manager"].email)
    base = f"/o/{contract_setup['commissioner'].slug}/reviews/"
    page = client.get(base).get_data(as_text=True)
    assert 'name="reference"' in page and 'name="contract"' not in page and "<option value=\"birch-care\"" not in page
    for provider in ("bIRCh", "birch-care", "+Birch++Care"):
        assert "2 returns" in client.get(f"{base}?provider={provider}").get_data(as_text=True), provider
    assert "No returns match" in client.get(f"{base}?provider=_").get_data(as_text=True)
    too_long = client.get(f"{base}?provider={'Y' * 201}").get_data(as_text=True)
    assert "Provider must be 200 characters or fewer" in too_long and 'href="#provider"' in too_long
    found = client.get(f"{base}?reference=+y-bIRch+").get_data(as_text=True)
    assert "2 returns" in found and [int(x) for x in __import__("re").findall(r'/returns/(\d+)"', found)] == birch
    assert 'value="y-bIRch"' in found  # what was typed stays in the box
    assert "No returns match" in client.get(f"{base}?reference=CLY%25").get_data(as_text=True)
    long = client.get(f"{base}?reference={'X' * 61}")
    assert long.status_code == 200
    text = long.get_data(as_text=True)
    assert "Contract reference must be 60 characters or fewer" in text and 'href="#reference"' in text
    assert "3 returns" in text  # the other filters still apply; the long text is not used
    headers = {"Authorization": f"Bearer {api_token(contract_setup['manager'].email)}"}
    items = client.get("/api/v1/reviews?reference=cly-birch", headers=headers).get_json()
    assert [i["id"] for i in items] == birch
    assert client.get(f"/api/v1/reviews?reference={'X' * 61}", headers=headers).status_code == 422


def test_the_queue_comes_in_pages_that_keep_the_filters(app, web, client, contract_setup, monkeypatch):
    import re

    from portal.returns import review_queue

    monkeypatch.setattr(review_queue, "QUEUE_PAGE_SIZE", 2)
    submitted = _submit(app, contract_setup["provider"].id, contract_setup["submitter"].id, count=5)
    assert len(submitted) == 5
    web.sign_in(contract_setup["manager"].email)
    base = f"/o/{contract_setup['commissioner'].slug}/reviews/"

    def shown(html):
        return [int(x) for x in re.findall(r'/returns/(\d+)"', html)]

    first = client.get(f"{base}?locality=North").get_data(as_text=True)
    assert "5 returns, your providers first, then the oldest due (showing 1 to 2)" in first
    assert shown(first) == submitted[:2]
    assert 'aria-label="Pages of returns to review"' in first
    assert f'href="{base}?page=2&amp;locality=North"' in first or f'href="{base}?locality=North&amp;page=2"' in first
    last = client.get(f"{base}?locality=North&page=3").get_data(as_text=True)
    assert shown(last) == submitted[4:] and "(showing 5 to 5)" in last and 'rel="prev"' in last
    assert 'rel="next"' not in last
    beyond = client.get(f"{base}?page=99").get_data(as_text=True)
    assert shown(beyond) == [] and "There are no returns on this page" in beyond
    nonsense = client.get(f"{base}?page=lots").get_data(as_text=True)
    assert shown(nonsense) == submitted[:2]


def test_queue_through_the_api_and_never_drafts(app, client, api_token, contract_setup):
    _submit(app, contract_setup["provider"].id, contract_setup["submitter"].id, count=1)
    headers = {"Authorization": f"Bearer {api_token(contract_setup['manager'].email)}"}
    items = client.get("/api/v1/reviews", headers=headers).get_json()
    assert len(items) == 1 and items[0]["status"] == "submitted" and items[0]["lead_manager_is_you"] is True
    assert items[0]["provider"] == {"slug": "fern-care", "name": "Fern Care"}
    assert client.get("/api/v1/reviews?status=draft", headers=headers).status_code == 422
    provider = {"Authorization": f"Bearer {api_token(contract_setup['submitter'].email)}"}
    assert client.get("/api/v1/reviews", headers=provider).status_code == 404  # providers have no review queue


def test_the_provider_is_emailed_about_the_review(app, client, api_token, contract_setup):
    [return_id] = _submit(app, contract_setup["provider"].id, contract_setup["submitter"].id, count=1)
    headers = {"Authorization": f"Bearer {api_token(contract_setup['manager'].email)}"}
    response = client.post(f"/api/v1/returns/{return_id}/review", headers=headers,
                           json={"decision": "request_changes", "comment": "Add evidence for outcome 5"})
    assert response.status_code == 200 and response.get_json()["status"] == "changes_requested"
    run_jobs(app)  # notify_review runs as the provider, then the emails it queued
    run_jobs(app)
    messages = mailbox(app)
    assert {m.to_address for m in messages} == {"submitter@fern.example", "second@fern.example", "admin@fern.example"}
    assert all("Changes requested" in m.subject and "Add evidence for outcome 5" in m.body for m in messages)
