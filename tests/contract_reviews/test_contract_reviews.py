"""Contract reviews: contracts due to end with their figures, decisions recorded, an extension's
new end date, return periods, variation and email; constant statements."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.helpers import mailbox, run_jobs

TODAY = date.today()


@pytest.fixture
def due(app, contract_setup):
    """Clyde's contract CLY-001 with monthly returns; CLY-END ends in two months with a submitted return."""
    commissioner, provider = contract_setup["commissioner"], contract_setup["provider"]
    start = date(TODAY.year - 1, TODAY.month, 1)
    end = (date(TODAY.year, TODAY.month, 1) + timedelta(days=70)).replace(day=1) - timedelta(days=1)
    contract = factories.contract(commissioner=commissioner, provider=provider, reference="CLY-END",
                                  title="Ending soon", start=start, end=end, annual_value="36500.00",
                                  framework_id=contract_setup["framework_id"])
    factories.variation(contract, value_change="1000")
    factories.approved_invoice(contract, contract_setup["manager"], number="END-1",
                               lines=(("Care", "100", "hour", "20.00"),))
    return {**contract_setup, "ending": contract, "end": end, "start": start}


def _headers(api_token, email):
    return {"Authorization": f"Bearer {api_token(email)}"}


def test_contracts_due_within_the_window_with_value_and_invoiced(app, client, due, api_token):
    headers = _headers(api_token, "manager@clyde.example")
    rows = client.get("/api/v1/contract-reviews?within=3", headers=headers).get_json()
    [row] = [r for r in rows if r["reference"] == "CLY-END"]
    days = (due["end"] - due["start"]).days + 1
    value = (36500 * days / 365) + 1000  # 100 a day, plus the variation
    assert row["value"] == f"{value:.2f}" and row["invoiced"] == "2000.00"
    assert row["decisions"] == []
    later = factories.contract(commissioner=due["commissioner"], provider=due["provider"], reference="CLY-LATER",
                               start=due["start"], end=date(TODAY.year + 2, 1, 31))
    assert later.reference not in [r["reference"] for r in
                                   client.get("/api/v1/contract-reviews?within=12", headers=headers).get_json()]
    assert client.get("/api/v1/contract-reviews?within=7", headers=headers).status_code == 422


def test_extending_moves_the_end_adds_periods_makes_a_variation_and_tells_the_provider(app, client, due, api_token):
    from portal.contracts.models import Contract
    from portal.extensions import db
    from portal.invoicing.models import ContractVariation
    from portal.returns.models import Return
    from portal.tenants.context import tenant_context

    contract, end = due["ending"], due["end"]
    new_end = date(end.year + 1, end.month, 1) - timedelta(days=1) if end.month != 12 else date(end.year + 1, 11, 30)
    headers = _headers(api_token, "manager@clyde.example")
    with app.app_context(), tenant_context(contract.tenant_id):
        before = db.session.scalar(select(db.func.count()).select_from(Return).where(Return.contract_id == contract.id))
    bad = client.post("/api/v1/contract-reviews", headers=headers,
                      json={"contract_id": contract.id, "decision": "extend", "reason": "Good outcomes",
                            "new_end_date": (end - timedelta(days=3)).isoformat()})
    assert bad.status_code == 422 and "new_end_date" in bad.get_json()["errors"]
    response = client.post("/api/v1/contract-reviews", headers=headers,
                           json={"contract_id": contract.id, "decision": "extend", "reason": "Good outcomes",
                                 "new_end_date": new_end.isoformat()})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["new_end_date"] == new_end.isoformat()
    with app.app_context(), tenant_context(contract.tenant_id):
        moved = db.session.get(Contract, contract.id)
        assert moved.end_date == new_end
        returns = list(db.session.scalars(select(Return).where(Return.contract_id == contract.id)
                                          .order_by(Return.period_start)))
        added = [(r.period_start, r.period_end) for r in returns[before:]]
        variation = db.session.scalar(select(ContractVariation).where(ContractVariation.kind == "extension"))
    months = (new_end.year - end.year) * 12 + new_end.month - end.month
    assert len(returns) - before == months
    assert added[0][0] == end + timedelta(days=1) and added[-1][1] == new_end
    assert (variation.new_end_date, variation.effective_from) == (new_end, end + timedelta(days=1))
    assert variation.source == f"review:{response.get_json()['id']}"
    run_jobs(app)
    [mail] = mailbox(app, "submitter@fern.example")
    assert "CLY-END" in mail.subject and "extend" in mail.subject and "Good outcomes" in mail.body
    assert new_end.strftime("%-d %B %Y") in mail.body


def test_vary_needs_a_kind_and_a_description_and_makes_a_value_variation(app, client, due, api_token):
    from portal.extensions import db
    from portal.invoicing.models import ContractVariation
    from portal.tenants.context import tenant_context

    headers = _headers(api_token, "manager@clyde.example")
    contract = due["ending"]
    empty = client.post("/api/v1/contract-reviews", headers=headers,
                        json={"contract_id": contract.id, "decision": "vary", "reason": "More hours"})
    assert empty.status_code == 422
    assert {"kind", "description"} <= set(empty.get_json()["errors"])
    nonsense = client.post("/api/v1/contract-reviews", headers=headers,
                           json={"contract_id": contract.id, "decision": "vary", "reason": "More hours",
                                 "kind": "value", "description": "Add hours", "value_change": "lots"})
    assert nonsense.status_code == 422 and "value_change" in nonsense.get_json()["errors"]
    made = client.post("/api/v1/contract-reviews", headers=headers,
                       json={"contract_id": contract.id, "decision": "vary", "reason": "More hours",
                             "kind": "value", "description": "Add hours", "value_change": "-2500.50"})
    assert made.status_code == 201
    with app.app_context(), tenant_context(contract.commissioner_id):
        variation = db.session.get(ContractVariation, made.get_json()["variation_id"])
        assert (variation.kind, str(variation.value_change), variation.description) == ("value", "-2500.50",
                                                                                        "Add hours")


def test_the_page_records_a_decision_and_answers_empty_input(app, client, web, due):
    slug = due["commissioner"].slug
    web.sign_in("manager@clyde.example")
    url = f"/o/{slug}/contract-reviews/{due['ending'].id}"
    assert "CLY-END" in client.get(f"/o/{slug}/contract-reviews/?within=3").get_data(as_text=True)
    page = client.get(url)
    assert page.status_code == 200 and "£2,000.00" in page.get_data(as_text=True)
    empty = web.post(url, {}, page=url)
    assert empty.status_code == 422
    assert "Choose extend, vary, retender or end" in empty.get_data(as_text=True)
    done = web.post(url, {"decision": "retender", "reason": "Market testing"}, page=url)
    assert done.status_code == 303
    assert "Market testing" in client.get(url).get_data(as_text=True)


def test_the_list_is_a_constant_number_of_statements(app, client, due, api_token):
    from sqlalchemy import event

    from portal.extensions import db

    headers = _headers(api_token, "manager@clyde.example")

    def count() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *a: seen.append(a[2])  # noqa: E731
        client.get("/api/v1/contract-reviews?within=12", headers=headers)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/api/v1/contract-reviews?within=12", headers=headers).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    few = count()
    for n in range(3):
        provider = factories.organisation("provider", slug=f"more-{n}")
        extra = factories.contract(commissioner=due["commissioner"], provider=provider, reference=f"MORE-{n}",
                                   start=due["start"], end=due["end"], framework_id=due["framework_id"])
        factories.contract_review_row(extra)
        factories.approved_invoice(extra, due["manager"], number=f"MORE-{n}")
    assert count() == few
