"""Reads of the money domain (the current organisation's rows, through the tenant layers)."""
from __future__ import annotations

from sqlalchemy import select

from portal.contracts.models import Contract
from portal.extensions import db
from portal.invoicing.models import (DEFAULT_TARGET_WORKING_DAYS, ContractRate, ContractVariation, Invoice, InvoiceEvent,
                                     InvoicingSettings)


def get_invoice(invoice_id: int) -> Invoice | None:
    """An invoice the organisation may see (a provider's own, a commissioner's submitted ones)."""
    return db.session.scalar(select(Invoice).where(Invoice.id == invoice_id))


def rates_of(contract: Contract) -> list[ContractRate]:
    """The contract's rate card: every rate, by unit, day type and date."""
    return list(db.session.scalars(
        select(ContractRate).where(ContractRate.tenant_id == contract.tenant_id,
                                   ContractRate.contract_id == contract.id)
        .order_by(ContractRate.unit, ContractRate.service_type, ContractRate.day_type, ContractRate.effective_from)))


def variations_of(contract: Contract) -> list[ContractVariation]:
    """The contract's variations (rate changes, extensions, changes of value), newest first."""
    return list(db.session.scalars(
        select(ContractVariation).where(ContractVariation.tenant_id == contract.tenant_id,
                                        ContractVariation.contract_id == contract.id)
        .order_by(ContractVariation.effective_from.desc(), ContractVariation.id.desc())))


def settings_of(commissioner_id: int) -> InvoicingSettings:
    """The commissioner's invoicing settings (its own row; readable by the commissioner only), or
    the defaults, unsaved, when it has none."""
    found = db.session.scalar(select(InvoicingSettings).where(InvoicingSettings.tenant_id == commissioner_id))
    return found or InvoicingSettings(second_approval_over=None, target_working_days=DEFAULT_TARGET_WORKING_DAYS)


def list_invoices(*, statuses=None, contract_id: int | None = None, kind: str | None = None, limit: int = 200,
                  offset: int = 0) -> list[Invoice]:
    """The organisation's invoices (a commissioner's: sent to it), newest period first."""
    from portal.limits import clamp_offset

    query = select(Invoice)
    if statuses:
        query = query.where(Invoice.status.in_(statuses))
    if contract_id is not None:
        query = query.where(Invoice.contract_id == contract_id)
    if kind:
        query = query.where(Invoice.kind == kind)
    return list(db.session.scalars(query.order_by(Invoice.period_start.desc(), Invoice.id.desc())
                                   .limit(min(max(limit, 1), 500)).offset(clamp_offset(offset))))


def approval_queue(statuses) -> list[Invoice]:
    """A commissioner's invoices awaiting approval or queried, oldest first submission first."""
    return list(db.session.scalars(select(Invoice).where(Invoice.status.in_(statuses))
                                   .order_by(Invoice.first_submitted_at, Invoice.id).limit(500)))


def history_of(invoice: Invoice) -> list[InvoiceEvent]:
    """The invoice's events from its submission on, oldest first."""
    return list(db.session.scalars(select(InvoiceEvent).where(InvoiceEvent.tenant_id == invoice.tenant_id,
                                                              InvoiceEvent.invoice_id == invoice.id)
                                   .order_by(InvoiceEvent.at, InvoiceEvent.id)))


def get_invoice_by_id_for_credit(invoice_id) -> Invoice | None:
    """An invoice of the organisation by an id given in a form or a request body (None if not one)."""
    try:
        value = int(invoice_id)
    except (TypeError, ValueError):
        return None
    from portal.limits import fits_id

    return get_invoice(value) if fits_id(value) else None
