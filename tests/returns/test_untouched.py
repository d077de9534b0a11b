"""Nothing the person did not type is saved: every kind of task, saved untouched from its page as
a browser sends it, stores nothing (and never the word "None"); saving part-way keeps what was
typed and leaves blanks blank; only submitting needs every answer."""
from __future__ import annotations

from datetime import date

from tests import factories
from tests.returns.forms import as_provider, form_data, lock_version, stored_answers


def _yes_no_framework(app, commissioner):
    """A commissioner's framework whose tasks hold every kind of question: numbers, text, yes or no."""
    from portal.contracts.custom_frameworks import add_measure
    from portal.contracts.models import OutcomeFramework
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.models import Organisation

    made = factories.framework(commissioner, code="KINDS", outcomes=[("KINDS-1", "People live well at home")])
    with app.app_context(), tenant_context(commissioner.id):
        owner, framework = db.session.get(Organisation, commissioner.id), db.session.get(OutcomeFramework, made.id)
        add_measure(owner, framework, section="KINDS-1", code="KINDS-1.PLAN", label="Did everyone have a plan?",
                    type="yes_no", required=True, actor=None)
        add_measure(owner, framework, section="delivery", code="DEL.SHARE", label="Share of visits on time",
                    type="percentage", required=False, actor=None)
        add_measure(owner, framework, section="delivery", code="DEL.COMPLAINTS", label="Were there complaints?",
                    type="yes_no", required=False, actor=None)
        db.session.commit()
    return made.id


def _task_keys(app, provider_id, return_id):
    from portal.returns import queries

    return as_provider(app, provider_id, lambda: [t.key for t in queries.task_list(queries.get_return(return_id))])


def test_every_kind_of_task_saved_untouched_saves_nothing(app, web, client, contract_setup):
    provider = contract_setup["provider"]
    framework_id = _yes_no_framework(app, contract_setup["commissioner"])
    kinds = factories.contract(commissioner=contract_setup["commissioner"], provider=provider, reference="KINDS-1",
                               framework_id=framework_id, start=date(2025, 1, 1), end=date(2025, 1, 31))
    web.sign_in(contract_setup["submitter"].email)
    for contract in (contract_setup["contract"], kinds):
        return_id = factories.return_of(contract).id
        base = f"/o/{provider.slug}/returns/{return_id}"
        before = lock_version(app, provider.id, return_id)
        keys = _task_keys(app, provider.id, return_id)
        assert "delivery" in keys and len(keys) >= 2  # outcome tasks and the delivery task
        for key in keys:
            page = client.get(f"{base}/tasks/{key}").get_data(as_text=True)
            assert ">None</textarea>" not in page and 'value="None"' not in page, key
            later = web.post(f"{base}/tasks/{key}", form_data(page, button="Save and come back later"))
            assert later.status_code == 303, (key, later.get_data(as_text=True)[:300])
            page = client.get(f"{base}/tasks/{key}").get_data(as_text=True)
            done = web.post(f"{base}/tasks/{key}", form_data(page, button="Save and continue"))
            assert done.status_code == 422 and "There is a problem" in done.get_data(as_text=True), key
        assert stored_answers(app, provider.id, return_id) == {}
        assert lock_version(app, provider.id, return_id) == before  # nothing changed, nothing was written


def test_a_task_with_answers_saved_untouched_keeps_exactly_them(app, web, client, contract_setup):
    provider = contract_setup["provider"]
    ret = factories.return_of(contract_setup["contract"])
    factories.answers(contract_setup["contract"], ret.period_start)  # every question (the notes stay blank)
    stored = stored_answers(app, provider.id, ret.id)
    assert "DEL.NOTES" in stored and stored["DEL.NOTES"][2] == "Evidence for DEL.NOTES"
    # Clear the optional notes the way a person would: an empty box.
    base = f"/o/{provider.slug}/returns/{ret.id}"
    web.sign_in(contract_setup["submitter"].email)
    page = client.get(f"{base}/tasks/delivery").get_data(as_text=True)
    assert web.post(f"{base}/tasks/delivery", {**form_data(page, button="Save and continue"),
                                               "DEL.NOTES": ""}).status_code == 303
    stored = stored_answers(app, provider.id, ret.id)
    assert "DEL.NOTES" not in stored  # no answer, not a blank or "None" one
    version = lock_version(app, provider.id, ret.id)
    for key in _task_keys(app, provider.id, ret.id):
        page = client.get(f"{base}/tasks/{key}").get_data(as_text=True)
        assert ">None</textarea>" not in page
        for button in ("Save and continue", "Save and come back later"):
            assert web.post(f"{base}/tasks/{key}", form_data(page, button=button)).status_code == 303
    assert stored_answers(app, provider.id, ret.id) == stored
    assert lock_version(app, provider.id, ret.id) == version
    assert not any(text == "None" for _n, _b, text in stored.values())


def test_save_and_come_back_later_keeps_what_was_typed(app, web, client, contract_setup):
    provider = contract_setup["provider"]
    ret = factories.return_of(contract_setup["contract"])
    base = f"/o/{provider.slug}/returns/{ret.id}"
    web.sign_in(contract_setup["submitter"].email)
    url = f"{base}/tasks/NHWO-1"
    page = client.get(url).get_data(as_text=True)
    typed = {**form_data(page, button="Save and come back later"), "NHWO-1.REVIEWED": "12"}
    saved = web.post(url, typed)
    assert saved.status_code == 303
    assert "You can come back to it later" in client.get(saved.headers["Location"]).get_data(as_text=True)
    assert stored_answers(app, provider.id, ret.id) == {"NHWO-1.REVIEWED": (12, None, None)}
    task_list = client.get(base).get_data(as_text=True)
    assert "In progress" in task_list and "You have completed 0 of 10 sections" in task_list
    # The page shows what was kept, and the blanks stay blank.
    page = client.get(url).get_data(as_text=True)
    assert 'value="12"' in page and ">None<" not in page
    # "Save and continue" needs every answer of the task: nothing more is saved.
    refused = web.post(url, form_data(page, button="Save and continue"))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Enter the number of people who achieved or sustained this outcome" in text
    assert "Describe the evidence of this outcome" in text
    assert stored_answers(app, provider.id, ret.id) == {"NHWO-1.REVIEWED": (12, None, None)}
    # Nonsense is refused part-way too, and nothing half-written is kept.
    nonsense = web.post(url, {**form_data(page, button="Save and come back later"), "NHWO-1.REVIEWED": "13",
                              "NHWO-1.ACHIEVED": "lots"})
    assert nonsense.status_code == 422 and "must be a whole number" in nonsense.get_data(as_text=True)
    assert stored_answers(app, provider.id, ret.id) == {"NHWO-1.REVIEWED": (12, None, None)}
    # Clearing a figure part-way removes it.
    cleared = web.post(url, {**form_data(page, button="Save and come back later"), "NHWO-1.REVIEWED": ""})
    assert cleared.status_code == 303 and stored_answers(app, provider.id, ret.id) == {}


def test_only_submitting_needs_everything(app, web, client, contract_setup, api_token):
    provider = contract_setup["provider"]
    ret = factories.return_of(contract_setup["contract"])
    base = f"/o/{provider.slug}/returns/{ret.id}"
    headers = {"Authorization": f"Bearer {api_token(contract_setup['submitter'].email)}"}
    detail = client.get(f"/api/v1/returns/{ret.id}", headers=headers).get_json()
    part = client.patch(f"/api/v1/returns/{ret.id}", headers=headers, json={
        "version": detail["version"], "answers": [{"measure": "NHWO-2.REVIEWED", "value": "8"},
                                                  {"measure": "DEL.PEOPLE", "value": None}]})
    assert part.status_code == 200, part.get_json()
    assert part.get_json()["answers"] == {"NHWO-2.REVIEWED": "8"}
    sections = {s["key"]: s["status"] for s in part.get_json()["sections"]}
    assert sections["NHWO-2"] == "In progress" and sections["delivery"] == "Not yet started"
    refused = client.post(f"/api/v1/returns/{ret.id}/submit", headers=headers, json={})
    assert refused.status_code == 409 and "Complete every section" in refused.get_json()["message"]
    web.sign_in(contract_setup["submitter"].email)
    check = client.get(f"{base}/check").get_data(as_text=True)
    assert "You cannot submit the return yet" in check and "Accept and submit" not in check
    assert "Check your answers and submit" not in client.get(base).get_data(as_text=True)
