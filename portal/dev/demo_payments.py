"""The demo's payments: Glasgow's paid payment run with remittances, a draft run, and a contract
review decided (an extension). The invoices come from the invoices demo; when fewer than three
of Glasgow's are approved (that demo not merged yet), this module makes its own: drafts through
portal.invoicing.services.create_invoice, then approved directly by Glasgow's contract manager."""
from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.contract_reviews import services as reviews
from portal.contract_reviews.models import ContractReview
from portal.contracts.models import Contract
from portal.extensions import db
from portal.invoicing import payment_runs
from portal.invoicing.models import APPROVED, Invoice, InvoiceEvent, PaymentRun
from portal.invoicing.workflow import copy_status
from portal.invoicing.services import create_invoice
from portal.models_base import utcnow
from portal.reporting.periods import london_today
from portal.tenants.context import tenant_context
from portal.tenants.queries import get_organisation_by_slug

# provider, contract, invoice number, hours, rate
OWN_INVOICES = [
    ("riverside-care", "GCH-CAH-001", "RC-PAY-001", "620", "22.50"),
    ("hillview-support", "GCH-SL-007", "HS-PAY-001", "410", "23.10"),
    ("brightpath-support", "GCH-CAH-019", "BP-PAY-001", "300", "22.50"),
    ("riverside-care", "GCH-CAH-001", "RC-PAY-002", "580", "22.50"),
]


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _own_approved_invoices(glasgow_id: int, approver: User | None) -> int:
    today = london_today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    start = last_month_end.replace(day=1)
    made = 0
    for provider_slug, reference, number, hours, rate in OWN_INVOICES:
        provider = get_organisation_by_slug(provider_slug)
        if provider is None:
            continue
        with tenant_context(provider.id):
            contract = db.session.scalar(select(Contract).where(Contract.reference == reference))
            if contract is None or db.session.scalar(select(Invoice.id).where(Invoice.number == number)):
                continue
            invoice = create_invoice(contract, number=number, period_start=start, period_end=last_month_end,
                                     buyer_reference=f"PO-{reference}",
                                     lines=[{"description": "Care and support hours", "quantity": hours,
                                             "unit": "hour", "unit_price": rate}], actor=None)
            submitted = utcnow() - timedelta(days=8)
            invoice.status = APPROVED
            invoice.submitted_at = invoice.first_submitted_at = submitted
            invoice.issue_date = submitted.date()
            invoice.approved_by_id = approver.id if approver else None
            invoice.approved_at = submitted + timedelta(days=2)
            db.session.flush()
            copy_status([invoice], APPROVED)
            for action in ("submitted", "approved"):
                db.session.add(InvoiceEvent(tenant_id=provider.id, commissioner_id=glasgow_id, invoice_id=invoice.id,
                                            action=action, user_id=approver.id if action == "approved" and approver
                                            else None, at=submitted))
            db.session.flush()
            made += 1
    return made


def seed_demo_payments() -> int:
    """A paid run and a draft run for Glasgow, and one contract review decided; returns runs made."""
    glasgow = get_organisation_by_slug("glasgow-hscp")
    if glasgow is None:
        return 0
    # Glasgow's finance officer approves its invoices (the invoices demo), so its administrator, who
    # approved none of them, builds and releases the runs: separation of duties.
    releaser = _user("admin@glasgow-hscp.example")
    manager = _user("commissioner@glasgow-hscp.example")
    with tenant_context(glasgow.id):
        if db.session.scalar(select(func.count()).select_from(PaymentRun)):
            return 0
        approved = db.session.scalar(select(func.count()).select_from(Invoice).where(Invoice.status == APPROVED))
    if approved < 3:
        _own_approved_invoices(glasgow.id, manager)
    today = london_today()
    made = 0
    with tenant_context(glasgow.id):
        due = payment_runs.candidates(today + timedelta(days=60))
        eligible = [l.invoice.id for l in due if releaser is None or releaser.id not in (
            l.invoice.approved_by_id, l.invoice.first_approved_by_id)]
        if len(eligible) >= 2:
            paid = payment_runs.build_run(glasgow.id, due_by=today + timedelta(days=60),
                                          invoice_ids=eligible[:-1], actor=releaser)
            payment_runs.confirm_run(paid, actor=releaser)
            payment_runs.mark_paid(paid, paid_on=today, payment_reference=f"BACS-{today:%Y%m%d}-01", actor=releaser)
            payment_runs.build_run(glasgow.id, due_by=today + timedelta(days=60), invoice_ids=eligible[-1:],
                                   actor=releaser)
            made = 2
        contract = db.session.scalar(select(Contract).where(Contract.reference == "GCH-SL-007"))
        if contract is not None and not db.session.scalar(select(ContractReview.id).where(
                ContractReview.contract_id == contract.id)):
            reviews.decide(contract, {"decision": "extend", "reason": "Outcomes and delivery are strong; extended "
                                      "for a year while the service is redesigned with the people it supports.",
                                      "new_end_date": contract.end_date + relativedelta(years=1)}, actor=manager)
        db.session.flush()
    return made
