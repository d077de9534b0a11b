"""Reads of the money domain (the current organisation's rows, through the tenant layers)."""
from __future__ import annotations

from sqlalchemy import select

from portal.contracts.models import Contract
from portal.extensions import db
from portal.invoicing.models import DEFAULT_TARGET_WORKING_DAYS, ContractRate, Invoice, InvoicingSettings


def get_invoice(invoice_id: int) -> Invoice | None:
    """An invoice the organisation may see (a provider's own, a commissioner's submitted ones)."""
    return db.session.scalar(select(Invoice).where(Invoice.id == invoice_id))


def rates_of(contract: Contract) -> list[ContractRate]:
    """The contract's rate card: every rate, by unit, day type and date."""
    return list(db.session.scalars(
        select(ContractRate).where(ContractRate.tenant_id == contract.tenant_id,
                                   ContractRate.contract_id == contract.id)
        .order_by(ContractRate.unit, ContractRate.service_type, ContractRate.day_type, ContractRate.effective_from)))


def settings_of(commissioner_id: int) -> InvoicingSettings:
    """The commissioner's invoicing settings (its own row; readable by the commissioner only), or
    the defaults, unsaved, when it has none."""
    found = db.session.scalar(select(InvoicingSettings).where(InvoicingSettings.tenant_id == commissioner_id))
    return found or InvoicingSettings(second_approval_over=None, target_working_days=DEFAULT_TARGET_WORKING_DAYS)
