"""An invoice's life after its draft: submit (with the checks), approve (once, or twice over the
commissioner's amount, by different people), query (the provider answers, line by line if asked,
and resubmits) or reject; credit notes; the commissioner's settings.

Each step writes an ``InvoiceEvent`` and an audit record, and emails the other side after the
commit (through the outbox). Separation of duties: nobody who raised or changed an invoice may
approve it, and the second approver is not the first.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import User
from portal.audit.services import record
from portal.errors import Conflict, Forbidden, Invalid, ServiceError
from portal.extensions import db
from portal.invoicing import checks, money
from portal.invoicing.models import (APPROVED, AWAITING_APPROVAL, COUNTED, CREDIT_NOTE, EDITABLE, INVOICE, QUERIED,
                                     REJECTED, SUBMITTED, Invoice, InvoiceEvent, InvoiceLine, InvoicingSettings)
from portal.invoicing.attachment_models import InvoiceAttachment
from portal.invoicing.queries import settings_of
from portal.invoicing.services import create_invoice
from portal.models_base import utcnow
from portal.outbox import enqueue_after_commit

COMMENT_LIMIT = 5000
DECISIONS = {"approve": "Approve", "query": "Query", "reject": "Reject"}
CONFIRM_FIELD = "confirm_warnings"
#: The events the commissioner's approvers are told about (the provider is told of the others).
TO_COMMISSIONER = frozenset({SUBMITTED, "resubmitted"})


class ChecksRefused(ServiceError):
    """Refusals from the checks: nothing was submitted."""

    status = 422

    def __init__(self, findings: list[dict]):
        count = len(findings)
        super().__init__(("This invoice cannot be submitted yet: " if count == 1 else
                          f"This invoice cannot be submitted yet ({count} problems): ")
                         + " ".join(f["message"] for f in findings),
                         errors={f["code"]: f["message"] for f in findings}, within="checks")


class WarningsToConfirm(ServiceError):
    status = 422

    def __init__(self, findings: list[dict]):
        super().__init__("Check the warnings and confirm that the invoice is right, or change it: "
                         + " ".join(f["message"] for f in findings), field=CONFIRM_FIELD)


def _lock(invoice: Invoice) -> None:
    db.session.execute(select(Invoice).where(Invoice.id == invoice.id).with_for_update(of=Invoice)
                       .execution_options(populate_existing=True))


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict("Someone else changed this invoice at the same time: reload the page and try again") from None


def copy_status(invoices: list[Invoice], status: str) -> None:
    """Copy the invoices' new status onto their lines and attachments (so a draft's stay the
    provider's alone, and the commissioner sees them once it is submitted)."""
    if not invoices:
        return
    ids, tenants = [i.id for i in invoices], {i.tenant_id for i in invoices}
    with db.session.no_autoflush:
        for model in (InvoiceLine, InvoiceAttachment):
            db.session.execute(update(model).where(model.tenant_id.in_(tenants), model.invoice_id.in_(ids))
                               .values(status=status).execution_options(synchronize_session="fetch"))


def _set_status(invoice: Invoice, status: str, now: datetime) -> None:
    invoice.status, invoice.updated_at = status, now
    copy_status([invoice], status)


def _event(invoice: Invoice, action: str, actor: User | None, now: datetime, comment: str = "",
           line_comments: dict | None = None) -> InvoiceEvent:
    event = InvoiceEvent(tenant_id=invoice.tenant_id, commissioner_id=invoice.commissioner_id, invoice_id=invoice.id,
                         action=action, user_id=actor.id if actor else None, comment=comment,
                         line_comments=line_comments or {}, at=now)
    db.session.add(event)
    return event


def _notify(invoice: Invoice, action: str, *, to_commissioner: bool) -> None:
    enqueue_after_commit("notify_invoice", tenant_id=invoice.commissioner_id if to_commissioner else invoice.tenant_id,
                         invoice_id=invoice.id, action=action)


def refresh_warnings(invoice: Invoice) -> list[dict]:
    """Run the checks on a saved invoice and keep its warnings on it; answers every finding."""
    findings = checks.check_invoice(invoice)
    invoice.warnings = [{k: f[k] for k in ("code", "message", "line")} for f in checks.warnings(findings)]
    return findings


def submit(invoice: Invoice, *, actor: User, confirm_warnings: bool = False, now: datetime | None = None) -> list[dict]:
    """Submit a draft (or resubmit a queried invoice). Refusals block it; warnings need the
    provider's confirmation (``confirm_warnings``). Answers the warnings confirmed."""
    _lock(invoice)
    if invoice.status not in EDITABLE:
        raise Conflict(f"This {invoice.kind_label.lower()} is already {invoice.status_label.lower()}")
    findings = refresh_warnings(invoice)
    refused = checks.refusals(findings)
    if refused:
        raise ChecksRefused(refused)
    warned = checks.warnings(findings)
    if warned and not confirm_warnings:
        raise WarningsToConfirm(warned)
    now = now or utcnow()
    resubmission = invoice.status == QUERIED
    invoice.submitted_at = now
    invoice.first_submitted_at = invoice.first_submitted_at or now
    _set_status(invoice, SUBMITTED, now)
    invoice.issue_date = invoice.issue_date or now.date()
    invoice.first_approved_by_id = invoice.first_approved_at = None
    if actor.id not in (invoice.editor_ids or []):
        invoice.editor_ids = [*(invoice.editor_ids or []), actor.id]
    action = "resubmitted" if resubmission else "submitted"
    _event(invoice, action, actor, now, comment="; ".join(w["message"] for w in warned) if warned else "")
    _flush()
    record(f"invoice_{action}", invoice, actor=actor, number=invoice.number, total=str(invoice.total),
           warnings=[w["code"] for w in warned])
    _notify(invoice, action, to_commissioner=True)
    return warned


def may_approve(invoice: Invoice, user: User) -> str | None:
    """Why ``user`` may not approve the invoice now (None: they may)."""
    if user.id == invoice.created_by_id or user.id in (invoice.editor_ids or []):
        return "You raised or changed this invoice, so someone else must approve it"
    if invoice.first_approved_by_id == user.id:
        return "You gave this invoice its first approval: a second, different person must approve it"
    return None


def needs_second_approval(invoice: Invoice, settings: InvoicingSettings) -> bool:
    threshold = settings.second_approval_over
    return threshold is not None and invoice.total > threshold


def _line_comments(invoice: Invoice, given: dict | None, errors: dict[str, str], prefix: str) -> dict[int, str]:
    positions = {line.position for line in invoice.lines}
    kept: dict[int, str] = {}
    for key, text in (given or {}).items():
        text = (text or "").strip() if isinstance(text, str) else ""
        if not text:
            continue
        try:
            position = int(key)
        except (TypeError, ValueError):
            position = None
        if position not in positions:
            errors[f"{prefix}-{key}"[:60]] = f"Line {key} is not a line of this invoice"
        elif len(text) > COMMENT_LIMIT:
            errors[f"{prefix}-{position}"] = f"Write the comment on line {position} in up to {COMMENT_LIMIT:,} characters"
        else:
            kept[position] = text
    return kept


def decide(invoice: Invoice, *, decision: str, comment: str = "", line_comments: dict | None = None, actor: User,
           now: datetime | None = None) -> Invoice:
    """The commissioner approves, queries (a question, optionally per line) or rejects (a reason)
    a submitted invoice. Over the second-approval amount the first approval keeps it submitted."""
    _lock(invoice)
    if invoice.status not in AWAITING_APPROVAL:
        raise Conflict(f"Only a submitted invoice can be decided: this one is {invoice.status_label.lower()}")
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = "Choose whether to approve, query or reject the invoice"
    if len(comment) > COMMENT_LIMIT:
        errors["comment"] = f"Write the comment in up to {COMMENT_LIMIT:,} characters"
    per_line = _line_comments(invoice, line_comments, errors, "line_comment") if decision == "query" else {}
    if decision == "query" and not comment and not per_line:
        errors["comment"] = "Write the question the provider needs to answer"
    if decision == "reject" and not comment:
        errors["comment"] = "Say why you are rejecting the invoice"
    if errors:
        raise Invalid(next(iter(errors.values())) if len(errors) == 1 else
                      f"There are {len(errors)} problems with the decision: correct them and try again", errors=errors)
    if decision == "approve":
        refused = may_approve(invoice, actor)
        if refused:
            raise Forbidden(refused, field="decision")
    now = now or utcnow()
    status_before = invoice.status
    if decision == "approve":
        settings = settings_of(invoice.commissioner_id)
        if needs_second_approval(invoice, settings) and invoice.first_approved_by_id is None:
            invoice.first_approved_by_id, invoice.first_approved_at, invoice.updated_at = actor.id, now, now
            action = "first_approved"
        else:
            _set_status(invoice, APPROVED, now)
            invoice.approved_by_id, invoice.approved_at = actor.id, now
            action = "approved"
    elif decision == "query":
        _set_status(invoice, QUERIED, now)
        for line in invoice.lines:
            line.query, line.answer = per_line.get(line.position, ""), ""
        action = "queried"
    else:
        _set_status(invoice, REJECTED, now)
        action = "rejected"
    invoice.decision_comment = comment
    _event(invoice, action, actor, now, comment, {str(k): v for k, v in per_line.items()})
    _flush()
    record(f"invoice_{action}", invoice, actor=actor, number=invoice.number, status_before=status_before,
           status_after=invoice.status, comment=comment)
    if action != "first_approved":
        _notify(invoice, action, to_commissioner=False)
    return invoice


def answer_query(invoice: Invoice, *, comment: str = "", line_answers: dict | None = None, actor: User,
                 now: datetime | None = None) -> Invoice:
    """The provider answers the commissioner's query (as a whole and per line); it then changes the
    invoice if needed and resubmits it."""
    _lock(invoice)
    if invoice.status != QUERIED:
        raise Conflict("Only a queried invoice can be answered")
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    errors: dict[str, str] = {}
    per_line = _line_comments(invoice, line_answers, errors, "line_answer")
    if len(comment) > COMMENT_LIMIT:
        errors["comment"] = f"Write the answer in up to {COMMENT_LIMIT:,} characters"
    if not comment and not per_line:
        errors["comment"] = "Write your answer to the commissioner's question"
    if errors:
        raise Invalid(next(iter(errors.values())), errors=errors)
    now = now or utcnow()
    for line in invoice.lines:
        if line.position in per_line:
            line.answer = per_line[line.position]
    invoice.updated_at = now
    _event(invoice, "answered", actor, now, comment, {str(k): v for k, v in per_line.items()})
    _flush()
    record("invoice_answered", invoice, actor=actor, number=invoice.number, comment=comment)
    return invoice


def raise_credit_note(invoice: Invoice, *, number, lines, actor: User, note: str = "", buyer_reference=None,
                      source: str = "typed") -> Invoice:
    """A draft credit note against a submitted (or later) invoice of the provider, for no more than
    what is left of it; it is submitted and approved like an invoice."""
    if invoice.kind != INVOICE or invoice.status not in COUNTED:
        raise Conflict("A credit note can only correct an invoice that has been submitted and not rejected")
    credit = create_invoice(invoice.contract, number=number, period_start=invoice.period_start,
                            period_end=invoice.period_end,
                            buyer_reference=invoice.buyer_reference if buyer_reference is None else buyer_reference,
                            lines=lines, actor=actor, kind=CREDIT_NOTE, corrects=invoice, note=note, source=source)
    left = checks.left_to_credit(invoice)
    if credit.total > left:
        raise Invalid(f"Reduce the credit note to £{left:,.2f} or less: that is what is left of invoice "
                      f"{invoice.number} after its other credit notes", field="lines")
    return credit


def update_settings(settings: InvoicingSettings, *, second_approval_over, target_working_days, actor: User
                    ) -> InvoicingSettings:
    """The commissioner's second-approval amount (empty: never) and prompt payment target."""
    errors: dict[str, str] = {}
    threshold = None
    text = "" if second_approval_over is None else str(second_approval_over).strip()
    if text:
        try:
            threshold = money.parse_amount(second_approval_over, "amount over which a second person approves")
        except money.MoneyError as error:
            errors["second_approval_over"] = str(error)
    days_text = "" if target_working_days is None else str(target_working_days).strip()
    days = None
    if not days_text:
        errors["target_working_days"] = "Enter the target for paying invoices, in working days"
    elif not (days_text.isascii() and days_text.isdigit()) or not 1 <= int(days_text) <= 30:
        errors["target_working_days"] = "Enter the target as a whole number of working days from 1 to 30"
    else:
        days = int(days_text)
    if errors:
        raise Invalid(next(iter(errors.values())) if len(errors) == 1 else
                      "There are 2 problems with the settings: correct them and save again", errors=errors)
    if settings.id is None:
        db.session.add(settings)
    before = {"second_approval_over": str(settings.second_approval_over) if settings.second_approval_over else "",
              "target_working_days": settings.target_working_days}
    settings.second_approval_over, settings.target_working_days, settings.updated_at = threshold, days, utcnow()
    db.session.flush()
    record("invoicing_settings_changed", settings, actor=actor, before=before,
           after={"second_approval_over": str(threshold) if threshold is not None else "", "target_working_days": days})
    return settings



def notify_invoice(invoice_id: int, action: str) -> None:
    """Runs as the side to tell (the commissioner after a submission, the provider after a
    decision): email the members whose role deals with invoices there."""
    from portal.notifications.services import send_email
    from portal.tenants.models import Membership, Organisation
    from portal.tenants.permissions import role_can
    from portal.urls import external_url

    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id))
    if invoice is None:
        return
    to_commissioner = action in TO_COMMISSIONER
    organisation = db.session.get(Organisation, invoice.commissioner_id if to_commissioner else invoice.tenant_id)
    permission = "approve_invoices" if to_commissioner else "raise_invoices"
    roles = [role for role in organisation.roles if role_can(organisation.kind, role, permission)]
    recipients = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(roles), User.is_active_account)))
    subject = {"submitted": "Invoice to approve", "resubmitted": "Invoice resubmitted after a query",
               "approved": "Invoice approved", "queried": "Question about an invoice",
               "rejected": "Invoice rejected"}.get(action, "Invoice updated")
    link = external_url("invoices.show", slug=organisation.slug, invoice_id=invoice.id)
    for user in recipients:
        send_email(user.email, f"{subject}: {invoice.number}", "invoice_event", user=user, invoice=invoice,
                   action=action, link=link, lines=invoice.lines)
