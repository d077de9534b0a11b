"""JSON bodies: every field of every API write, with numbers too large, negative, NaN and
Infinity, strings too long, dates in year 9999 or 1 and values of the wrong type, answers 2xx
or a 4xx whose JSON says what is wrong; never a 500."""
from __future__ import annotations

import json
from itertools import count

VALUES = (2**63, 10**30, -1, 0, 1e20, float("nan"), float("inf"), float("-inf"), "1e20", "NaN", "Infinity",
          "100000", "99999999999999.99995", "1e999999999", "x" * 5000, "", " ", None, [], {}, True,
          "9999-12-31", "0001-01-01", "2025-02-30", "Llŷr Gwynedd – Ò Chaluim, café 😀")
_references = count(1)


def _contract(world) -> dict:
    return {"provider": "fern-care", "reference": f"API-{next(_references)}", "title": "Probe",
            "service_type": "care_at_home", "care_group": "", "locality": "", "start_date": "2026-04-01",
            "end_date": "2027-03-31", "annual_value": "1000.00", "funding_model": "block", "framework": "NHWO",
            "lead_manager": world["manager"].email, "living_wage_rate": "12.60"}


def _send(app, method: str, url: str, headers: dict, body):
    return app.test_client().open(url, method=method, headers=headers, data=json.dumps(body),
                                  content_type="application/json")


def test_contract_and_schedule_bodies(app, world, probe):
    headers = world["api"]["commissioner"]
    for name in _contract(world):
        for value in VALUES:
            body = {**_contract(world), name: value}
            probe.check(f"POST contracts {name}={str(value)[:40]}",
                        lambda: _send(app, "POST", "/api/v1/contracts", headers, body))
    for value in ("9999-12-31", "0001-01-01", "2100-01-01"):  # both dates alike: only the range is wrong
        body = {**_contract(world), "start_date": value, "end_date": value}
        probe.check(f"POST contracts dates={value}", lambda: _send(app, "POST", "/api/v1/contracts", headers, body),
                    allowed={422})
    created = _send(app, "POST", "/api/v1/contracts", headers, _contract(world))
    assert created.status_code == 201, created.get_json()
    url = f"/api/v1/contracts/{created.get_json()['id']}/schedule"
    for name in ("frequency", "due_days"):
        for value in VALUES:
            body = {"frequency": "annual", "due_days": 14, name: value}
            probe.check(f"POST schedule {name}={str(value)[:40]}", lambda: _send(app, "POST", url, headers, body))
    probe.assert_clean(minimum=300)


def _measure_of_each_type(app, world) -> list[str]:
    detail = app.test_client().get(f"/api/v1/returns/{world['ids']['return_id']}",
                                   headers=world["api"]["provider"]).get_json()
    chosen = {}
    for measure in detail["measures"]:
        chosen.setdefault(measure["type"], measure["code"])
    assert {"integer", "decimal", "percentage", "text"} <= set(chosen), chosen
    return list(chosen.values())


def test_answer_bodies(app, world, probe):
    headers = world["api"]["provider"]
    url = f"/api/v1/returns/{world['ids']['return_id']}"

    def version() -> int:
        return app.test_client().get(url, headers=headers).get_json()["version"]

    for code in _measure_of_each_type(app, world):
        for value in VALUES + ("x" * 10_001, "-1e999999999", "1e-999999999"):
            body = {"answers": [{"measure": code, "value": value}], "version": version()}
            probe.check(f"PATCH {code}={str(value)[:40]}", lambda: _send(app, "PATCH", url, headers, body))
    for value in VALUES:  # the shape of the body itself
        for body in ({"answers": value, "version": version()}, {"answers": [value], "version": version()},
                     {"answers": [{"measure": value, "value": "1"}], "version": version()},
                     {"answers": [{"measure": "DEL.PEOPLE", "value": "1"}], "version": value}):
            probe.check(f"PATCH shape {str(body)[:60]}", lambda: _send(app, "PATCH", url, headers, body))
        probe.check(f"submit version={str(value)[:40]}",
                    lambda: _send(app, "POST", f"{url}/submit", headers, {"version": value}))
        probe.check(f"attach {str(value)[:40]}",
                    lambda: _send(app, "POST", f"{url}/documents", headers, {"document_id": value}))
    probe.assert_clean(minimum=200)


def test_review_and_token_bodies(app, world, probe):
    headers = world["api"]["commissioner"]
    url = f"/api/v1/returns/{world['ids']['submitted_return_id']}/review"
    for name in ("decision", "comment", "tasks"):
        for value in VALUES + (["x" * 5000] * 20,):
            body = {"decision": "request_changes", "comment": "Fix", "tasks": ["delivery"], name: value}
            if body["decision"] == "accept":
                continue
            probe.check(f"POST review {name}={str(value)[:40]}", lambda: _send(app, "POST", url, headers, body))
    for name in ("email", "password", "label"):
        for value in VALUES + ("a" * 300 + "@example.org",):
            body = {"email": world["submitter"].email, "password": "wrong", "label": "x", name: value}
            probe.check(f"POST tokens {name}={str(value)[:40]}",
                        lambda: _send(app, "POST", "/api/v1/auth/tokens", {}, body), allowed={201, 401, 422, 429})
    probe.assert_clean(minimum=100)


def test_framework_bodies(app, world, probe):
    """The framework's name and outcome texts (its codes and measure ranges are checked by their own suite)."""
    headers = world["api"]["commissioner"]
    n = count(1)
    for name in ("name", "outcomes"):
        for value in VALUES + ([{"text": "x" * 5000}], [{"code": None, "text": value} for value in ("", " ")]):
            body = {"name": "Mine", "code": f"MINE-{next(n)}", "outcomes": [{"text": "Live well"}], name: value}
            probe.check(f"POST frameworks {name}={str(value)[:40]}",
                        lambda: _send(app, "POST", "/api/v1/frameworks", headers, body))
    probe.assert_clean(minimum=50)


def test_bodies_that_are_not_json(app, world, probe):
    headers = world["api"]["provider"]
    url = f"/api/v1/returns/{world['ids']['return_id']}"
    for raw in (b"[" * 100_000, b"{", b"\xff\xfe\x00", b"null", b'"just a string"', b"1e999999", b"NaN",
                b'{"answers": [{"measure": "DEL.PEOPLE", "value": "1"}], "version": 1e999999}'):
        probe.check(f"PATCH raw {raw[:30]!r}", lambda: app.test_client().patch(
            url, headers=headers, data=raw, content_type="application/json"), allowed={400, 409, 422})
    # A multipart part named "\" (an unfinished quoted name, found by the API fuzzer) comes from
    # Werkzeug with no name: it is no field, and the rest of the upload is checked as any other.
    boundary = "08818b717edbe083a163c12d032e41a5"
    upload = (f'--{boundary}\r\nContent-Disposition: form-data; name="\\"\r\n\r\nfalse\r\n'
              f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="file"\r\n\r\nportal\r\n'
              f'--{boundary}--\r\n').encode()
    documents = f"/api/v1/orgs/{world['slugs']['provider']}/documents"
    for body, allowed in ((upload, {201, 202, 400, 413, 415, 422}), (upload.replace(b"false", b"a\x00b"), {422})):
        probe.check(f"POST multipart {body[50:90]!r}", lambda: app.test_client().post(
            documents, headers=headers, data=body, content_type=f"multipart/form-data; boundary={boundary}"),
            allowed=allowed)
    probe.assert_clean(minimum=10)


def _tender() -> dict:
    return {"reference": f"API-T-{next(_references)}", "title": "Probe", "description": "", "service_type":
            "care_at_home", "regime": "england", "accelerated": False, "electronic": True,
            "published_at": "2027-06-01T09:00:00+01:00", "submission_deadline": "2027-07-15T12:00:00+01:00",
            "lots": [{"title": "Lot", "description": "", "estimated_value": "1000.00"}]}


def test_tender_bodies(app, world, probe):
    headers = world["api"]["commissioner"]
    for name in _tender():
        for value in VALUES:
            body = {**_tender(), name: value}
            probe.check(f"POST tenders {name}={str(value)[:40]}", lambda: _send(app, "POST", "/api/v1/tenders",
                                                                                headers, body))
    for value in VALUES:
        body = {**_tender(), "lots": [{"title": "Lot", "estimated_value": value}]}
        probe.check(f"POST tenders lot value={str(value)[:40]}", lambda: _send(app, "POST", "/api/v1/tenders",
                                                                               headers, body))
    created = _send(app, "POST", "/api/v1/tenders", headers, _tender())
    assert created.status_code == 201, created.get_json()
    probe.check("POST publish with a body", lambda: _send(app, "POST", f"/api/v1/tenders/{created.get_json()['id']}"
                                                                        "/publish", headers, {"x": 1}))
    evaluation_url = f"/api/v1/tenders/{world['ids']['tender_id']}/evaluation"
    for value in VALUES:
        probe.check(f"POST evaluation reason={str(value)[:40]}",
                    lambda: _send(app, "POST", evaluation_url, headers, {"reason": value}))
    amend_url = f"/api/v1/tenders/{world['ids']['tender_id']}/amendments"
    for name in ("reason", "title", "description", "submission_deadline", "evaluation_on", "standstill_end"):
        for value in VALUES:
            body = {"reason": "Probe", name: value}
            probe.check(f"POST amendments {name}={str(value)[:40]}", lambda: _send(app, "POST", amend_url, headers,
                                                                                   body))
    probe.assert_clean(minimum=250)


def test_thread_bodies(app, world, probe):
    headers, provider = world["api"]["commissioner"], world["api"]["provider"]
    good = {"title": "Probe", "description": "", "scope": "market", "contract_id": None}
    for name in good:
        for value in VALUES + ("contract",):
            body = {**good, name: value}
            probe.check(f"POST threads {name}={str(value)[:40]}", lambda: _send(app, "POST", "/api/v1/threads",
                                                                                headers, body))
    thread, question = world["ids"]["thread_id"], world["ids"]["post_id"]
    for value in VALUES:
        probe.check(f"POST question body={str(value)[:40]}", lambda: _send(
            app, "POST", f"/api/v1/threads/{thread}/questions", provider, {"body": value}))
        probe.check(f"POST reply body={str(value)[:40]}", lambda: _send(
            app, "POST", f"/api/v1/threads/{thread}/questions/{question}/reply", headers, {"body": value}))
        for name in ("question", "answer"):
            body = {"question": "Q", "answer": "A", name: value}
            probe.check(f"POST answer-set {name}={str(value)[:40]}", lambda: _send(
                app, "POST", f"/api/v1/threads/{thread}/questions/{question}/answer-set", headers, body))
    probe.check("POST publish with a body", lambda: _send(app, "POST", f"/api/v1/threads/{thread}/publish", headers,
                                                          {"x": 1}))
    probe.assert_clean(minimum=150)


def test_clarification_bodies(app, world, probe):
    provider, commissioner = world["api"]["provider"], world["api"]["commissioner"]
    ask = f"/api/v1/tenders/{world['ids']['tender_id']}/questions"
    for name in ("question", "lot"):
        for value in VALUES:
            body = {"question": "Is it one contract?", name: value}
            probe.check(f"POST questions {name}={str(value)[:40]}", lambda: _send(app, "POST", ask, provider, body))
    answer = f"/api/v1/questions/{world['ids']['question_id']}/answer"
    base = {"answer": "Yes.", "publish": False, "reason": "Sensitive", "question_text": "Edited?"}
    for name in (*base, "duplicates"):
        for value in VALUES + ([1, "x"], [2**63]):
            body = {**base, name: value}
            probe.check(f"POST answer {name}={str(value)[:40]}", lambda: _send(app, "POST", answer, commissioner, body))
    probe.assert_clean(minimum=150)
