"""Reads of proposals, wage floors and funds (the current organisation's view, through the tenant
layers: a provider's own proposals, a commissioner's submitted ones)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.contracts.models import Contract
from portal.extensions import db
from portal.invoicing.queries import rates_of
from portal.invoicing.rates import rate_on
from portal.procurement.models import PUBLISHED, Tender
from portal.proposals.finance import ModelInput, Workings, work_out
from portal.proposals.models import (DRAFT, FUND_OPEN, FundPayment, InvestmentFund, Proposal, ProposalDocument,
                                     ProposalVersion, WageFloor)
from portal.reporting.periods import financial_year_start, london_today
from portal.tenants.models import COMMISSIONER, Organisation


def get_proposal(proposal_id: int) -> Proposal | None:
    return db.session.scalar(select(Proposal).where(Proposal.id == proposal_id))


def list_proposals(*, status: str | None = None, kind: str | None = None, fund_id: int | None = None) -> list[Proposal]:
    query = select(Proposal).order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    if status:
        query = query.where(Proposal.status == status)
    if kind:
        query = query.where(Proposal.kind == kind)
    if fund_id:
        query = query.where(Proposal.fund_id == fund_id)
    return list(db.session.scalars(query))


def versions_of(proposal: Proposal) -> list[ProposalVersion]:
    return list(db.session.scalars(select(ProposalVersion).where(
        ProposalVersion.tenant_id == proposal.tenant_id, ProposalVersion.proposal_id == proposal.id)
        .order_by(ProposalVersion.number)))


def documents_of(proposal: Proposal) -> list[ProposalDocument]:
    return list(db.session.scalars(select(ProposalDocument).where(
        ProposalDocument.tenant_id == proposal.tenant_id, ProposalDocument.proposal_id == proposal.id)
        .order_by(ProposalDocument.id)))


def commissioner_directory() -> list[Organisation]:
    """Every active commissioner (names and kinds are not tenant data)."""
    return list(db.session.scalars(select(Organisation).where(Organisation.kind == COMMISSIONER,
                                                              Organisation.is_active)
                                   .order_by(func.lower(Organisation.name), Organisation.id)))


def contracted_commissioner_ids() -> set[int]:
    return set(db.session.scalars(select(Contract.commissioner_id).distinct()))


def own_contracts() -> list[Contract]:
    return list(db.session.scalars(select(Contract).order_by(Contract.reference)))


def get_contract(contract_id: int) -> Contract | None:
    return db.session.scalar(select(Contract).where(Contract.id == contract_id))


def published_tenders() -> list[Tender]:
    return list(db.session.scalars(select(Tender).where(Tender.status == PUBLISHED).order_by(Tender.reference)))


def get_tender(tender_id: int) -> Tender | None:
    return db.session.scalar(select(Tender).where(Tender.id == tender_id))


def get_fund(fund_id: int) -> InvestmentFund | None:
    return db.session.scalar(select(InvestmentFund).where(InvestmentFund.id == fund_id))


def open_funds(today: date | None = None) -> list[InvestmentFund]:
    today = today or london_today()
    return list(db.session.scalars(select(InvestmentFund).where(
        InvestmentFund.status == FUND_OPEN, InvestmentFund.opens_on <= today, InvestmentFund.closes_on >= today)
        .order_by(InvestmentFund.closes_on, InvestmentFund.id)))


def list_funds() -> list[InvestmentFund]:
    return list(db.session.scalars(select(InvestmentFund).order_by(InvestmentFund.opens_on.desc(),
                                                                   InvestmentFund.id.desc())))


def wage_floors(commissioner_id: int) -> list[WageFloor]:
    return list(db.session.scalars(select(WageFloor).where(WageFloor.tenant_id == commissioner_id)
                                   .order_by(WageFloor.year_start.desc())))


def wage_floor(commissioner_id: int, day: date) -> WageFloor | None:
    return db.session.scalar(select(WageFloor).where(WageFloor.tenant_id == commissioner_id,
                                                     WageFloor.year_start == financial_year_start(day)))


def contract_hourly_rate(contract: Contract, day: date) -> Decimal | None:
    """The contract's rate card weekday hourly rate in force on ``day`` (any service type)."""
    found = rate_on(rates_of(contract), day, "hour", "", "weekday")
    return found.rate if found is not None else None


def current_rate_of(proposal: Proposal, contract: Contract | None = None) -> Decimal | None:
    """The rate the proposal is compared with: the contract's card when it is tied to one (the rate
    in force the day before the proposal's start date, which an accepted uplift replaces; or
    today's), else the rate the provider typed."""
    contract = contract if contract is not None else (get_contract(proposal.contract_id)
                                                      if proposal.contract_id else None)
    if contract is not None:
        day = proposal.start_date - timedelta(days=1) if proposal.start_date else london_today()
        card = contract_hourly_rate(contract, day)
        if card is not None:
            return card
    return proposal.current_rate


def model_of(proposal: Proposal) -> Workings | None:
    """The financial model worked out, or None when the proposal has none."""
    if proposal.hourly_pay is None or proposal.hours_per_year is None:
        return None
    floor = wage_floor(proposal.commissioner_id, proposal.start_date or london_today())
    model = ModelInput(hourly_pay=proposal.hourly_pay, hours_per_year=proposal.hours_per_year,
                       employer_ni_pct=proposal.employer_ni_pct, pension_pct=proposal.pension_pct,
                       holiday_pct=proposal.holiday_pct, travel_pct=proposal.travel_pct,
                       training_pct=proposal.training_pct, overheads_pct=proposal.overheads_pct,
                       margin_pct=proposal.margin_pct)
    return work_out(model, current_rate=current_rate_of(proposal),
                    wage_floor=floor.hourly if floor is not None else None)


def fund_paid(fund: InvestmentFund) -> Decimal:
    return db.session.scalar(select(func.coalesce(func.sum(FundPayment.amount), 0)).join(
        Proposal, (Proposal.id == FundPayment.proposal_id) & (Proposal.tenant_id == FundPayment.tenant_id))
        .where(Proposal.fund_id == fund.id, Proposal.commissioner_id == fund.tenant_id)) or Decimal("0")


def fund_figures(fund: InvestmentFund) -> dict[str, Decimal]:
    """Applied (every submitted bid's amount requested), awarded and paid, in SQL."""
    applied, awarded = db.session.execute(select(
        func.coalesce(func.sum(Proposal.amount_requested), 0),
        func.coalesce(func.sum(Proposal.awarded_amount), 0))
        .where(Proposal.fund_id == fund.id, Proposal.commissioner_id == fund.tenant_id,
               Proposal.status != DRAFT)).one()
    return {"budget": fund.budget, "applied": Decimal(applied), "awarded": Decimal(awarded),
            "paid": Decimal(fund_paid(fund)), "left": fund.budget - Decimal(awarded)}


def paid_for(proposal: Proposal) -> Decimal:
    return db.session.scalar(select(func.coalesce(func.sum(FundPayment.amount), 0)).where(
        FundPayment.tenant_id == proposal.tenant_id, FundPayment.proposal_id == proposal.id)) or Decimal("0")
