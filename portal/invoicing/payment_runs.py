"""Payment runs: a commissioner's finance staff pay approved invoices together.

A run is built (draft) from the approved invoices due by a date: each invoice is due 30 days
after its first submission (the statutory limit of the Late Payment of Commercial Debts
regulations; the commissioner's shorter target shows on the spend views). The invoices chosen are
taken by the run at once (``payment_run_id``) under a row lock, so an invoice is in at most one
live run even when two people build runs at the same moment. Confirming (releasing) a run makes
its invoices ``scheduled``; only someone who approved none of them may release it. Marking it paid
makes them ``paid`` and gives each provider a remittance advice (``portal.invoicing.remittances``).
A run can be cancelled until it is paid: its invoices go back to ``approved``.

Services flush; the request commits once.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Date, cast, func, select

from portal.audit.services import record
from portal.errors import Conflict, Forbidden, Invalid, ServiceError
from portal.extensions import db
from portal.invoicing.ageing import LONDON
from portal.invoicing.models import (APPROVED, CREDIT_NOTE, PAID, RUN_CANCELLED, RUN_CONFIRMED, RUN_DRAFT, RUN_PAID,
                                     SCHEDULED, STATUTORY_DAYS, Invoice, InvoiceEvent, PaymentRun)
from portal.invoicing.workflow import copy_status
from portal.limits import EARLIEST_DATE, LATEST_DATE
from portal.models_base import utcnow
from portal.reporting.periods import london_today
from portal.tenants.models import Organisation

TIMEZONE = "Europe/London"
RUN_STATUS_LABELS = {RUN_DRAFT: "Draft", RUN_CONFIRMED: "Confirmed", RUN_PAID: "Paid", RUN_CANCELLED: "Cancelled"}
LIVE = (RUN_DRAFT, RUN_CONFIRMED)
DUE_RULE = f"{STATUTORY_DAYS} days from the invoice's first submission (the statutory limit)"


def signed(invoice: Invoice, amount: Decimal) -> Decimal:
    """An amount of the invoice as it counts: a credit note's taken away (never "-0.00")."""
    return Decimal("0.00") - amount if invoice.kind == CREDIT_NOTE else amount


def due_date(first_submitted_at: datetime | None) -> date | None:
    """The day an invoice is due: 30 days after its first submission, in Europe/London (as
    ``portal.invoicing.ageing.prompt_payment`` shows it)."""
    if first_submitted_at is None:
        return None
    return first_submitted_at.astimezone(LONDON).date() + timedelta(days=STATUTORY_DAYS)


def due_date_sql():
    """``due_date`` in SQL, over Invoice.first_submitted_at."""
    return cast(func.timezone(TIMEZONE, Invoice.first_submitted_at), Date) + STATUTORY_DAYS


# -- reads -------------------------------------------------------------------------------------------

@dataclass
class RunLine:
    invoice: Invoice
    provider: str
    provider_slug: str
    due: date | None

    @property
    def signed_total(self) -> Decimal:
        return self.invoice.signed_total


@dataclass
class ProviderTotal:
    provider_id: int
    provider: str
    provider_slug: str
    lines: list[RunLine] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return sum((signed(l.invoice, l.invoice.net_total) for l in self.lines), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        return sum((signed(l.invoice, l.invoice.vat_total) for l in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return sum((l.signed_total for l in self.lines), Decimal("0.00"))


def _lines(statement) -> list[RunLine]:
    rows = db.session.execute(statement.add_columns(Organisation.name, Organisation.slug)
                              .join(Organisation, Organisation.id == Invoice.tenant_id)
                              .order_by(Organisation.name, Invoice.tenant_id, Invoice.kind, Invoice.number)).all()
    return [RunLine(invoice=row[0], provider=row.name, provider_slug=row.slug,
                    due=due_date(row[0].first_submitted_at)) for row in rows]


def by_provider(lines: list[RunLine]) -> list[ProviderTotal]:
    """The lines grouped per provider, in the order given (credit notes take away)."""
    groups: "OrderedDict[int, ProviderTotal]" = OrderedDict()
    for line in lines:
        group = groups.setdefault(line.invoice.tenant_id, ProviderTotal(line.invoice.tenant_id, line.provider,
                                                                        line.provider_slug))
        group.lines.append(line)
    return list(groups.values())


def candidates(due_by: date) -> list[RunLine]:
    """Approved invoices and credit notes in no live run, due by ``due_by``."""
    return _lines(select(Invoice).where(Invoice.status == APPROVED, Invoice.payment_run_id.is_(None),
                                        due_date_sql() <= due_by))


def run_lines(run: PaymentRun) -> list[RunLine]:
    return _lines(select(Invoice).where(Invoice.commissioner_id == run.tenant_id, Invoice.payment_run_id == run.id))


def list_runs() -> list[PaymentRun]:
    return list(db.session.scalars(select(PaymentRun).order_by(PaymentRun.created_at.desc(), PaymentRun.id.desc())))


def get_run(run_id: int) -> PaymentRun | None:
    return db.session.scalar(select(PaymentRun).where(PaymentRun.id == run_id))


# -- writes ------------------------------------------------------------------------------------------

def check_due_by(value) -> date:
    if value is None or value == "":
        raise Invalid("Enter the date invoices must be due by, like 31 5 2026", field="due_by")
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise Invalid("Enter the date invoices must be due by as a real date, like 2026-05-31",
                          field="due_by") from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise Invalid(f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}", field="due_by")
    return value


def _chosen_ids(invoice_ids) -> set[int] | None:
    if invoice_ids is None:
        return None
    try:
        chosen = {int(i) for i in invoice_ids}
    except (TypeError, ValueError):
        raise Invalid("Choose the invoices from the list", field="invoice_ids") from None
    if not chosen:
        raise Invalid("Choose at least one invoice to pay", field="invoice_ids")
    return chosen


def _reference(commissioner_id: int, today: date) -> str:
    count = db.session.scalar(select(func.count()).select_from(PaymentRun)
                              .where(PaymentRun.tenant_id == commissioner_id)) or 0
    return f"PR-{today:%Y%m%d}-{count + 1}"


def build_run(commissioner_id: int, *, due_by, invoice_ids=None, actor, today: date | None = None) -> PaymentRun:
    """A draft run of the approved invoices due by ``due_by`` (all of them, or those chosen)."""
    due_by = check_due_by(due_by)
    chosen = _chosen_ids(invoice_ids)
    # Lock the candidates: a concurrent build waits, then re-reads them and finds them taken.
    rows = list(db.session.scalars(
        select(Invoice).where(Invoice.commissioner_id == commissioner_id, Invoice.status == APPROVED,
                              Invoice.payment_run_id.is_(None), due_date_sql() <= due_by)
        .order_by(Invoice.id).with_for_update(of=Invoice)).unique())
    if chosen is not None:
        available = {i.id for i in rows}
        missing = sorted(chosen - available)
        if missing:
            raise Conflict(f"{len(missing)} of the invoices chosen cannot go in this run: they are no longer approved, "
                           f"are in another run or are not due by {due_by:%-d %B %Y}. Build the run again.",
                           field="invoice_ids")
        rows = [i for i in rows if i.id in chosen]
    if not rows:
        raise Invalid(f"No approved invoices are due by {due_by:%-d %B %Y}: choose a later date", field="due_by")
    totals: dict[int, Decimal] = {}
    for invoice in rows:
        totals[invoice.tenant_id] = totals.get(invoice.tenant_id, Decimal("0.00")) + invoice.signed_total
    negative = [provider for provider, total in totals.items() if total < 0]
    if negative:
        names = ", ".join(sorted(db.session.scalars(select(Organisation.name).where(Organisation.id.in_(negative)))))
        raise Invalid(f"The credit notes of {names} come to more than its invoices in this run: "
                      f"add its invoices or leave its credit notes out", field="invoice_ids")
    run = PaymentRun(tenant_id=commissioner_id, reference=_reference(commissioner_id, today or london_today()),
                     due_by=due_by, status=RUN_DRAFT, total=sum(totals.values(), Decimal("0.00")),
                     created_by_id=actor.id if actor else None)
    db.session.add(run)
    db.session.flush()
    for invoice in rows:
        invoice.payment_run_id = run.id
    db.session.flush()
    record("payment_run_built", run, actor=actor, reference=run.reference, invoices=len(rows), total=str(run.total))
    return run


def _locked_invoices(run: PaymentRun) -> list[Invoice]:
    return list(db.session.scalars(
        select(Invoice).where(Invoice.commissioner_id == run.tenant_id, Invoice.payment_run_id == run.id)
        .order_by(Invoice.id).with_for_update(of=Invoice)).unique())


def _lock_run(run: PaymentRun) -> PaymentRun:
    db.session.execute(select(PaymentRun.id).where(PaymentRun.id == run.id).with_for_update())
    db.session.refresh(run)
    return run


def _set_status(invoices: list[Invoice], status: str) -> None:
    for invoice in invoices:
        invoice.status = status
    if invoices:
        db.session.flush()
        copy_status(invoices, status)


def _events(invoices: list[Invoice], action: str, actor, comment: str) -> None:
    for invoice in invoices:
        db.session.add(InvoiceEvent(tenant_id=invoice.tenant_id, commissioner_id=invoice.commissioner_id,
                                    invoice_id=invoice.id, action=action, comment=comment,
                                    user_id=actor.id if actor else None))


def approvers_in(invoices: list[Invoice], actor) -> list[Invoice]:
    """The invoices ``actor`` approved (first or second approval)."""
    if actor is None:
        return []
    return [i for i in invoices if actor.id in (i.approved_by_id, i.first_approved_by_id)]


def confirm_run(run: PaymentRun, *, actor) -> PaymentRun:
    """Release the run: its invoices become scheduled. The person releasing it approved none of them."""
    _lock_run(run)
    if run.status != RUN_DRAFT:
        raise Conflict(f"Payment run {run.reference} is {RUN_STATUS_LABELS[run.status].lower()}: only a draft run "
                       f"can be confirmed")
    invoices = _locked_invoices(run)
    if not invoices:
        raise Conflict(f"Payment run {run.reference} has no invoices left: cancel it and build another")
    own = approvers_in(invoices, actor)
    if own:
        numbers = ", ".join(i.number for i in own)
        raise Forbidden(f"You approved {numbers}, so you cannot release this run: someone who approved none of "
                        f"its invoices must confirm it")
    not_approved = [i.number for i in invoices if i.status != APPROVED]
    if not_approved:
        raise Conflict(f"{', '.join(not_approved)} are no longer approved: cancel the run and build it again")
    _set_status(invoices, SCHEDULED)
    _events(invoices, "scheduled", actor, f"In payment run {run.reference}")
    run.status = RUN_CONFIRMED
    run.confirmed_by_id = run.released_by_id = actor.id if actor else None
    run.confirmed_at = utcnow()
    db.session.flush()
    record("payment_run_confirmed", run, actor=actor, reference=run.reference, invoices=len(invoices))
    return run


def cancel_run(run: PaymentRun, *, actor) -> PaymentRun:
    """Cancel a run that is not paid: its invoices go back to approved, free for another run."""
    _lock_run(run)
    if run.status not in LIVE:
        raise Conflict(f"Payment run {run.reference} is {RUN_STATUS_LABELS[run.status].lower()}: "
                       f"only a draft or confirmed run can be cancelled")
    invoices = _locked_invoices(run)
    scheduled = [i for i in invoices if i.status == SCHEDULED]
    _set_status(scheduled, APPROVED)
    _events(scheduled, "unscheduled", actor, f"Payment run {run.reference} cancelled")
    for invoice in invoices:
        invoice.payment_run_id = None
    run.status = RUN_CANCELLED
    db.session.flush()
    record("payment_run_cancelled", run, actor=actor, reference=run.reference, invoices=len(invoices))
    return run


def check_paid(paid_on, payment_reference, *, run: PaymentRun, today: date | None = None) -> tuple[date, str]:
    errors = {}
    if isinstance(paid_on, str) and paid_on:
        try:
            paid_on = date.fromisoformat(paid_on)
        except ValueError:
            paid_on = None
            errors["paid_on"] = "Enter the date the payment was made as a real date, like 2026-05-31"
    if not paid_on and "paid_on" not in errors:
        errors["paid_on"] = "Enter the date the payment was made"
    elif isinstance(paid_on, date):
        today = today or london_today()
        confirmed = run.confirmed_at.date() if run.confirmed_at else EARLIEST_DATE
        if paid_on > today:
            errors["paid_on"] = "The payment date must be today or in the past"
        elif paid_on < confirmed - timedelta(days=1):
            errors["paid_on"] = f"The payment date must be on or after the run was confirmed ({confirmed:%-d %B %Y})"
    reference = str(payment_reference or "").strip()
    if not reference:
        errors["payment_reference"] = "Enter the payment reference, like the BACS batch number"
    elif len(reference) > 60:
        errors["payment_reference"] = "The payment reference must be 60 characters or fewer"
    if errors:
        raise ServiceError(next(iter(errors.values())), errors=errors)
    return paid_on, reference


def mark_paid(run: PaymentRun, *, paid_on, payment_reference, actor, today: date | None = None) -> PaymentRun:
    """The run was paid: its invoices become paid and each provider gets a remittance advice."""
    from portal.invoicing.remittances import issue_remittances

    _lock_run(run)
    if run.status != RUN_CONFIRMED:
        raise Conflict(f"Payment run {run.reference} is {RUN_STATUS_LABELS[run.status].lower()}: only a confirmed "
                       f"run can be marked paid")
    paid_on, reference = check_paid(paid_on, payment_reference, run=run, today=today)
    invoices = _locked_invoices(run)
    _set_status(invoices, PAID)
    for invoice in invoices:
        invoice.paid_on = paid_on
        invoice.payment_reference = reference
    _events(invoices, "paid", actor, f"Paid on {paid_on:%-d %B %Y} in payment run {run.reference} ({reference})")
    run.status = RUN_PAID
    run.paid_on = paid_on
    run.payment_reference = reference
    db.session.flush()
    issue_remittances(run, run_lines(run))
    record("payment_run_paid", run, actor=actor, reference=run.reference, paid_on=paid_on.isoformat(),
           payment_reference=reference)
    return run


# -- the payment file --------------------------------------------------------------------------------

FILE_HEADER = ["Supplier name", "Supplier reference", "Invoice number", "Kind", "Invoice date", "Net", "VAT",
               "Total", "Bank reference"]


def bank_reference(run: PaymentRun, invoice: Invoice) -> str:
    """What the supplier sees on its bank statement for one invoice: the run's reference and the
    invoice number."""
    return f"{run.reference}/{invoice.number}"


def file_rows(run: PaymentRun, lines: list[RunLine]) -> list[list]:
    """One row per invoice (credit notes negative), then a total row per supplier."""
    rows = []
    for group in by_provider(lines):
        for line in group.lines:
            invoice = line.invoice
            rows.append([group.provider, group.provider_slug, invoice.number, invoice.kind_label,
                         invoice.issue_date or (invoice.first_submitted_at.date() if invoice.first_submitted_at else None),
                         signed(invoice, invoice.net_total), signed(invoice, invoice.vat_total),
                         signed(invoice, invoice.total),
                         bank_reference(run, invoice)])
        rows.append([group.provider, group.provider_slug, "", "Supplier total", None, group.net, group.vat,
                     group.total, f"{run.reference}/{group.provider_slug}"[:60]])
    return rows


def payment_file(run: PaymentRun) -> tuple[str, str]:
    """The run's payment file as CSV (written by portal.reporting.exports) and its file name."""
    from portal.reporting.exports import csv_text

    if run.status not in (RUN_CONFIRMED, RUN_PAID):
        raise Conflict(f"Confirm payment run {run.reference} before you download its payment file")
    return csv_text(FILE_HEADER, file_rows(run, run_lines(run))), f"payment-run-{run.reference}.csv"


def date_from_fields(form, name: str, what: str) -> tuple[date | str | None, list[str], str | None]:
    """A GOV.UK date input's three fields (``<name>-day``, ``-month``, ``-year``): the date (or
    the ISO text sent by a link), the values typed and a message when they are not a date."""
    iso = str(form.get(name, "")).strip()[:10]
    typed = [str(form.get(f"{name}-{part}", "")).strip()[:10] for part in ("day", "month", "year")]
    if iso and not any(typed):
        try:
            found = date.fromisoformat(iso)
            return found, [str(found.day), str(found.month), str(found.year)], None
        except ValueError:
            return None, typed, f"Enter {what} as a real date, like 31 5 2026"
    if not any(typed):
        return None, typed, f"Enter {what}"
    try:
        day, month, year = (int(part) for part in typed)
        return date(year, month, day), typed, None
    except (ValueError, OverflowError):
        return None, typed, f"Enter {what} as a real date, like 31 5 2026"
