"""Investment funds: a commissioner opens a fund with a budget, weighted criteria, dates and a
panel of its own people; bids are proposals of type fund bid; each panel member scores each bid
against each criterion (0 to 4, with a reason) on their own; a fund manager records the panel's
moderated score; the bids are decided like any proposal (an award may not take the fund past its
budget). The scale and the weighted total follow the procurement evaluation's
(``portal.procurement.evaluation_models.SCALE``), in tables of this domain's own."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from portal.audit.services import record
from portal.errors import Conflict, Forbidden, Invalid
from portal.extensions import db
from portal.models_base import utcnow
from portal.procurement.evaluation_models import SCALE
from portal.proposals.inputs import date_field, date_parts, decimal_field, text
from portal.proposals.models import (DRAFT, FUND_BID, FUND_CLOSED, FUND_DRAFT, FUND_OPEN, FundConsensus,
                                     FundPanelMember, FundScore, InvestmentFund, Proposal)
from portal.proposals.services import ProposalErrors
from portal.tenants.models import Membership

MAX_CRITERIA = 10
REASON_LIMIT = 5000


def panel_candidates() -> list[Membership]:
    """The commissioner's own members (any of them may sit on a panel)."""
    return list(db.session.scalars(select(Membership)))


def panel_of(fund: InvestmentFund) -> list[FundPanelMember]:
    return list(db.session.scalars(select(FundPanelMember).where(FundPanelMember.tenant_id == fund.tenant_id,
                                                                 FundPanelMember.fund_id == fund.id)
                                   .order_by(FundPanelMember.id)))


def on_panel(fund: InvestmentFund, user) -> bool:
    return any(member.user_id == user.id for member in panel_of(fund))


def read_criteria(rows: list[dict], errors: dict) -> list[dict]:
    criteria = []
    for position, row in enumerate(rows):
        name, weight = text(row.get("name")), text(row.get("weight"))
        if not name and not weight:
            continue
        if not name:
            errors[f"criteria-{position}-name"] = f"Enter the name of criterion {position + 1}"
        elif len(name) > 200:
            errors[f"criteria-{position}-name"] = "A criterion's name must be 200 characters or fewer"
        if not weight.isdigit() or not 1 <= int(weight) <= 100:
            errors[f"criteria-{position}-weight"] = f"Enter criterion {position + 1}’s weight as a whole number from 1 to 100"
            continue
        criteria.append({"key": f"c{position + 1}", "name": name, "weight": int(weight)})
    if not criteria and not any(key.startswith("criteria-") for key in errors):
        errors["criteria-0-name"] = "Enter at least one criterion with its weight"
    elif criteria and not any(key.startswith("criteria-") for key in errors) and sum(
            c["weight"] for c in criteria) != 100:
        errors["criteria-0-weight"] = (f"The weights must add up to 100: they add up to "
                                       f"{sum(c['weight'] for c in criteria)}")
    return criteria


def _read_fund(data: dict) -> dict:
    errors: dict[str, str] = {}
    name = text(data.get("name"))
    if not name:
        errors["name"] = "Enter the fund’s name"
    elif len(name) > 200:
        errors["name"] = "The name must be 200 characters or fewer"
    description = text(data.get("description"))
    if len(description) > 5000:
        errors["description"] = "The description must be 5,000 characters or fewer"
    budget = decimal_field(data.get("budget"), "budget", "the budget", errors, maximum=Decimal("999999999999.99"),
                           unit="£")
    if budget is None and "budget" not in errors:
        errors["budget"] = "Enter the fund’s budget"
    elif budget is not None and budget <= 0:
        errors["budget"] = "The budget must be more than £0"
    opens_on = date_field(date_parts(data, "opens_on"), "opens_on", "the opening date", errors)
    closes_on = date_field(date_parts(data, "closes_on"), "closes_on", "the closing date", errors)
    if opens_on is None and "opens_on" not in errors:
        errors["opens_on"] = "Enter the date the fund opens for bids"
    if closes_on is None and "closes_on" not in errors:
        errors["closes_on"] = "Enter the date the fund closes"
    if opens_on and closes_on and closes_on < opens_on:
        errors["closes_on"] = "The closing date must be the same as or after the opening date"
    criteria = read_criteria(list(data.get("criteria") or []), errors)
    members = {m.user_id: m for m in panel_candidates()}
    panel = []
    for raw in data.get("panel") or []:
        value = text(raw)
        if not value.isdigit() or int(value) not in members:
            errors["panel"] = "Choose the panel from the people in your organisation"
            break
        panel.append(int(value))
    if not panel and "panel" not in errors:
        errors["panel"] = "Choose at least one person for the panel"
    if errors:
        raise ProposalErrors(errors)
    return {"name": name, "description": description, "budget": budget, "opens_on": opens_on,
            "closes_on": closes_on, "criteria": criteria, "panel": sorted(set(panel))}


def create_fund(commissioner, data: dict, *, actor) -> InvestmentFund:
    fields = _read_fund(data)
    panel = fields.pop("panel")
    fund = InvestmentFund(tenant_id=commissioner.id, status=FUND_DRAFT, listed=False, created_by_id=actor.id, **fields)
    db.session.add(fund)
    db.session.flush()
    for user_id in panel:
        db.session.add(FundPanelMember(tenant_id=commissioner.id, fund_id=fund.id, user_id=user_id))
    db.session.flush()
    record("fund.created", fund, actor=actor, name=fund.name)
    return fund


def set_status(fund: InvestmentFund, status: str, *, actor) -> InvestmentFund:
    moves = {FUND_OPEN: (FUND_DRAFT,), FUND_CLOSED: (FUND_OPEN,)}
    if status not in moves:
        raise Invalid("Choose to open or close the fund", field="status")
    if fund.status not in moves[status]:
        raise Conflict(f"The fund is {fund.status_label.lower()}: it cannot be {'opened' if status == FUND_OPEN else 'closed'}")
    fund.status, fund.listed = status, True
    db.session.flush()
    record(f"fund.{status}", fund, actor=actor)
    return fund


def bids_of(fund: InvestmentFund) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(
        Proposal.fund_id == fund.id, Proposal.commissioner_id == fund.tenant_id, Proposal.kind == FUND_BID,
        Proposal.status != DRAFT).order_by(Proposal.submitted_at, Proposal.id)))


def _bid_of(fund: InvestmentFund, proposal: Proposal) -> None:
    if proposal.fund_id != fund.id or proposal.commissioner_id != fund.tenant_id or proposal.status == DRAFT:
        raise Invalid("That proposal is not a bid for this fund")


def _scores(fund: InvestmentFund, data: dict, prefix: str) -> list[tuple[dict, int, str]]:
    errors: dict[str, str] = {}
    out = []
    for criterion in fund.criteria:
        key = criterion["key"]
        raw, reason = text(data.get(f"{prefix}-{key}")), text(data.get(f"reason-{key}"))
        if raw not in {str(s) for s in SCALE}:
            errors[f"{prefix}-{key}"] = f"Choose a score from 0 to 4 for {criterion['name']}"
        if not reason:
            errors[f"reason-{key}"] = f"Give the reason for the score for {criterion['name']}"
        elif len(reason) > REASON_LIMIT:
            errors[f"reason-{key}"] = f"The reason must be {REASON_LIMIT:,} characters or fewer"
        if raw in {str(s) for s in SCALE} and reason:
            out.append((criterion, int(raw), reason))
    if errors:
        raise ProposalErrors(errors)
    return out


def score_bid(fund: InvestmentFund, proposal: Proposal, data: dict, *, actor) -> list[FundScore]:
    """A panel member's own scores of one bid (changeable until the fund's bids are decided)."""
    _bid_of(fund, proposal)
    if not on_panel(fund, actor):
        raise Forbidden("Only the fund’s panel members score its bids")
    made = []
    existing = {s.criterion: s for s in own_scores(fund, proposal, actor)}
    for criterion, score, reason in _scores(fund, data, "score"):
        row = existing.get(criterion["key"]) or FundScore(
            tenant_id=fund.tenant_id, fund_id=fund.id, provider_id=proposal.tenant_id, proposal_id=proposal.id,
            criterion=criterion["key"], user_id=actor.id)
        row.score, row.reason, row.updated_at = score, reason, utcnow()
        db.session.add(row)
        made.append(row)
    db.session.flush()
    record("fund.bid_scored", fund, actor=actor, proposal=proposal.id)
    return made


def moderate_bid(fund: InvestmentFund, proposal: Proposal, data: dict, *, actor) -> list[FundConsensus]:
    _bid_of(fund, proposal)
    existing = {s.criterion: s for s in consensus_of(fund, proposal)}
    made = []
    for criterion, score, reason in _scores(fund, data, "consensus"):
        row = existing.get(criterion["key"]) or FundConsensus(
            tenant_id=fund.tenant_id, fund_id=fund.id, provider_id=proposal.tenant_id, proposal_id=proposal.id,
            criterion=criterion["key"])
        row.score, row.reason, row.moderator_id, row.updated_at = score, reason, actor.id, utcnow()
        db.session.add(row)
        made.append(row)
    db.session.flush()
    record("fund.bid_moderated", fund, actor=actor, proposal=proposal.id)
    return made


def own_scores(fund: InvestmentFund, proposal: Proposal, user) -> list[FundScore]:
    return list(db.session.scalars(select(FundScore).where(
        FundScore.tenant_id == fund.tenant_id, FundScore.proposal_id == proposal.id, FundScore.user_id == user.id)))


def scores_of(fund: InvestmentFund) -> list[FundScore]:
    return list(db.session.scalars(select(FundScore).where(FundScore.tenant_id == fund.tenant_id,
                                                           FundScore.fund_id == fund.id)))


def consensus_of(fund: InvestmentFund, proposal: Proposal | None = None) -> list[FundConsensus]:
    query = select(FundConsensus).where(FundConsensus.tenant_id == fund.tenant_id, FundConsensus.fund_id == fund.id)
    if proposal is not None:
        query = query.where(FundConsensus.proposal_id == proposal.id)
    return list(db.session.scalars(query))


@dataclass
class BidRow:
    proposal: Proposal
    panel_scored: int           # panel members who scored every criterion
    consensus: dict[str, int]   # criterion key -> moderated score
    weighted: Decimal | None    # out of 100, once every criterion is moderated


def weighted_score(criteria: list[dict], consensus: dict[str, int]) -> Decimal | None:
    """Σ weight × score ÷ 4, out of 100 (two places), once every criterion has its moderated score."""
    if not criteria or any(c["key"] not in consensus for c in criteria):
        return None
    total = sum(Decimal(c["weight"]) * consensus[c["key"]] for c in criteria) / 4
    return total.quantize(Decimal("0.01"))


def bid_rows(fund: InvestmentFund) -> list[BidRow]:
    scores, moderated = scores_of(fund), consensus_of(fund)
    keys = {c["key"] for c in fund.criteria}
    rows = []
    for bid in bids_of(fund):
        by_user: dict[int, set] = {}
        for s in scores:
            if s.proposal_id == bid.id:
                by_user.setdefault(s.user_id, set()).add(s.criterion)
        consensus = {c.criterion: c.score for c in moderated if c.proposal_id == bid.id}
        rows.append(BidRow(bid, sum(1 for done in by_user.values() if keys <= done), consensus,
                           weighted_score(fund.criteria, consensus)))
    return rows


def panel_scores_of(fund: InvestmentFund, proposal: Proposal) -> list[FundScore]:
    return [s for s in scores_of(fund) if s.proposal_id == proposal.id]
