"""Proposals from draft to decision: drafts are the provider's alone, only the addressee decides,
each submission freezes a version, versions compare, an accepted uplift varies the contract."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from tests import factories
from tests.conftest import Browserless
from tests.proposals.conftest import UPLIFT_FORM


def _id(response) -> int:
    return int(re.search(r"/proposals/(\d+)", response.headers["Location"]).group(1))


def _as_provider(app, email="admin@fern.example"):
    web = Browserless(app.test_client())
    web.sign_in(email)
    return web


def _write(app, data=None) -> tuple[Browserless, int]:
    web = _as_provider(app)
    response = web.post("/o/fern-care/proposals/new", data or UPLIFT_FORM)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return web, _id(response)


def test_a_draft_is_the_providers_alone_and_the_commissioner_reads_it_once_submitted(app, uplift_world, client):
    provider, proposal_id = _write(app, dict(UPLIFT_FORM, contract_id=str(uplift_world["contract_id"])))
    page = provider.client.get(f"/o/fern-care/proposals/{proposal_id}").get_data(as_text=True)
    assert "£21.58" in page and "Met" in page  # the model (see test_finance) and the 2025-26 floor of £12.60
    commissioner = Browserless(client)
    commissioner.sign_in("manager@clyde.example")
    assert client.get(f"/o/clyde-hscp/proposals/{proposal_id}").status_code == 404
    assert "Real Living Wage uplift" not in client.get("/o/clyde-hscp/proposals/").get_data(as_text=True)

    response = provider.post(f"/o/fern-care/proposals/{proposal_id}/submit", {})
    assert response.status_code == 200 and "Proposal submitted" in response.get_data(as_text=True)
    page = client.get(f"/o/clyde-hscp/proposals/{proposal_id}")
    assert page.status_code == 200 and "Real Living Wage uplift" in page.get_data(as_text=True)
    from tests.helpers import run_jobs

    run_jobs(app)
    from portal.extensions import db
    from portal.notifications.models import DevMailboxMessage

    with app.app_context():
        sent = db.session.scalars(select(DevMailboxMessage)).all()
        assert [m.to_address for m in sent if "New proposal from Fern Care" in m.subject] == ["manager@clyde.example"]


def test_only_the_addressee_decides(app, uplift_world, client, make_org, make_user):
    provider, proposal_id = _write(app)
    provider.post(f"/o/fern-care/proposals/{proposal_id}/submit", {})
    other = make_org("commissioner", slug="forth-hscp")
    make_user("cm@forth.example", memberships=[(other, "contract_manager")])
    outsider = Browserless(client)
    outsider.sign_in("cm@forth.example")
    assert outsider.post(f"/o/forth-hscp/proposals/{proposal_id}/decision",
                         {"decision": "accept", "note": "Yes"}, page="/o/forth-hscp/").status_code == 404
    # the provider has no decision page at all
    assert provider.post(f"/o/fern-care/proposals/{proposal_id}/decision", {"decision": "accept", "note": "x"},
                         page="/o/fern-care/").status_code == 404
    from portal.errors import Forbidden
    from portal.extensions import db
    from portal.proposals import services
    from portal.proposals.models import Proposal
    from portal.tenants.context import tenant_context
    from portal.tenants.models import Organisation

    with app.app_context(), tenant_context(uplift_world["provider"].id):
        proposal = db.session.get(Proposal, proposal_id)
        try:
            services.decide_proposal(proposal, db.session.get(Organisation, uplift_world["provider"].id),
                                     decision="accept", note="Self-approved", actor=None)
            raise AssertionError("the provider decided its own proposal")
        except Forbidden:
            db.session.rollback()


def test_an_accepted_uplift_varies_the_contract_and_invoices_use_the_new_rate(app, uplift_world, client):
    contract_id = uplift_world["contract_id"]
    provider, proposal_id = _write(app, dict(UPLIFT_FORM, contract_id=str(contract_id)))
    provider.post(f"/o/fern-care/proposals/{proposal_id}/submit", {})
    commissioner = Browserless(client)
    commissioner.sign_in("manager@clyde.example")
    empty = commissioner.post(f"/o/clyde-hscp/proposals/{proposal_id}/decision", {"decision": "accept"})
    assert empty.status_code == 422 and "Enter a decision note" in empty.get_data(as_text=True)
    response = commissioner.post(f"/o/clyde-hscp/proposals/{proposal_id}/decision",
                                 {"decision": "accept", "note": "Agreed from 1 June"})
    assert response.status_code == 303

    from portal.extensions import db
    from portal.invoicing.models import ContractRate, ContractVariation
    from portal.invoicing.queries import rates_of
    from portal.invoicing.rates import rate_on
    from portal.proposals.models import Proposal
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(uplift_world["provider"].id):
        variation = db.session.scalar(select(ContractVariation))
        assert (variation.kind, variation.effective_from, variation.source) == (
            "rate", date(2025, 6, 1), f"proposal:{proposal_id}")
        assert db.session.get(Proposal, proposal_id).outcome == f"variation:{variation.id}"
        card = rates_of(db.session.get(type(uplift_world["contract"]), contract_id))
        weekday = sorted((r.effective_from, r.effective_to, r.rate, r.variation_id) for r in card
                         if r.day_type == "weekday")
        assert weekday == [(date(2025, 1, 1), date(2025, 5, 31), Decimal("20.0000"), None),
                           (date(2025, 6, 1), None, Decimal("21.5800"), variation.id)]
        assert rate_on(card, date(2025, 5, 30), "hour", "", "weekday").rate == Decimal("20.0000")
        assert rate_on(card, date(2025, 6, 2), "hour", "", "weekday").rate == Decimal("21.5800")
        assert db.session.scalar(select(ContractRate).where(ContractRate.day_type == "weekend")).rate == Decimal("26")


def test_versions_freeze_each_submission_and_compare(app, uplift_world, client):
    provider, proposal_id = _write(app)
    assert provider.post(f"/o/fern-care/proposals/{proposal_id}/submit", {}).status_code == 200
    assert provider.post(f"/o/fern-care/proposals/{proposal_id}/reopen", {},
                         page=f"/o/fern-care/proposals/{proposal_id}").status_code == 303
    changed = dict(UPLIFT_FORM, hourly_pay="13.45", title="Real Living Wage uplift, 2026 rate")
    assert provider.post(f"/o/fern-care/proposals/{proposal_id}/edit", changed).status_code == 303
    assert provider.post(f"/o/fern-care/proposals/{proposal_id}/submit", {}).status_code == 200

    from portal.extensions import db
    from portal.proposals import queries
    from portal.proposals.compare import compare_versions
    from portal.proposals.models import Proposal
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(uplift_world["provider"].id):
        versions = queries.versions_of(db.session.get(Proposal, proposal_id))
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].snapshot["hourly_pay"] == "12.60" and versions[1].snapshot["hourly_pay"] == "13.45"
        rows = compare_versions(versions[0].snapshot, versions[1].snapshot)
    # 13.45 × 1.1207 × 1.13 × 1.12 × 1.15 × 1.05 = 23.0353... → £23.04
    assert ("Hourly pay", "12.60", "13.45") in rows
    assert ("Proposed hourly rate", "21.58", "23.04") in rows
    assert ("Title", "Real Living Wage uplift", "Real Living Wage uplift, 2026 rate") in rows
    commissioner = Browserless(client)
    commissioner.sign_in("manager@clyde.example")
    page = client.get(f"/o/clyde-hscp/proposals/{proposal_id}/compare?from=1&to=2").get_data(as_text=True)
    assert "What changed from version 1 to version 2" in page and "23.04" in page


def test_empty_and_nonsense_answers_are_told_and_nothing_is_kept(app, uplift_world):
    web = _as_provider(app)
    empty = web.post("/o/fern-care/proposals/new", {})
    body = empty.get_data(as_text=True)
    assert empty.status_code == 422
    for message in ("Select the commissioner the proposal is to", "Select the type of proposal", "Enter a title",
                    "Enter a summary of the proposal"):
        assert message in body
    nonsense = web.post("/o/fern-care/proposals/new", dict(UPLIFT_FORM, hourly_pay="twelve", margin_pct="250",
                                                          commissioner="nobody", **{"start_date-month": "13"}))
    body = nonsense.get_data(as_text=True)
    assert nonsense.status_code == 422
    for message in ("Enter hourly pay as a number", "must be 100 or less", "Select a commissioner from the list",
                    "Enter the start date as a real date"):
        assert message in body, message
    from portal.extensions import db
    from portal.proposals.models import Proposal
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(uplift_world["provider"].id):
        assert db.session.scalars(select(Proposal)).all() == []


def test_the_api_writes_submits_and_decides(app, uplift_world, client, api_token):
    provider = {"Authorization": f"Bearer {api_token('admin@fern.example')}"}
    body = {k: v for k, v in UPLIFT_FORM.items() if not k.startswith("start_date")}
    body.update(start_date="2025-06-01", contract_id=uplift_world["contract_id"])
    made = client.post("/api/v1/proposals", json=body, headers=provider)
    assert made.status_code == 201, made.get_json()
    created = made.get_json()
    assert created["status"] == "draft" and created["model"]["rate"] == "21.58"
    assert created["model"]["current_rate"] == "20.0000" and created["model"]["meets_floor"] is True
    bad = client.post("/api/v1/proposals", json={"kind": "rate_uplift", "hourly_pay": "lots"}, headers=provider)
    assert bad.status_code == 422 and "hourly_pay" in bad.get_json()["errors"]
    assert client.post(f"/api/v1/proposals/{created['id']}/submit", headers=provider).get_json()["status"] == \
        "submitted"
    commissioner = {"Authorization": f"Bearer {api_token('manager@clyde.example')}"}
    listed = client.get("/api/v1/proposals", headers=commissioner).get_json()
    assert [p["id"] for p in listed] == [created["id"]]
    decided = client.post(f"/api/v1/proposals/{created['id']}/decision", json={"decision": "decline", "note": "Not now"},
                          headers=commissioner)
    assert decided.status_code == 200 and decided.get_json()["status"] == "declined"
    again = client.post(f"/api/v1/proposals/{created['id']}/decision", json={"decision": "accept", "note": "x"},
                        headers=commissioner)
    assert again.status_code == 409
