"""Awards and contracts as OCDS 1.1 releases (``award`` at each award notice, ``contract`` when
the standstill ends), validated against the official schema (the release package schema with
the enquiry extension merged, references resolved to the local copies); the compiled record
ends awarded; unsuccessful bidders are never named."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests import factories
from tests.procurement.evaluation_setup import as_member, evaluated, market

REFERENCE = Path(__file__).resolve().parent / "ocds-1.1.5"


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
    release = json.loads((REFERENCE / "release-schema.json").read_text())
    release = _merge(release, json.loads((REFERENCE / "enquiry-extension-release-schema.json").read_text()))
    package = json.loads((REFERENCE / "release-package-schema.json").read_text())
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    return Draft4Validator(package, registry=registry)


def _errors(validator, body) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]


def test_award_and_contract_releases_pass_the_official_schema(app, client, api_token, validator):
    from portal.procurement.award import end_own_standstills

    factories.national_framework("NHWO")
    m = evaluated(app, market(app))
    lead = {"Authorization": f"Bearer {api_token(m['lead'].email)}"}
    url = f"/api/v1/tenders/{m['tender'].id}/ocds"
    made = client.post(f"/api/v1/tenders/{m['tender'].id}/lots/1/award", headers=lead,
                       json={"bids": [m["bids"]["oak"].id], "contract_end": "2030-03-31"})
    assert made.status_code == 201
    reader = factories.user("staff@elm.example", memberships=[(factories.organisation("provider", slug="elm-care"),
                                                                "submitter")])
    headers = {"Authorization": f"Bearer {api_token(reader.email)}"}
    awarded = client.get(url, headers=headers).get_json()
    assert _errors(validator, awarded) == []
    assert [r["tag"] for r in awarded["releases"]] == [["tender"], ["award"]]
    award = awarded["releases"][-1]["awards"][0]
    assert award["status"] == "pending"  # in standstill
    assert award["suppliers"] == [{"id": "oak-care", "name": "Oak Care"}]
    assert award["value"] == {"amount": 160000.0, "currency": "GBP"} and award["relatedLots"] == ["1"]
    assert {"id": "oak-care", "name": "Oak Care", "roles": ["supplier"]} in awarded["releases"][-1]["parties"]
    assert awarded["releases"][-1]["tender"]["status"] == "complete"

    with as_member(app, m["lead"], m["glasgow"].id):
        from portal.procurement.evaluation_queries import awards_of
        from portal.procurement.queries import get_tender

        end = awards_of(get_tender(m["tender"].id))[0].standstill_end
        assert end_own_standstills(m["glasgow"].id, end + timedelta(minutes=1)) == 1
    contracted = client.get(url, headers=headers).get_json()
    assert _errors(validator, contracted) == []
    assert [r["tag"] for r in contracted["releases"]] == [["tender"], ["award"], ["contract"]]
    last = contracted["releases"][-1]
    assert last["awards"][0]["status"] == "active"
    contract = last["contracts"][0]
    assert contract["awardID"] == last["awards"][0]["id"]
    assert contract["value"] == {"amount": 160000.0, "currency": "GBP"}
    assert contract["period"]["endDate"].startswith("2030-03-31")
    record = client.get(url + "?view=record", headers=headers).get_json()
    assert record["records"][0]["compiledRelease"]["contracts"][0]["awardID"] == contract["awardID"]
    text = json.dumps(contracted) + json.dumps(record)
    for word in ("Fern Care", "fern-care", "Ash Care", "ash-care"):
        assert word not in text, word  # unsuccessful bidders are not published
    bulk = client.get("/api/v1/ocds/releases", headers=headers).get_json()
    assert _errors(validator, bulk) == []
