"""Demo rate cards and invoices (part of `portal demo`): Riverside Care invoices Glasgow's
GCH-CAH-001 (its weekday hourly rate rises on 1 April) and Aberdeen's ACH-SL-014, with invoices in
every state up to approved (payment runs build on them), a queried one and a credit note. Invoices
are raised by Riverside's finance user and approved by someone else: Glasgow's finance user, and
Aberdeen's contract manager. Idempotent: a contract that has invoices is left alone."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from portal.accounts.models import User
from portal.contracts.models import Contract
from portal.extensions import db
from portal.invoicing import services, workflow
from portal.invoicing.models import ContractRate, Invoice, InvoicingSettings
from portal.tenants.context import tenant_context
from portal.tenants.queries import get_organisation_by_slug

LONDON = ZoneInfo("Europe/London")
RAISER = "finance@riverside-care.example"


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.utc)


def _last_april(today: date) -> date:
    april = date(today.year, 4, 1)
    return april if today >= april else date(today.year - 1, 4, 1)


def _card(contract: Contract, commissioner_id: int, rates, uplift_from: date | None) -> None:
    """Rates as (unit, day type, rate, rate from the uplift or None)."""
    with tenant_context(commissioner_id):
        for unit, day_type, rate, uplifted in rates:
            common = dict(tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id,
                          contract_id=contract.id, unit=unit, day_type=day_type)
            if uplifted and uplift_from and uplift_from > contract.start_date:
                db.session.add(ContractRate(**common, rate=Decimal(rate), effective_from=contract.start_date,
                                            effective_to=uplift_from - timedelta(days=1)))
                db.session.add(ContractRate(**common, rate=Decimal(uplifted), effective_from=uplift_from))
            else:
                db.session.add(ContractRate(**common, rate=Decimal(rate), effective_from=contract.start_date))
        db.session.flush()


def _month(today: date, back: int) -> tuple[date, date]:
    start = today.replace(day=1) - relativedelta(months=back)
    return start, start + relativedelta(months=1) - timedelta(days=1)


def _raise(contract: Contract, number: str, start: date, end: date, lines, raiser: User) -> Invoice:
    return services.create_invoice(contract, number=number, period_start=start, period_end=end,
                                   buyer_reference=f"PO-{contract.reference}", lines=lines, actor=raiser)


def _hours(hours: str, *, price: str = "") -> list[dict]:
    return [{"description": "Care at home hours", "quantity": hours, "unit": "hour", "unit_price": price},
            {"description": "Mileage for rural visits", "quantity": "1", "unit": "block", "unit_price": "180.00"}]


def _timesheet_summary(invoice: Invoice, start: date, raiser: User) -> None:
    """A timesheet summary (CSV) uploaded from the invoice page into Riverside's library, checked and attached."""
    import io

    from werkzeug.datastructures import FileStorage

    from portal.invoicing.attachments import upload_and_attach

    rows = ["week_starting,carers,hours_delivered"] + [
        f"{start + timedelta(days=7 * week):%Y-%m-%d},{14 + week},{1610 + 15 * week}" for week in range(4)]
    upload = FileStorage(stream=io.BytesIO("\n".join(rows).encode()), content_type="text/csv",
                         filename=f"timesheet-summary-{start:%Y-%m}.csv")
    upload_and_attach(invoice, upload, actor=raiser)


def _glasgow(provider_id: int, commissioner_id: int, contract: Contract, raiser: User, approver: User,
             today: date) -> int:
    made = 0
    # Oldest first: (months back, state, hours). Four approved, one rejected, one queried,
    # one waiting for approval, this month's draft.
    plan = [(8, "approved", "6950"), (7, "approved", "7010"), (6, "approved", "6890"), (5, "approved", "7120"),
            (4, "rejected", "7050"), (3, "queried", "7300"), (2, "submitted", "6980"), (1, "draft", "7040")]
    approved_first = None
    for back, state, hours in plan:
        start, end = _month(today, back)
        if end < contract.start_date or end > contract.end_date:
            continue
        sent, decided = end + timedelta(days=3), end + timedelta(days=9)
        with tenant_context(provider_id):
            typed = "24.00" if state == "queried" else ""  # a typed price the card does not agree with
            invoice = _raise(contract, f"RC-GCH-{start:%Y%m}", start, end, _hours(hours, price=typed), raiser)
            workflow.refresh_warnings(invoice)
            if state in ("submitted", "draft"):
                _timesheet_summary(invoice, start, raiser)
            if state != "draft":
                workflow.submit(invoice, actor=raiser, confirm_warnings=True, now=_at(sent))
            invoice_id = invoice.id
        if state in ("approved", "rejected", "queried"):
            with tenant_context(commissioner_id):
                invoice = db.session.get(Invoice, invoice_id)
                if state == "approved":
                    workflow.decide(invoice, decision="approve", actor=approver, now=_at(decided))
                    approved_first = approved_first or invoice_id
                elif state == "rejected":
                    workflow.decide(invoice, decision="reject", actor=approver, now=_at(decided),
                                    comment="This duplicates hours already invoiced on RC-GCH-"
                                            f"{_month(today, back + 1)[0]:%Y%m}: send one invoice per month")
                else:
                    workflow.decide(invoice, decision="query", actor=approver, now=_at(decided),
                                    comment="The hourly rate is not the contract's",
                                    line_comments={"1": "Why £24.00 an hour? The rate card says otherwise."})
        made += 1
    if approved_first:
        with tenant_context(provider_id):
            original = db.session.get(Invoice, approved_first)
            credit = workflow.raise_credit_note(
                original, number=f"RC-GCH-CN-{original.period_start:%Y%m}", actor=raiser,
                note="Visits cancelled at short notice and not chargeable",
                lines=[{"description": "Cancelled visits", "quantity": "12", "unit": "hour",
                        "unit_price": f"{original.lines[0].unit_price:.4f}"}])
            workflow.refresh_warnings(credit)
            workflow.submit(credit, actor=raiser, confirm_warnings=True,
                            now=_at(original.period_end + timedelta(days=20)))
            credit_id = credit.id
        with tenant_context(commissioner_id):
            workflow.decide(db.session.get(Invoice, credit_id), decision="approve", actor=approver,
                            now=_at(original.period_end + timedelta(days=22)))
        made += 1
    return made


def _aberdeen(provider_id: int, commissioner_id: int, contract: Contract, raiser: User, approver: User,
              today: date) -> int:
    made = 0
    for back, state in ((3, "approved"), (2, "submitted"), (1, "draft")):
        start, end = _month(today, back)
        if end < contract.start_date or end > contract.end_date:
            continue
        with tenant_context(provider_id):
            invoice = _raise(contract, f"RC-ACH-{start:%Y%m}", start, end, [
                {"description": "Supported living hours", "quantity": "3100", "unit": "hour", "unit_price": ""},
                {"description": "Sleep-in nights", "quantity": str((end - start).days + 1), "unit": "night",
                 "unit_price": ""}], raiser)
            workflow.refresh_warnings(invoice)
            if state != "draft":
                workflow.submit(invoice, actor=raiser, confirm_warnings=True, now=_at(end + timedelta(days=2)))
            invoice_id = invoice.id
        if state == "approved":
            with tenant_context(commissioner_id):
                workflow.decide(db.session.get(Invoice, invoice_id), decision="approve", actor=approver,
                                now=_at(end + timedelta(days=6)))
        made += 1
    return made


def seed_demo_invoices(today: date | None = None) -> int:
    """Rate cards and invoices for the two demo contracts that have none yet; returns invoices made."""
    today = today or datetime.now(LONDON).date()
    provider = get_organisation_by_slug("riverside-care")
    raiser = _user(RAISER)
    if provider is None or raiser is None:
        return 0
    made = 0
    for commissioner_slug, reference, approver_email in (
            ("glasgow-hscp", "GCH-CAH-001", "finance@glasgow-hscp.example"),
            ("aberdeen-hscp", "ACH-SL-014", "commissioner@aberdeen-hscp.example")):
        commissioner, approver = get_organisation_by_slug(commissioner_slug), _user(approver_email)
        if commissioner is None or approver is None:
            continue
        with tenant_context(provider.id):
            contract = db.session.scalar(select(Contract).where(Contract.reference == reference))
            if contract is None or db.session.scalar(select(Invoice.id).where(Invoice.contract_id == contract.id)):
                continue
        if commissioner_slug == "glasgow-hscp":
            _card(contract, commissioner.id, [("hour", "weekday", "21.5000", "22.7000"), ("hour", "weekend", "25.0000", None),
                                              ("hour", "public_holiday", "32.0000", None)], _last_april(today))
            with tenant_context(commissioner.id):
                if db.session.scalar(select(InvoicingSettings.id)) is None:
                    db.session.add(InvoicingSettings(second_approval_over=Decimal("250000.00"), target_working_days=10))
                    db.session.flush()
            made += _glasgow(provider.id, commissioner.id, contract, raiser, approver, today)
        else:
            _card(contract, commissioner.id, [("hour", "weekday", "19.8000", None), ("hour", "weekend", "21.4000", None),
                                              ("night", "weekday", "95.0000", None),
                                              ("night", "weekend", "95.0000", None)], None)
            made += _aberdeen(provider.id, commissioner.id, contract, raiser, approver, today)
    return made
