"""Page forms: every field of the forms people fill in, with values too long, too large, not
numbers, dates in year 9999 or 1, answers 200 (the form with its error), a redirect (saved)
or a 4xx page that says what is wrong; never a 500."""
from __future__ import annotations

import re
from itertools import count

NUMBERS = ("9223372036854775808", "1" + "0" * 30, "-1", "1e20", "100000", "NaN", "Infinity", "-Infinity", "sNaN",
           "1e999999999", "-1e-999999999", "99999999999999.99995", "9999.995", "9" * 5000, "0x10", "1_000",
           "²", "١٢")
TEXTS = ("x" * 5000, "", " ", "Llŷr Gwynedd – Ò Chaluim, café 😀", "\u202eevil")
DATES = (["31", "12", "9999"], ["1", "1", "1"], ["1", "1", "10000"], ["0", "0", "0"], ["31", "2", "2025"],
         ["99999999999999999999", "1", "2025"], ["1", "1", "-5"], ["1", "1", "2100"], ["31", "12", "2099"])
_references = count(1)


def _contract_form(world) -> dict:
    return {"provider": "fern-care", "reference": f"PROBE-{next(_references)}", "title": "Probe", "service_type":
            "care_at_home", "care_group": "", "locality": "", "start_date": ["1", "4", "2026"],
            "end_date": ["31", "3", "2027"], "annual_value": "1000", "funding_model": "block",
            "framework": str(world["framework_id"]), "lead_manager": str(world["manager"].id), "living_wage_rate": "",
            "frequency": "annual", "due_days": "14"}


def test_contract_form(world, probe):
    web, token = world["web"]["commissioner"]
    url = f"/o/{world['slugs']['commissioner']}/contracts/new"
    for name in _contract_form(world):
        values = DATES if name.endswith("_date") else (NUMBERS + TEXTS)
        for value in values:
            data = {**_contract_form(world), name: value, "csrf_token": token}
            probe.check(f"POST contract {name}={str(value)[:40]}", lambda: web.client.post(url, data=data))
    for value in DATES:  # both dates alike: only the range is wrong
        data = {**_contract_form(world), "start_date": value, "end_date": value, "csrf_token": token}
        probe.check(f"POST contract both dates={value}", lambda: web.client.post(url, data=data))
    probe.assert_clean(minimum=250)


def _version(page: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', page)
    return match.group(1) if match else "1"


def _task_fields(app, world) -> dict[str, dict[str, str]]:
    """Each task's measures with a valid answer for each."""
    from portal.returns import queries
    from portal.tenants.context import tenant_context
    from tests.factories import full_answers

    with app.app_context(), tenant_context(world["provider"].id):
        ret = queries.get_return(world["ids"]["return_id"])
        return {task.key: full_answers(task.measures) for task in queries.task_list(ret) if task.measures}


def test_answer_forms(app, world, probe):
    """Each answer in turn, the others valid, so no other field's error hides a failure."""
    web, token = world["web"]["provider"]
    base = f"/o/{world['slugs']['provider']}/returns/{world['ids']['return_id']}"
    tasks = _task_fields(app, world)
    assert {"delivery", "NHWO-1"} <= set(tasks)
    for task in ("delivery", "NHWO-1"):
        url = f"{base}/tasks/{task}"
        for field in tasks[task]:
            for value in NUMBERS + TEXTS + ("x" * 10_001,):
                version = _version(web.client.get(url).get_data(as_text=True))
                data = {**tasks[task], field: value, "version": version, "csrf_token": token}
                probe.check(f"POST {task} {field}={value[:40]}", lambda: web.client.post(url, data=data))
    for value in NUMBERS:  # the version the page was read at
        probe.check(f"POST version={value[:40]}", lambda: web.client.post(
            f"{base}/declaration", data={"confirm": "yes", "version": value, "csrf_token": token}))
        probe.check(f"POST submit version={value[:40]}", lambda: web.client.post(
            f"{base}/submit", data={"version": value, "csrf_token": token}))
        probe.check(f"POST attach {value[:40]}", lambda: web.client.post(
            f"{base}/documents/attach", data={"document_id": value, "csrf_token": token}))
    probe.assert_clean(minimum=150)


def test_review_form(world, probe):
    web, token = world["web"]["commissioner"]
    url = f"/o/{world['slugs']['commissioner']}/returns/{world['ids']['submitted_return_id']}/review"
    for data in ({"decision": "x" * 5000}, {"decision": "request_changes", "comment": "x" * 100_000},
                 {"decision": "request_changes", "comment": "Fix", "tasks": ["x" * 5000] * 50},
                 {"decision": "request_changes", "comment": "Llŷr 😀", "tasks": ["delivery", "delivery"]}):
        probe.check(f"POST review {str(data)[:60]}", lambda: web.client.post(url, data={**data, "csrf_token": token}))
    probe.assert_clean(minimum=4)


def test_other_forms(app, world, probe):
    commissioner, c_token = world["web"]["commissioner"]
    provider, p_token = world["web"]["provider"]
    c_slug, p_slug = world["slugs"]["commissioner"], world["slugs"]["provider"]
    forms = [
        (commissioner, c_token, f"/o/{c_slug}/collaboratives/", {"name": "West", "invite": ""}),
        (commissioner, c_token, f"/o/{c_slug}/members/invite", {"email": "someone@clyde.example", "role": "viewer"}),
        (commissioner, c_token, f"/o/{c_slug}/members/{world['ids']['membership_id']}", {"role": "viewer"}),
        (provider, p_token, "/account/", {"label": "Mine"}),
        (commissioner, c_token, "/admin/organisations/new",
         {"name": "New", "slug": "new-org", "kind": "provider", "admin_email": "boss@new.example"}),
        (commissioner, c_token, f"/o/{c_slug}/frameworks/new",
         {"name": "Mine", "code": "MINE", "outcomes": "Live well"}),
        (commissioner, c_token, f"/o/{c_slug}/frameworks/{world['ids']['custom_framework_id']}/measures/new",
         {"section": "delivery", "code": "D.X", "label": "Extra", "hint": "", "type": "text", "required": "no"}),
    ]
    for client, token, url, base in forms:
        for name in base:
            for value in TEXTS + ("a" * 300 + "@example.org", "x@" + "y" * 300 + ".example", "9223372036854775808"):
                data = {**base, name: value, "csrf_token": token}
                probe.check(f"POST {url} {name}={value[:40]}", lambda: client.client.post(url, data=data))
    anonymous = app.test_client()
    for url, base in (("/sign-in", {"email": "a@b.example", "password": "x"}),
                      ("/password/forgot", {"email": "a@b.example"})):
        for name in base:
            for value in TEXTS + ("a" * 300 + "@example.org", "p" * 100_000):
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', anonymous.get(url).get_data(as_text=True))
                data = {**base, name: value, "csrf_token": token.group(1)}
                probe.check(f"POST {url} {name}={value[:40]}", lambda: anonymous.post(url, data=data))
    probe.assert_clean(minimum=100)


def _tender_form() -> dict:
    return {"reference": f"PROBE-T-{next(_references)}", "title": "Probe", "description": "", "service_type":
            "care_at_home", "regime": "scotland", "electronic": "y", "estimated_value": "250000",
            "published_on": ["1", "6", "2027"], "submission_day": ["15", "7", "2027"], "submission_time": "12:00"}


def test_tender_forms(app, world, probe):
    web, token = world["web"]["commissioner"]
    base = f"/o/{world['slugs']['commissioner']}/tenders"
    for name in _tender_form():
        values = DATES if name in ("published_on", "submission_day") else (NUMBERS + TEXTS + ("25:61", "12:00pm"))
        for value in values:
            data = {**_tender_form(), name: value, "csrf_token": token}
            probe.check(f"POST tender {name}={str(value)[:40]}", lambda: web.client.post(f"{base}/new", data=data))
    created = web.client.post(f"{base}/new", data={**_tender_form(), "csrf_token": token})
    assert created.status_code == 303, created.get_data(as_text=True)[:2000]
    url = created.headers["Location"]
    form = web.client.get(f"{url}/timetable").get_data(as_text=True)
    names = sorted(set(re.findall(r'name="([a-z_]+)"', form)) - {"csrf_token"})
    assert len(names) >= 13, names
    for name in names:
        for value in (DATES if not name.endswith("_time") else TEXTS + ("24:00", "-1:30", "7")):
            probe.check(f"POST timetable {name}={str(value)[:40]}",
                        lambda: web.client.post(f"{url}/timetable", data={name: value, "csrf_token": token}))
    amend_url = f"/o/{world['slugs']['commissioner']}/tenders/{world['ids']['tender_id']}/amend"
    amend_form = web.client.get(amend_url).get_data(as_text=True)
    for name in sorted(set(re.findall(r'name="([a-z_]+)"', amend_form)) - {"csrf_token"}):
        for value in (DATES if name in ("evaluation_on", "award_on", "contract_start") or name.endswith("_day")
                      else TEXTS + ("24:00",)):
            probe.check(f"POST amend {name}={str(value)[:40]}",
                        lambda: web.client.post(amend_url, data={name: value, "reason": "x", "csrf_token": token}))
    for value in TEXTS:
        probe.check(f"POST cancel reason={value[:40]!r}",
                    lambda: web.client.post(f"{url}/cancel", data={"reason": value, "csrf_token": token}))
    probe.assert_clean(minimum=300)


def test_thread_forms(app, world, probe):
    web, token = world["web"]["commissioner"]
    base = f"/o/{world['slugs']['commissioner']}/threads"
    good = {"title": "Probe thread", "description": "", "scope": "market", "contract_id": ""}
    for name in good:
        for value in NUMBERS + TEXTS + ("contract",):
            data = {**good, name: value, "csrf_token": token}
            probe.check(f"POST thread {name}={str(value)[:40]}", lambda: web.client.post(f"{base}/new", data=data))
    thread, question = world["ids"]["thread_id"], world["ids"]["post_id"]
    for name in ("question", "answer"):
        for value in TEXTS + ("x" * 10001,):
            data = {"question": "Q", "answer": "A", name: value, "csrf_token": token}
            probe.check(f"POST answer-set {name}={value[:40]!r}",
                        lambda: web.client.post(f"{base}/{thread}/questions/{question}/answer-set", data=data))
    for value in TEXTS:
        probe.check(f"POST reply body={value[:40]!r}", lambda: web.client.post(
            f"{base}/{thread}/questions/{question}/reply", data={"body": value, "csrf_token": token}))
    provider_web, provider_token = world["web"]["provider"]
    provider_base = f"/o/{world['slugs']['provider']}/threads/{thread}"
    for value in TEXTS + ("x" * 5001,):
        probe.check(f"POST question body={value[:40]!r}", lambda: provider_web.client.post(
            f"{provider_base}/questions", data={"body": value, "csrf_token": provider_token}))
    probe.assert_clean(minimum=60)


def test_clarification_forms(app, world, probe):
    provider_web, provider_token = world["web"]["provider"]
    web, token = world["web"]["commissioner"]
    tender_id = world["ids"]["tender_id"]
    ask = f"/o/{world['slugs']['provider']}/tenders/{tender_id}/questions/new"
    for name, values in (("question", TEXTS + ("x" * 5001, "=1+1", "\x01\x0b")), ("lot", TEXTS + NUMBERS)):
        for value in values:
            data = {"question": "Is it one contract?", "lot": "all", name: value, "csrf_token": provider_token}
            probe.check(f"POST ask {name}={value[:40]!r}", lambda: provider_web.client.post(ask, data=data))
    asked = provider_web.client.post(ask, data={"question": "Probe question?", "csrf_token": provider_token})
    assert asked.status_code == 303, asked.get_data(as_text=True)[:2000]
    answer = f"/o/{world['slugs']['commissioner']}/questions/{world['ids']['question_id']}/answer"
    base = {"question_text": "Edited?", "answer": "Yes.", "audience": "asker", "reason": "Sensitive"}
    for name in (*base, "duplicates"):
        for value in TEXTS + NUMBERS + ("all", "asker"):
            data = {**base, name: value, "csrf_token": token}
            probe.check(f"POST answer {name}={value[:40]!r}", lambda: web.client.post(answer, data=data))
    probe.assert_clean(minimum=100)
