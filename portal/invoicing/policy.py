"""Who may do what with one invoice, for the pages (the services refuse the same things)."""
from __future__ import annotations

from portal.invoicing.models import AWAITING_APPROVAL, CREDIT_NOTE, EDITABLE, INVOICE, QUERIED, COUNTED, Invoice
from portal.tenants.models import PROVIDER


def is_provider(membership) -> bool:
    return membership is not None and membership.organisation.kind == PROVIDER


def can_edit(invoice: Invoice, membership) -> bool:
    return is_provider(membership) and membership.can("raise_invoices") and invoice.status in EDITABLE


def can_answer(invoice: Invoice, membership) -> bool:
    return is_provider(membership) and membership.can("raise_invoices") and invoice.status == QUERIED


def can_decide(invoice: Invoice, membership) -> bool:
    return (membership is not None and not is_provider(membership) and membership.can("approve_invoices")
            and invoice.status in AWAITING_APPROVAL)


def can_credit(invoice: Invoice, membership) -> bool:
    return (is_provider(membership) and membership.can("raise_invoices") and invoice.kind == INVOICE
            and invoice.status in COUNTED)


def is_credit_note(invoice: Invoice) -> bool:
    return invoice.kind == CREDIT_NOTE
