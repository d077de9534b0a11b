"""Writes of proposals: drafts, submission (each freezes a version), the commissioner's decision
and what an accepted rate uplift changes (a contract variation and the new rate on the card).
Services flush; the request commits."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.audit.services import record
from portal.contracts.models import Contract
from portal.documents.queries import get_usable_document
from portal.errors import Conflict, Forbidden, Invalid, ServiceError
from portal.extensions import db
from portal.invoicing.models import ContractVariation
from portal.invoicing.rate_cards import change_rate
from portal.models_base import utcnow
from portal.outbox import enqueue_after_commit
from portal.proposals import queries
from portal.proposals.finance import pence
from portal.proposals.inputs import read_proposal, text, whole_id
from portal.proposals.models import (ACCEPTED, DECLINED, DRAFT, FUND_BID, FUND_OPEN, OPEN_FOR_DECISION, RATE_UPLIFT,
                                     SUBMITTED, UNDER_REVIEW, Proposal, ProposalDocument, ProposalVersion)
from portal.reporting.periods import london_today
from portal.tenants.models import COMMISSIONER, Organisation

NOTE_LIMIT = 5000
DECISIONS = {"under_review": UNDER_REVIEW, "accept": ACCEPTED, "decline": DECLINED}
SNAPSHOT_FIELDS = ("kind", "title", "summary", "narrative", "contract_id", "tender_id", "fund_id", "start_date",
                   "amount_requested", "hourly_pay", "employer_ni_pct", "pension_pct", "holiday_pct", "travel_pct",
                   "training_pct", "overheads_pct", "margin_pct", "hours_per_year", "current_rate")


class ProposalErrors(ServiceError):
    def __init__(self, errors: dict[str, str]):
        first = next(iter(errors.values()))
        super().__init__(first if len(errors) == 1 else "Some answers need changing: see each one", errors=errors)


def _commissioner(raw, errors: dict) -> Organisation | None:
    value = text(raw)
    if not value:
        errors["commissioner"] = "Select the commissioner the proposal is to"
        return None
    org = next((o for o in queries.commissioner_directory() if o.slug == value or str(o.id) == value), None)
    if org is None:
        errors["commissioner"] = "Select a commissioner from the list"
    return org


def _links(data: dict, commissioner: Organisation | None, kind: str, errors: dict) -> dict:
    """The contract, tender and fund the proposal names, each checked against what the provider
    may name and the commissioner it is to."""
    contract_id = whole_id(data.get("contract_id"), "contract_id", "a contract", errors)
    tender_id = whole_id(data.get("tender_id"), "tender_id", "a tender", errors)
    fund_id = whole_id(data.get("fund_id"), "fund_id", "a fund", errors)
    if commissioner is None:
        return {"contract_id": None, "tender_id": None, "fund_id": None}
    if contract_id is not None:
        contract = queries.get_contract(contract_id)
        if contract is None:
            errors["contract_id"] = "Select one of your contracts"
        elif contract.commissioner_id != commissioner.id:
            errors["contract_id"] = f"Select one of your contracts with {commissioner.name}"
    if tender_id is not None:
        tender = queries.get_tender(tender_id)
        if tender is None or tender.tenant_id != commissioner.id:
            errors["tender_id"] = f"Select a published tender of {commissioner.name}"
    if kind == FUND_BID:
        fund = queries.get_fund(fund_id) if fund_id is not None else None
        if fund_id is None and "fund_id" not in errors:
            errors["fund_id"] = "Select the investment fund the bid is for"
        elif fund is None or fund.tenant_id != commissioner.id:
            errors.setdefault("fund_id", f"Select an open fund of {commissioner.name}")
        elif fund.status != FUND_OPEN or not fund.opens_on <= london_today() <= fund.closes_on:
            errors["fund_id"] = f"{fund.name} is not open for bids"
    else:
        fund_id = None
    if kind == RATE_UPLIFT and contract_id is None and "contract_id" not in errors and not text(
            data.get("current_rate")):
        errors["current_rate"] = "Enter the current hourly rate, or tie the uplift to one of your contracts"
    return {"contract_id": contract_id, "tender_id": tender_id, "fund_id": fund_id}


def _read(data: dict) -> tuple[Organisation, dict]:
    errors: dict[str, str] = {}
    commissioner = _commissioner(data.get("commissioner"), errors)
    fields = read_proposal(data, errors)
    fields.update(_links(data, commissioner, fields["kind"], errors))
    if errors:
        raise ProposalErrors(errors)
    return commissioner, fields


def create_proposal(provider: Organisation, data: dict, *, actor) -> Proposal:
    commissioner, fields = _read(data)
    proposal = Proposal(tenant_id=provider.id, commissioner_id=commissioner.id, status=DRAFT,
                        created_by_id=getattr(actor, "id", None), **fields)
    db.session.add(proposal)
    db.session.flush()
    record("proposal.created", proposal, actor=actor, title=proposal.title)
    return proposal


def update_proposal(proposal: Proposal, data: dict, *, actor) -> Proposal:
    if proposal.status != DRAFT:
        raise Conflict("Only a draft can be changed: this proposal has been submitted")
    commissioner, fields = _read(data)
    proposal.commissioner_id = commissioner.id
    for name, value in fields.items():
        setattr(proposal, name, value)
    proposal.updated_at = utcnow()
    db.session.flush()
    record("proposal.changed", proposal, actor=actor)
    return proposal


def attach_document(proposal: Proposal, document_id, *, actor) -> ProposalDocument:
    if proposal.status != DRAFT:
        raise Conflict("Documents can be added to a draft only")
    errors: dict[str, str] = {}
    found_id = whole_id(document_id, "document_id", "a document", errors)
    if found_id is None:
        raise Invalid(errors.get("document_id", "Select a document to attach"), field="document_id")
    document = get_usable_document(found_id)
    if document is None:
        raise Invalid("Select one of your checked documents", field="document_id")
    if any(d.document_id == document.id for d in queries.documents_of(proposal)):
        raise Invalid(f"{document.filename} is already attached", field="document_id")
    link = ProposalDocument(tenant_id=proposal.tenant_id, commissioner_id=proposal.commissioner_id,
                            proposal_id=proposal.id, document_id=document.id, filename=document.filename,
                            status=proposal.status)
    db.session.add(link)
    db.session.flush()
    record("proposal.document_attached", proposal, actor=actor, filename=document.filename)
    return link


def snapshot(proposal: Proposal) -> dict:
    """What a version freezes: every field, the documents' names and the model worked out."""
    out = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(proposal, name)
        out[name] = value.isoformat() if isinstance(value, date) else (str(value) if isinstance(value, Decimal)
                                                                        else value)
    out["commissioner_id"] = proposal.commissioner_id
    out["documents"] = [d.filename for d in queries.documents_of(proposal)]
    model = queries.model_of(proposal)
    out["model"] = model.as_dict() if model is not None else None
    return out


def submit_proposal(proposal: Proposal, *, actor) -> ProposalVersion:
    if proposal.status != DRAFT:
        raise Conflict("This proposal has already been submitted")
    if proposal.kind == FUND_BID:
        fund = queries.get_fund(proposal.fund_id)
        if fund is None or fund.status != FUND_OPEN or not fund.opens_on <= london_today() <= fund.closes_on:
            raise Invalid("The fund is not open for bids: choose another fund or type of proposal", field="fund_id")
    now = utcnow()
    proposal.versions_count += 1
    version = ProposalVersion(tenant_id=proposal.tenant_id, commissioner_id=proposal.commissioner_id,
                              proposal_id=proposal.id, number=proposal.versions_count, snapshot=snapshot(proposal),
                              submitted_by_id=getattr(actor, "id", None), submitted_at=now)
    proposal.status, proposal.submitted_at, proposal.updated_at = SUBMITTED, now, now
    for link in queries.documents_of(proposal):
        link.status = SUBMITTED
    db.session.add(version)
    db.session.flush()
    record("proposal.submitted", proposal, actor=actor, version=version.number)
    enqueue_after_commit("notify_proposal", tenant_id=proposal.commissioner_id, proposal_id=proposal.id,
                         event=SUBMITTED)
    return version


def reopen_proposal(proposal: Proposal, *, actor) -> Proposal:
    """The provider takes back a submitted proposal (not yet decided) to change it and submit a
    new version."""
    if proposal.status not in OPEN_FOR_DECISION:
        raise Conflict("Only a proposal waiting for a decision can be taken back to change")
    proposal.status, proposal.updated_at = DRAFT, utcnow()
    for link in queries.documents_of(proposal):
        link.status = DRAFT
    db.session.flush()
    record("proposal.reopened", proposal, actor=actor)
    return proposal


def decide_proposal(proposal: Proposal, organisation: Organisation, *, decision, note="", awarded_amount=None,
                    actor) -> Proposal:
    """The addressee moves a submitted proposal under review, or accepts or declines it with a note."""
    if organisation.kind != COMMISSIONER or proposal.commissioner_id != organisation.id:
        raise Forbidden("Only the commissioner the proposal is addressed to can decide it")
    status = DECISIONS.get(text(decision))
    if status is None:
        raise Invalid("Choose under review, accept or decline", field="decision")
    if proposal.status not in OPEN_FOR_DECISION:
        raise Conflict(f"This proposal is {proposal.status_label.lower()}: it cannot be decided again")
    if status == UNDER_REVIEW and proposal.status == UNDER_REVIEW:
        raise Conflict("This proposal is already under review")
    note = text(note)
    if len(note) > NOTE_LIMIT:
        raise Invalid(f"The note must be {NOTE_LIMIT:,} characters or fewer", field="note")
    if status in (ACCEPTED, DECLINED) and not note:
        raise Invalid("Enter a decision note: the provider reads it", field="note")
    if status == ACCEPTED and proposal.kind == FUND_BID:
        _award(proposal, awarded_amount)
    proposal.status, proposal.updated_at = status, utcnow()
    if status in (ACCEPTED, DECLINED):
        proposal.decision_note, proposal.decided_by_id, proposal.decided_at = note, actor.id, utcnow()
    if status == ACCEPTED and proposal.kind == RATE_UPLIFT and proposal.contract_id:
        _apply_uplift(proposal, actor)
    db.session.flush()
    record(f"proposal.{status}", proposal, actor=actor, note=note)
    if status in (ACCEPTED, DECLINED):
        enqueue_after_commit("notify_proposal", tenant_id=proposal.tenant_id, proposal_id=proposal.id,
                             event=status)
    return proposal


def _award(proposal: Proposal, raw_amount) -> None:
    from portal.proposals.inputs import decimal_field

    errors: dict[str, str] = {}
    amount = decimal_field(raw_amount, "awarded_amount", "the amount awarded", errors,
                           maximum=Decimal("999999999999.99"), unit="£")
    if amount is None or amount <= 0:
        raise Invalid(errors.get("awarded_amount", "Enter the amount awarded (more than £0)"), field="awarded_amount")
    fund = queries.get_fund(proposal.fund_id)
    figures = queries.fund_figures(fund)
    if figures["awarded"] + amount > fund.budget:
        raise Invalid(f"This award would take {fund.name} past its budget of £{fund.budget:,.2f}: "
                      f"£{figures['left']:,.2f} is left to award", field="awarded_amount")
    if proposal.amount_requested is not None and amount > proposal.amount_requested:
        raise Invalid(f"The award cannot be more than the £{proposal.amount_requested:,.2f} requested",
                      field="awarded_amount")
    proposal.awarded_amount = pence(amount)


def _apply_uplift(proposal: Proposal, actor) -> None:
    """An accepted rate uplift: a variation of kind "rate" from the start date, and the proposed
    rate as the contract's weekday hourly rate from then (backdated adjustments follow)."""
    contract: Contract | None = queries.get_contract(proposal.contract_id)
    model = queries.model_of(proposal)
    if contract is None or model is None or proposal.start_date is None:
        raise Invalid("The uplift needs its contract, its financial model and a start date")
    variation = ContractVariation(tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id,
                                  contract_id=contract.id, kind="rate", effective_from=proposal.start_date,
                                  description=f"Rate uplift {proposal.reference}: {proposal.title}"[:2000],
                                  source=f"proposal:{proposal.id}", created_by_id=actor.id)
    db.session.add(variation)
    db.session.flush()
    change_rate(contract, unit="hour", day_type="weekday", service_type="", rate=model.rate,
                   effective_from=proposal.start_date, actor=actor, variation=variation)
    proposal.outcome = f"variation:{variation.id}"


def record_payment(proposal: Proposal, data: dict, *, actor):
    """A payment against an awarded bid (``amount``, ``paid_on`` or its three date parts, ``reference``)."""
    from portal.proposals.inputs import date_field, date_parts, decimal_field
    from portal.proposals.models import FundPayment

    amount, paid_on, reference = data.get("amount"), date_parts(data, "paid_on"), data.get("reference")
    if proposal.kind != FUND_BID or proposal.status != ACCEPTED or proposal.awarded_amount is None:
        raise Conflict("Payments are recorded against awarded fund bids only")
    errors: dict[str, str] = {}
    value = decimal_field(amount, "amount", "the amount paid", errors, maximum=Decimal("999999999999.99"), unit="£")
    day = date_field(paid_on, "paid_on", "the date paid", errors)
    if value is None and "amount" not in errors:
        errors["amount"] = "Enter the amount paid"
    elif value is not None and value <= 0:
        errors["amount"] = "The amount paid must be more than £0"
    if day is None and "paid_on" not in errors:
        errors["paid_on"] = "Enter the date it was paid"
    reference = text(reference)
    if len(reference) > 60:
        errors["reference"] = "The reference must be 60 characters or fewer"
    if errors:
        raise ProposalErrors(errors)
    paid = queries.paid_for(proposal)
    if paid + value > proposal.awarded_amount:
        raise Invalid(f"Payments would come to more than the £{proposal.awarded_amount:,.2f} awarded "
                      f"(£{paid:,.2f} paid so far)", field="amount")
    payment = FundPayment(tenant_id=proposal.tenant_id, commissioner_id=proposal.commissioner_id,
                          proposal_id=proposal.id, amount=value, paid_on=day, reference=reference,
                          created_by_id=actor.id)
    db.session.add(payment)
    db.session.flush()
    record("fund.payment_recorded", proposal, actor=actor, amount=str(value))
    return payment
