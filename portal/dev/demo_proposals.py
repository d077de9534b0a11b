"""The demo's proposals, investment fund and savings targets (idempotent: made once, by title).

- Glasgow's wage floors (the real Living Wage: £12.60 for 2025-26, £13.45 for 2026-27) and
  Aberdeen's for 2026-27;
- Riverside Care's proposals to Glasgow in every state: a draft, a submitted one, one under
  review, a declined one, an accepted efficiency (with a saving from it) and an accepted rate
  uplift on GCH-CAH-001 with two versions, which made a rate variation and the new weekday hourly
  rate on the contract's card;
- Glasgow's prevention fund with three bids scored by its panel (two moderated), one awarded with
  a payment made;
- Glasgow's savings targets for 2025-26 and 2026-27, one for its collaborative with Aberdeen.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from portal.accounts.services import get_user_by_email
from portal.contracts.models import Contract
from portal.errors import ServiceError
from portal.extensions import db
from portal.proposals import funds, services
from portal.proposals.models import InvestmentFund, Proposal, WageFloor
from portal.reporting.periods import financial_year_start, london_today
from portal.savings import services as savings
from portal.savings.models import SavingsTarget
from portal.tenants.context import tenant_context
from portal.tenants.queries import get_organisation_by_slug

log = logging.getLogger(__name__)

MODEL = {"hourly_pay": "12.60", "holiday_pct": "12.07", "pension_pct": "3", "travel_pct": "12",
         "training_pct": "2", "overheads_pct": "18", "margin_pct": "4", "hours_per_year": "52000"}
FUND = "Prevention and early intervention fund"


def _proposal(provider, actor, data: dict, *, submit=True) -> Proposal | None:
    with tenant_context(provider.id):
        if db.session.scalar(select(Proposal.id).where(Proposal.title == data["title"])):
            return None
        made = services.create_proposal(provider, data, actor=actor)
        if submit:
            services.submit_proposal(made, actor=actor)
        return made


def _decide(commissioner, proposal_id: int, actor, decision: str, note: str = "", **extra) -> None:
    with tenant_context(commissioner.id):
        proposal = db.session.get(Proposal, proposal_id)
        try:
            services.decide_proposal(proposal, commissioner, decision=decision, note=note, actor=actor, **extra)
        except ServiceError as refused:  # the rate card may already carry a later rate (another part's demo)
            db.session.rollback()
            log.warning("demo proposal %s left undecided: %s", proposal_id, refused.message)


def _floors(glasgow, aberdeen) -> None:
    for org, year, hourly in ((glasgow, 2025, "12.60"), (glasgow, 2026, "13.45"), (aberdeen, 2026, "13.45")):
        with tenant_context(org.id):
            if not db.session.scalar(select(WageFloor.id).where(WageFloor.tenant_id == org.id,
                                                                WageFloor.year_start == date(year, 4, 1))):
                db.session.add(WageFloor(tenant_id=org.id, year_start=date(year, 4, 1), hourly=hourly,
                                         note="Real Living Wage", listed=True))
                db.session.flush()


def _proposals(glasgow, riverside) -> int:
    writer = get_user_by_email("admin@riverside-care.example")
    decider = get_user_by_email("commissioner@glasgow-hscp.example")
    made = 0
    base = {"commissioner": glasgow.slug}
    if _proposal(riverside, writer, {**base, "kind": "service_redesign", "title": "Evening visits redesign",
                                     "summary": "Move short evening visits to longer, planned ones."}, submit=False):
        made += 1
    if _proposal(riverside, writer, {**base, "kind": "new_service", "title": "Community hub in Easterhouse",
                                     "summary": "A drop-in hub for people waiting for care at home.",
                                     "narrative": "Two days a week, staffed by two carers.", **MODEL,
                                     "hours_per_year": "3000", "current_rate": "23.50"}):
        made += 1
    review = _proposal(riverside, writer, {**base, "kind": "rate_uplift", "title": "Sleepover rate review",
                                           "summary": "Pay sleepovers at the hourly floor.",
                                           "start_date": (london_today() + relativedelta(months=2)).replace(day=1),
                                           **MODEL, "hours_per_year": "8000", "current_rate": "21.00"})
    if review:
        _decide(glasgow, review.id, decider, "under_review")
        made += 1
    declined = _proposal(riverside, writer, {**base, "kind": "rate_uplift", "title": "Weekend enhancement",
                                             "summary": "Time and a half for weekend visits.",
                                             "start_date": date(2026, 4, 1), **MODEL, "hourly_pay": "18.90",
                                             "current_rate": "23.50"})
    if declined:
        _decide(glasgow, declined.id, decider, "decline", "Not affordable this year; we will look again in the "
                                                          "autumn with the weekend visit data.")
        made += 1
    efficiency = _proposal(riverside, writer, {**base, "kind": "efficiency", "title": "Digital rostering",
                                               "summary": "Plan runs with a rostering system to cut travel time.",
                                               **MODEL, "travel_pct": "8", "current_rate": "23.50"})
    if efficiency:
        _decide(glasgow, efficiency.id, decider, "accept", "Agreed: report travel time quarterly.")
        made += 1
    contract = _contract("GCH-CAH-001")
    start = (london_today() - relativedelta(months=2)).replace(day=1)
    uplift_data = {**base, "kind": "rate_uplift", "title": "Real Living Wage uplift, care at home north east",
                   "summary": "Pay care workers the real Living Wage of £13.45 from the start of the uplift.",
                   "narrative": "Staff turnover was 31 % last year; matching the real Living Wage is the main "
                                "thing our carers ask for.", "contract_id": str(contract.id) if contract else "",
                   "start_date": start, **MODEL, "hourly_pay": "13.20", "current_rate": "23.50"}
    uplift = _proposal(riverside, writer, uplift_data)
    if uplift:
        with tenant_context(riverside.id):
            proposal = db.session.get(Proposal, uplift.id)
            services.reopen_proposal(proposal, actor=writer)
            services.update_proposal(proposal, {**uplift_data, "hourly_pay": "13.45"}, actor=writer)
            services.submit_proposal(proposal, actor=writer)
        _decide(glasgow, uplift.id, decider, "accept", "Agreed from the start date; the rate card is updated and "
                                                       "earlier invoices adjusted.")
        made += 1
    return made


def _contract(reference: str) -> Contract | None:
    riverside = get_organisation_by_slug("riverside-care")
    with tenant_context(riverside.id):
        return db.session.scalar(select(Contract).where(Contract.reference == reference))


def _fund(glasgow) -> int:
    with tenant_context(glasgow.id):
        if db.session.scalar(select(InvestmentFund.id).where(InvestmentFund.name == FUND)):
            return 0
        manager = get_user_by_email("commissioner@glasgow-hscp.example")
        finance = get_user_by_email("finance@glasgow-hscp.example")
        today = london_today()
        fund = funds.create_fund(glasgow, {
            "name": FUND, "budget": "250000", "opens_on": today - timedelta(days=30),
            "closes_on": today + timedelta(days=60),
            "description": "One-off grants for projects that keep people well at home for longer.",
            "criteria": [{"name": "Outcomes for people", "weight": "40"}, {"name": "Value for money", "weight": "30"},
                         {"name": "Deliverability", "weight": "30"}],
            "panel": [str(manager.id), str(finance.id)]}, actor=manager)
        funds.set_status(fund, "open", actor=manager)
        fund_id = fund.id
    bids = []
    for slug, title, amount in (("riverside-care", "Falls prevention visits", "60000"),
                                ("hillview-support", "Peer support network", "45000"),
                                ("oakfield-care", "Technology enabled care pilot", "30000")):
        provider = get_organisation_by_slug(slug)
        writer = get_user_by_email(f"admin@{slug}.example")
        made = _proposal(provider, writer, {"commissioner": glasgow.slug, "kind": "fund_bid", "title": title,
                                            "summary": f"{title}: a one-year project.", "fund_id": str(fund_id),
                                            "amount_requested": amount})
        bids.append(made.id)
    with tenant_context(glasgow.id):
        fund = db.session.get(InvestmentFund, fund_id)
        for n, bid_id in enumerate(bids):
            bid = db.session.get(Proposal, bid_id)
            for person, shift in ((manager, 0), (finance, 1)):
                funds.score_bid(fund, bid, {f"score-{c['key']}": str(min(4, 2 + (n + shift + i) % 3)) for i, c in
                                            enumerate(fund.criteria)} | {f"reason-{c['key']}": "Evidence in the bid"
                                                                         for c in fund.criteria}, actor=person)
            if n < 2:
                funds.moderate_bid(fund, bid, {f"consensus-{c['key']}": str(3 - n) for c in fund.criteria}
                                   | {f"reason-{c['key']}": "Agreed at the panel meeting" for c in fund.criteria},
                                   actor=manager)
    _decide(glasgow, bids[1], manager, "accept", "Awarded in part: the second year is not funded.",
            awarded_amount="40000")
    with tenant_context(glasgow.id):
        services.record_payment(db.session.get(Proposal, bids[1]), {"amount": "10000", "paid_on": london_today(),
                                                                   "reference": "GRANT-PEER-1"}, actor=manager)
    return 1


def _targets(glasgow, aberdeen) -> int:
    manager = get_user_by_email("commissioner@glasgow-hscp.example")
    this_year = financial_year_start(london_today())
    made = 0
    with tenant_context(glasgow.id):
        collaborative = next(iter(savings.collaboratives_of(glasgow.id)), None)
        wanted = [
            {"name": "Adult social care savings", "year": str(this_year.year - 1), "scope": "programme",
             "programme": "Adult social care", "target_kind": "percent", "target_value": "4.5",
             "baseline_kind": "typed", "baseline_amount": "2400000"},
            {"name": "Care at home efficiencies", "year": str(this_year.year), "scope": "service_type",
             "service_type": "care_at_home", "target_kind": "amount", "target_value": "60000",
             "baseline_kind": "typed", "baseline_amount": "1250000"}]
        if collaborative is not None:
            wanted.append({"name": "Glasgow and Aberdeen care at home", "year": str(this_year.year),
                           "scope": "collaborative", "collaborative_id": str(collaborative),
                           "service_type": "care_at_home", "target_kind": "percent", "target_value": "5",
                           "baseline_kind": "typed", "baseline_amount": "1800000",
                           f"member-{glasgow.id}": "1250000", f"member-{aberdeen.id}": "550000"})
        for data in wanted:
            if db.session.scalar(select(SavingsTarget.id).where(SavingsTarget.name == data["name"])):
                continue
            target = savings.create_target(glasgow, data, actor=manager)
            accepted = db.session.scalar(select(Proposal.id).where(Proposal.title == "Digital rostering"))
            first = savings.add_saving(target, {"description": "Digital rostering: less travel time",
                                                "amount": "38000", "proposal_id": str(accepted or "")}, actor=manager)
            savings.move_saving(first, "agreed", actor=manager)
            savings.add_saving(target, {"description": "Review of double-handed visits", "amount": "22000"},
                               actor=manager)
            done = savings.add_saving(target, {"description": "Shared night service with a neighbour",
                                               "amount": "15000"}, actor=manager)
            savings.move_saving(done, "agreed", actor=manager)
            savings.move_saving(done, "realised", actor=manager)
            made += 1
    return made


def seed_demo_proposals() -> int:
    glasgow, aberdeen = get_organisation_by_slug("glasgow-hscp"), get_organisation_by_slug("aberdeen-hscp")
    riverside = get_organisation_by_slug("riverside-care")
    if glasgow is None or aberdeen is None or riverside is None:
        return 0
    _floors(glasgow, aberdeen)
    made = _proposals(glasgow, riverside)
    made += _fund(glasgow)
    made += _targets(glasgow, aberdeen)
    db.session.flush()
    return made
