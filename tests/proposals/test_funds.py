"""Investment funds: the panel scores on its own, the moderated score weighs the criteria, awards
never pass the budget, and the fund shows applied, awarded and paid."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.errors import Forbidden, ServiceError
from tests import factories


@pytest.fixture
def fund_world(app, contract_setup):
    commissioner, provider = contract_setup["commissioner"], contract_setup["provider"]
    panellist = factories.user("panel@clyde.example", memberships=[(commissioner, "viewer")])
    fund = factories.fund(commissioner, name="Innovation fund", budget="10000", panel=[panellist])
    other = factories.organisation("provider", slug="birch-support", name="Birch Support")
    first = factories.proposal(provider, commissioner, kind="fund_bid", fund=fund, amount_requested="8000",
                               title="Night support pilot")
    second = factories.proposal(other, commissioner, kind="fund_bid", fund=fund, amount_requested="5000",
                                title="Technology enabled care")
    return {**contract_setup, "fund": fund, "first": first, "second": second, "panellist": panellist}


def _in(app, tenant_id):
    from portal.tenants.context import tenant_context

    class Scope:
        def __enter__(self):
            self.ctx = app.app_context()
            self.ctx.push()
            self.tenant = tenant_context(tenant_id)
            self.tenant.__enter__()
            from portal.extensions import db
            return db.session

        def __exit__(self, *exc):
            from portal.extensions import db
            db.session.rollback()
            self.tenant.__exit__(*exc)
            self.ctx.pop()

    return Scope()


def _decide(session, world, which, amount):
    from portal.proposals import services
    from portal.proposals.models import Proposal
    from portal.tenants.models import Organisation

    proposal = session.get(Proposal, world[which].id)
    services.decide_proposal(proposal, session.get(Organisation, world["commissioner"].id), decision="accept",
                             note="Awarded", awarded_amount=amount, actor=session.get(type(world["manager"]),
                                                                                      world["manager"].id))
    session.flush()
    return proposal


def test_awards_never_pass_the_budget(app, fund_world):
    from portal.proposals import queries
    from portal.proposals.models import InvestmentFund

    with _in(app, fund_world["commissioner"].id) as session:
        _decide(session, fund_world, "first", "8000")
        with pytest.raises(ServiceError) as refused:
            _decide(session, fund_world, "second", "5000")
        assert "past its budget of £10,000.00: £2,000.00 is left to award" in refused.value.message
        session.rollback()
    with _in(app, fund_world["commissioner"].id) as session:
        _decide(session, fund_world, "first", "8000")
        _decide(session, fund_world, "second", "2000")
        figures = queries.fund_figures(session.get(InvestmentFund, fund_world["fund"].id))
        assert figures == {"budget": Decimal("10000.00"), "applied": Decimal("13000.00"),
                           "awarded": Decimal("10000.00"), "paid": Decimal("0"), "left": Decimal("0.00")}


def test_paid_is_the_payments_recorded_and_never_more_than_awarded(app, fund_world):
    from portal.proposals import queries, services
    from portal.proposals.models import InvestmentFund

    with _in(app, fund_world["commissioner"].id) as session:
        bid = _decide(session, fund_world, "first", "6000")
        actor = session.get(type(fund_world["manager"]), fund_world["manager"].id)
        services.record_payment(bid, {"amount": "2500", "paid_on": "2025-07-01"}, actor=actor)
        with pytest.raises(ServiceError) as refused:
            services.record_payment(bid, {"amount": "3500.01", "paid_on": "2025-08-01"}, actor=actor)
        assert "more than the £6,000.00 awarded (£2,500.00 paid so far)" in refused.value.message
        figures = queries.fund_figures(session.get(InvestmentFund, fund_world["fund"].id))
        assert (figures["awarded"], figures["paid"]) == (Decimal("6000.00"), Decimal("2500.00"))


def test_the_panel_scores_on_its_own_and_the_moderated_score_weighs_the_criteria(app, fund_world):
    from portal.proposals import funds
    from portal.proposals.models import InvestmentFund, Proposal

    scores = {"score-c1": "3", "reason-c1": "Clear outcomes", "score-c2": "2", "reason-c2": "Costly"}
    with _in(app, fund_world["commissioner"].id) as session:
        fund = session.get(InvestmentFund, fund_world["fund"].id)
        bid = session.get(Proposal, fund_world["first"].id)
        funds.score_bid(fund, bid, scores, actor=session.get(type(fund_world["panellist"]), fund_world["panellist"].id))
        with pytest.raises(Forbidden):  # the contract manager is not on the panel
            funds.score_bid(fund, bid, scores, actor=session.get(type(fund_world["manager"]), fund_world["manager"].id))
        with pytest.raises(ServiceError) as missing:
            funds.moderate_bid(fund, bid, {"consensus-c1": "5"}, actor=None)
        assert set(missing.value.errors) == {"consensus-c1", "reason-c1", "consensus-c2", "reason-c2"}
        funds.moderate_bid(fund, bid, {"consensus-c1": "3", "reason-c1": "Agreed", "consensus-c2": "2",
                                       "reason-c2": "Agreed"}, actor=session.get(type(fund_world["manager"]),
                                                                                fund_world["manager"].id))
        rows = {row.proposal.id: row for row in funds.bid_rows(fund)}
    # weights 60 and 40: (60 × 3 + 40 × 2) / 4 = 65.00 of 100
    assert rows[fund_world["first"].id].weighted == Decimal("65.00")
    assert rows[fund_world["first"].id].panel_scored == 1
    assert rows[fund_world["second"].id].weighted is None


def test_a_draft_fund_is_the_commissioners_alone_and_an_open_one_everyones(app, fund_world, client, web):
    draft = factories.fund(fund_world["commissioner"], name="Not yet", status="draft")
    web.sign_in("admin@fern.example")
    assert client.get(f"/o/fern-care/funds/{draft.id}").status_code == 404
    page = client.get(f"/o/fern-care/funds/{fund_world['fund'].id}")
    assert page.status_code == 200 and "Bid for this fund" in page.get_data(as_text=True)
    assert "Innovation fund" in client.get("/o/fern-care/funds/").get_data(as_text=True)


def test_a_fund_form_answers_empty_and_nonsense_input(app, fund_world, client, web):
    web.sign_in("manager@clyde.example")
    empty = web.post("/o/clyde-hscp/funds/new", {})
    body = empty.get_data(as_text=True)
    assert empty.status_code == 422
    for message in ("Enter the fund’s name", "Enter the fund’s budget", "Enter the date the fund opens for bids",
                    "Enter at least one criterion with its weight", "Choose at least one person for the panel"):
        assert message in body, message
    nonsense = web.post("/o/clyde-hscp/funds/new", {"name": "X", "budget": "-5", "criteria-0-name": "A",
                                                    "criteria-0-weight": "70", "opens_on-day": "31",
                                                    "opens_on-month": "2", "opens_on-year": "2026"})
    body = nonsense.get_data(as_text=True)
    assert "The budget must be £0 or more" in body
    assert "The weights must add up to 100: they add up to 70" in body
    assert "Enter the opening date as a real date" in body
