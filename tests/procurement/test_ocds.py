"""Tenders as OCDS 1.1 releases, validated against the official schemas kept in the reference data
(the release package schema, the release schema and the enquiry extension merged into it), with
the references resolved to the local files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests import factories

REFERENCE = Path(__file__).resolve().parent / "ocds-1.1.5"  # copied from the project's reference data


def _merge(base, patch):
    """JSON Merge Patch (RFC 7386), as OCDS extensions apply to the release schema."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        merged[key] = _merge(merged.get(key), value) if value is not None else None
    return {k: v for k, v in merged.items() if v is not None}


@pytest.fixture(scope="module")
def validator():
    if not REFERENCE.exists():
        pytest.fail(f"the OCDS reference schemas are missing: {REFERENCE}")
    release = json.loads((REFERENCE / "release-schema.json").read_text())
    release = _merge(release, json.loads((REFERENCE / "enquiry-extension-release-schema.json").read_text()))
    package = json.loads((REFERENCE / "release-package-schema.json").read_text())
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    return Draft4Validator(package, registry=registry)


def _errors(validator, body) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]


def test_each_event_is_a_release_that_the_official_schema_accepts(app, client, validator, market_for_tenders):
    m = market_for_tenders
    tender = factories.tender(m["glasgow"], reference="GCH-OCDS", lots=[
        {"title": "North", "description": "", "estimated_value": "100000.00"},
        {"title": "South", "description": "Two houses", "estimated_value": "50000.50"}])
    factories.amendment(tender, reason="Night visits are included.")
    factories.clarification(m["fern"], tender, text="Fern Care asks: is TUPE likely to apply?",
                            question_text="Is TUPE likely to apply?", answer_text="Yes, it is.")
    headers = {"Authorization": f"Bearer {factories.api_token(factories.user('p@oak.example', memberships=[(m['oak'], 'submitter')]))}"}
    body = client.get(f"/api/v1/tenders/{tender.id}/ocds", headers=headers).get_json()
    assert _errors(validator, body) == []
    assert [r["tag"] for r in body["releases"]] == [["tender"], ["tenderUpdate"], ["tenderUpdate"]]
    first, _amended, latest = body["releases"]
    assert latest["tender"]["enquiries"] == [{
        "id": "1", "date": latest["tender"]["enquiries"][0]["date"], "title": "Clarification 1",
        "description": "Is TUPE likely to apply?", "answer": "Yes, it is.",
        "dateAnswered": latest["tender"]["enquiries"][0]["date"]}]  # no author: the asker stays anonymous
    assert latest["tender"]["hasEnquiries"] is True and "enquiries" not in first["tender"]
    assert first["ocid"] == latest["ocid"] and first["id"] != latest["id"]
    assert latest["tender"]["value"] == {"amount": 150000.5, "currency": "GBP"}
    assert [lot["id"] for lot in latest["tender"]["lots"]] == ["1", "2"]
    assert "amendments" not in first["tender"] and latest["tender"]["amendments"][0]["rationale"] == \
        "Night visits are included."
    assert latest["buyer"] == {"id": "glasgow-hscp", "name": "Glasgow City HSCP"}
    assert "Fern Care" not in json.dumps(body) and "fern-care" not in json.dumps(body)
    assert "Oak Care" not in json.dumps(body)
    record = client.get(f"/api/v1/tenders/{tender.id}/ocds?view=record", headers=headers).get_json()
    assert record["records"][0]["compiledRelease"]["tag"] == ["compiled"]
    assert len(record["records"][0]["releases"]) == 3


def test_cancellation_and_the_bulk_download(app, client, web, validator, market_for_tenders):
    m = market_for_tenders
    open_one = factories.tender(m["glasgow"], reference="GCH-OPEN")
    cancelled = factories.tender(m["glasgow"], reference="GCH-GONE")
    draft = factories.tender(m["glasgow"], reference="GCH-DRAFT", published=False)
    web.sign_in(m["officer"].email)
    assert web.post(f"/o/glasgow-hscp/tenders/{cancelled.id}/cancel", {"reason": "Redesign."}).status_code == 303
    headers = {"Authorization": f"Bearer {factories.api_token(m['officer'])}"}
    gone = client.get(f"/api/v1/tenders/{cancelled.id}/ocds", headers=headers).get_json()
    assert _errors(validator, gone) == []
    assert gone["releases"][-1]["tag"] == ["tenderCancellation"]
    assert gone["releases"][-1]["tender"]["status"] == "cancelled"
    assert client.get(f"/api/v1/tenders/{draft.id}/ocds", headers=headers).status_code == 404
    bulk = client.get("/api/v1/ocds/releases", headers=headers).get_json()
    assert _errors(validator, bulk) == []
    assert {r["tender"]["id"] for r in bulk["releases"]} == {str(open_one.id), str(cancelled.id)}


def test_the_bulk_download_reads_as_many_statements_for_six_tenders_as_for_two(app, client, market_for_tenders):
    """No statement per tender (its clarifications and awards are read for all tenders at once)."""
    from sqlalchemy import event

    from portal.extensions import db

    m = market_for_tenders
    headers = {"Authorization": f"Bearer {factories.api_token(m['officer'])}"}
    fern = m["fern"]

    def statements_for_bulk() -> tuple[int, int]:
        seen: list[str] = []
        with app.app_context():
            engine = db.engine
        # Reads only: the token's "last used" is written by the first call of the minute alone.
        listener = lambda *args: seen.append(args[2]) if args[2].lstrip().lower().startswith("select") else None  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            body = client.get("/api/v1/ocds/releases", headers=headers).get_json()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen), len({r["ocid"] for r in body["releases"]})

    def tender_with_a_clarification(reference: str) -> None:
        tender = factories.tender(m["glasgow"], reference=reference)
        factories.clarification(fern, tender)

    for n in range(2):
        tender_with_a_clarification(f"GCH-B{n}")
    two, tenders = statements_for_bulk()
    assert tenders == 2
    for n in range(2, 6):
        tender_with_a_clarification(f"GCH-B{n}")
    six, tenders = statements_for_bulk()
    assert tenders == 6
    assert six == two


def test_the_bulk_download_comes_in_packages_linked_to_the_next(app, client, validator, market_for_tenders):
    """Every published tender, however many: `limit` a package, oldest first, `links.next` to the
    next package until the last (no silent cap on a national list)."""
    m = market_for_tenders
    made = [factories.tender(m["glasgow"], reference=f"GCH-P{n}").id for n in range(3)]
    headers = {"Authorization": f"Bearer {factories.api_token(m['officer'])}"}
    # The address without the organisation and the one with it: each links to its own next package.
    for first in ("/api/v1/ocds/releases?limit=2", f"/api/v1/orgs/{m['glasgow'].slug}/ocds/releases?limit=2"):
        seen, url, packages = [], first, 0
        while url:
            answer = client.get(url, headers=headers)
            assert answer.status_code == 200, url
            body = answer.get_json()
            assert _errors(validator, body) == []
            packages += 1
            seen += sorted({int(r["tender"]["id"]) for r in body["releases"]})
            url = body.get("links", {}).get("next")
            if url:
                assert url.startswith("http") and "limit=2" in url
                url = "/" + url.split("://", 1)[1].partition("/")[2]
                assert url.startswith(first.partition("?")[0] + "?")
        assert packages == 2 and seen[-3:] == made and len(seen) == len(set(seen))
    wrong = client.get("/api/v1/ocds/releases?limit=0", headers=headers)
    assert wrong.status_code == 422 and "Enter a limit from 1 to 500" in wrong.get_data(as_text=True)
