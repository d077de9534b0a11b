"""A commissioner's market: contract_setup's Clyde HSCP and Fern Care, more providers and contracts
on demand, and returns submitted on time or late at chosen times."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from tests.returns.conftest import contract_setup, full_answers  # noqa: F401 (contract_setup is a fixture)


def noon(day: date) -> datetime:
    """Midday UTC (the same calendar day in London) on ``day``."""
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def market(app, contract_setup, make_org, make_user):  # noqa: F811
    """Helpers that add contracts to a commissioner and submit or review their returns."""
    from portal.accounts.models import User
    from portal.contracts.services import create_contract, create_schedule
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.returns.models import Return
    from portal.tenants.context import tenant_context
    from portal.tenants.models import Organisation

    setup = dict(contract_setup)
    users = {setup["provider"].id: setup["submitter"].id}

    def add_provider(slug: str, name: str):
        provider = make_org("provider", slug=slug, name=name)
        user = make_user(f"submitter@{slug}.example", memberships=[(provider, "submitter")])
        users[provider.id] = user.id
        return provider

    def add_contract(provider, reference: str, *, commissioner=None, manager=None, start=date(2025, 1, 1),
                     end=date(2025, 12, 31), frequency="monthly", due_days=14, service_type="care_at_home",
                     locality="North") -> int:
        commissioner = commissioner or setup["commissioner"]
        manager = manager or setup["manager"]
        with app.app_context(), tenant_context(commissioner.id, manager.id):
            contract = create_contract(
                db.session.get(Organisation, commissioner.id), provider_slug=provider.slug, reference=reference,
                title=f"Contract {reference}", service_type=service_type, care_group="Older people",
                locality=locality, start_date=start, end_date=end, annual_value="100000.00",
                funding_model="outcomes_based", framework_id=setup["framework_id"], lead_manager_id=None,
                actor=None)
            create_schedule(contract, frequency=frequency, due_days=due_days, actor=None)
            db.session.commit()
            return contract.id

    def _return(contract_id: int, period_start: date):
        return db.session.scalar(select(Return).where(Return.contract_id == contract_id,
                                                      Return.period_start == period_start))

    def fill(provider, contract_id: int, period_start: date, *, contracted="100", delivered="100") -> None:
        """Answer every question (the return stays a draft)."""
        user_id = users[provider.id]
        with app.app_context(), tenant_context(provider.id, user_id):
            ret = _return(contract_id, period_start)
            values = full_answers(queries.measures_for(ret))
            values.update({"DEL.UNITS_CONTRACTED": contracted, "DEL.UNITS_DELIVERED": delivered})
            services.save_answers(ret, values, expected_version=ret.lock_version, actor=db.session.get(User, user_id))
            db.session.commit()

    def submit(provider, contract_id: int, period_start: date, on: date, **answers) -> None:
        """Answer, declare and submit the return at midday on ``on``."""
        user_id = users[provider.id]
        with app.app_context(), tenant_context(provider.id, user_id):
            ret = _return(contract_id, period_start)
            user = db.session.get(User, user_id)
            if answers:
                values = {"DEL.UNITS_CONTRACTED": answers.get("contracted", "100"),
                          "DEL.UNITS_DELIVERED": answers.get("delivered", "100")}
                if ret.status == "draft":
                    values = {**full_answers(queries.measures_for(ret)), **values}
                services.save_answers(ret, values, expected_version=ret.lock_version, actor=user)
            elif ret.status == "draft":
                services.save_answers(ret, full_answers(queries.measures_for(ret)),
                                      expected_version=ret.lock_version, actor=user)
            services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=user)
            services.submit(ret, expected_version=ret.lock_version, actor=user, now=noon(on))
            db.session.commit()

    def review(contract_id: int, period_start: date, decision: str, on: date, *, commissioner=None,
               manager=None) -> None:
        commissioner = commissioner or setup["commissioner"]
        manager = manager or setup["manager"]
        with app.app_context(), tenant_context(commissioner.id, manager.id):
            ret = _return(contract_id, period_start)
            services.review(ret, decision=decision, comment="Check the figures" if decision != "accept" else "",
                            actor=db.session.get(User, manager.id), now=noon(on))
            db.session.commit()

    setup.update(add_provider=add_provider, add_contract=add_contract, fill=fill, submit=submit, review=review)
    return setup


@pytest.fixture
def hand_computed(market, make_org, make_user):
    """The fixture data the hand-computed figures in test_figures.py come from.

    Clyde HSCP, months January to June 2025, seen on 1 July 2025:

    Fern Care, CLY-001 (monthly, due 14 days after each month):
      Jan  submitted 10 Feb (due 14 Feb), accepted                  on time   100 / 90
      Feb  submitted 20 Mar (due 14 Mar)                             late      100 / 100
      Mar  submitted 1 Apr, changes requested                        changes   100 / 80
      Apr  answered but never submitted (a draft), due 14 May        missing   -
      May  submitted 1 Jun, changes requested, resubmitted 20 Jun    on time   100 / 70, then 100 / 95
      Jun  due 14 Jul                                                not yet due
    Birch Support, CLY-002 (quarterly, due 30 days after, supported living in South):
      Jan-Mar  submitted 5 May (due 30 Apr)                          late      300 / 297
      Apr-Jun  due 30 Jul                                            not yet due
    Other HSCP commissions Fern Care too (OTH-001): none of it may appear.
    """
    m = market
    fern = m["provider"]
    cly1 = m["contract_id"]
    m["submit"](fern, cly1, date(2025, 1, 1), date(2025, 2, 10), contracted="100", delivered="90")
    m["review"](cly1, date(2025, 1, 1), "accept", date(2025, 2, 11))
    m["submit"](fern, cly1, date(2025, 2, 1), date(2025, 3, 20), contracted="100", delivered="100")
    m["submit"](fern, cly1, date(2025, 3, 1), date(2025, 4, 1), contracted="100", delivered="80")
    m["review"](cly1, date(2025, 3, 1), "request_changes", date(2025, 4, 3))
    m["fill"](fern, cly1, date(2025, 4, 1), contracted="100", delivered="1")
    m["submit"](fern, cly1, date(2025, 5, 1), date(2025, 6, 1), contracted="100", delivered="70")
    m["review"](cly1, date(2025, 5, 1), "request_changes", date(2025, 6, 2))
    m["submit"](fern, cly1, date(2025, 5, 1), date(2025, 6, 20), delivered="95")

    birch = m["add_provider"]("birch-support", "Birch Support")
    cly2 = m["add_contract"](birch, "CLY-002", frequency="quarterly", due_days=30, service_type="supported_living",
                             locality="South")
    m["submit"](birch, cly2, date(2025, 1, 1), date(2025, 5, 5), contracted="300", delivered="297")

    other = make_org("commissioner", slug="other-hscp", name="Other HSCP")
    other_manager = make_user("manager@other.example", memberships=[(other, "contract_manager")])
    oth1 = m["add_contract"](fern, "OTH-001", commissioner=other, manager=other_manager)
    for month in (1, 2, 3, 4, 5):
        m["submit"](fern, oth1, date(2025, month, 1), date(2025, month + 1, 1), contracted="50", delivered="10")
    m.update(fern=fern, birch=birch, cly1=cly1, cly2=cly2, oth1=oth1, other=other, other_manager=other_manager)
    return m
