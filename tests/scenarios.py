"""Worlds of several organisations that more than one folder of tests builds on. Each is a
plain function over tests/factories.py; the folders' conftests and the browser tests wrap them
in fixtures."""
from __future__ import annotations

from datetime import date

from tests import factories


def market(contract_setup: dict) -> dict:
    """Helpers that add contracts to a commissioner and submit or review their returns."""
    setup = dict(contract_setup)
    contracts = {setup["contract_id"]: setup["contract"]}
    submitters = {setup["provider"].id: setup["submitter"]}

    def add_provider(slug: str, name: str):
        provider = factories.organisation("provider", slug=slug, name=name)
        submitters[provider.id] = factories.user(f"submitter@{slug}.example", memberships=[(provider, "submitter")])
        return provider

    def add_contract(provider, reference: str, *, commissioner=None, manager=None, start=date(2025, 1, 1),
                     end=date(2025, 12, 31), frequency="monthly", due_days=14, service_type="care_at_home",
                     locality="North", delivery_unit=None) -> int:
        made = factories.contract(commissioner=commissioner or setup["commissioner"], provider=provider,
                                  reference=reference, framework_id=setup["framework_id"], start=start, end=end,
                                  frequency=frequency, due_days=due_days, service_type=service_type,
                                  locality=locality, delivery_unit=delivery_unit)
        contracts[made.id] = made
        return made.id

    def fill(provider, contract_id: int, period_start: date, *, contracted="100", delivered="100") -> None:
        """Answer every question (the return stays a draft)."""
        factories.answers(contracts[contract_id], period_start, by=submitters[provider.id], contracted=contracted,
                          delivered=delivered)

    def submit(provider, contract_id: int, period_start: date, on: date, **answers) -> None:
        """Answer, declare and submit the return at midday on ``on``."""
        delivery = {"contracted": answers.get("contracted", "100"), "delivered": answers.get("delivered", "100")} \
            if answers else {}
        factories.submission(contracts[contract_id], period_start, on=on, by=submitters[provider.id], **delivery)

    def review(contract_id: int, period_start: date, decision: str, on: date, *, commissioner=None,
               manager=None, respond_by: date | None = None) -> None:
        factories.review(contracts[contract_id], period_start, decision, on=on,
                         by=manager or (setup["manager"] if commissioner is None else None), respond_by=respond_by)

    setup.update(add_provider=add_provider, add_contract=add_contract, fill=fill, submit=submit, review=review)
    return setup


def hand_computed(market: dict) -> dict:
    """The fixture data the hand-computed figures in test_figures.py come from.

    Clyde HSCP, months January to June 2025, seen on 1 July 2025:

    Fern Care, CLY-001 (monthly, due 14 days after each month):
      Jan  submitted 10 Feb (due 14 Feb), accepted                  on time   100 / 90
      Feb  submitted 20 Mar (due 14 Mar)                             late      100 / 100
      Mar  submitted 1 Apr, changes requested                        changes   100 / 80
      Apr  answered but never submitted (a draft), due 14 May        missing   -
      May  submitted 1 Jun, changes requested (respond by 27 Jun),
           resubmitted 20 Jun: after the due date, by the date set     on time   100 / 70, then 100 / 95
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
    m["review"](cly1, date(2025, 5, 1), "request_changes", date(2025, 6, 2), respond_by=date(2025, 6, 27))
    m["submit"](fern, cly1, date(2025, 5, 1), date(2025, 6, 20), delivered="95")

    birch = m["add_provider"]("birch-support", "Birch Support")
    cly2 = m["add_contract"](birch, "CLY-002", frequency="quarterly", due_days=30, service_type="supported_living",
                             locality="South")
    m["submit"](birch, cly2, date(2025, 1, 1), date(2025, 5, 5), contracted="300", delivered="297")

    other = factories.organisation("commissioner", slug="other-hscp", name="Other HSCP")
    other_manager = factories.user("manager@other.example", memberships=[(other, "contract_manager")])
    oth1 = m["add_contract"](fern, "OTH-001", commissioner=other, manager=other_manager)
    for month in (1, 2, 3, 4, 5):
        m["submit"](fern, oth1, date(2025, month, 1), date(2025, month + 1, 1), contracted="50", delivered="10")
    m.update(fern=fern, birch=birch, cly1=cly1, cly2=cly2, oth1=oth1, other=other, other_manager=other_manager)
    return m


def search_world(contract_setup: dict) -> dict:
    """Two commissioners and two providers with returns to search.

    - Clyde HSCP commissions CLY-001 from Fern Care (contract_setup) and CLY-OAK from Oak Care;
    - Tay HSCP commissions TAY-001 from Fern Care.
    """
    tay = factories.organisation("commissioner", slug="tay-hscp", name="Tay HSCP")
    oak = factories.organisation("provider", slug="oak-care", name="Oak Care")
    tay_manager = factories.user("manager@tay.example", memberships=[(tay, "contract_manager")])
    oak_submitter = factories.user("submitter@oak.example", memberships=[(oak, "submitter")])

    def contract(commissioner, provider, reference: str) -> int:
        return factories.contract(commissioner=commissioner, provider=provider, reference=reference, care_group="",
                                  locality="", end=date(2025, 6, 30), annual_value="1000", funding_model="block",
                                  framework_id=contract_setup["framework_id"]).id

    return {**contract_setup, "tay": tay, "oak": oak, "tay_manager": tay_manager, "oak_submitter": oak_submitter,
            "tay_contract_id": contract(tay, contract_setup["provider"], "TAY-001"),
            "oak_contract_id": contract(contract_setup["commissioner"], oak, "CLY-OAK")}


def two_commissioners(contract_setup: dict) -> dict:
    """Clyde (contract_setup) and Forth, each with submitted returns this month: Clyde two (15 of 20
    people achieving NHWO-1 in each), Forth one from Oak Care (20 of 30)."""
    clyde, fern = contract_setup["commissioner"], contract_setup["provider"]
    forth = factories.organisation("commissioner", slug="forth-hscp", name="Forth HSCP")
    forth_manager = factories.user(memberships=[(forth, "contract_manager")])
    oak = factories.organisation("provider", slug="oak-care", name="Oak Care")
    this_month = date.today().replace(day=1)

    def submitted_this_month(commissioner, provider, reference: str, reviewed: int, achieved: int) -> None:
        made = factories.contract(commissioner=commissioner, provider=provider, reference=reference, care_group="",
                                  locality="", start=this_month, end=this_month, annual_value="1",
                                  funding_model="block", framework_id=contract_setup["framework_id"])
        factories.submission(made, this_month, values={"NHWO-1.REVIEWED": str(reviewed),
                                                        "NHWO-1.ACHIEVED": str(achieved)})

    submitted_this_month(clyde, fern, "CLY-NOW", 20, 15)
    submitted_this_month(clyde, fern, "CLY-NOW-2", 20, 15)
    submitted_this_month(forth, oak, "FOR-1", 30, 20)
    return {"clyde": clyde, "forth": forth, "clyde_manager": contract_setup["manager"],
            "forth_manager": forth_manager}
