"""Remittance advice: what a provider was paid in a payment run, frozen as sent, and the email
that tells its finance staff.

The commissioner writes one row per provider when it marks a run paid (the row is the
provider's, ``tenant_id``, that the commissioner also reads); the email is sent by a job that runs
as the provider, since only the provider reads its own members.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.invoicing.models import CREDIT_NOTE, PaymentRun, Remittance
from portal.outbox import enqueue_after_commit
from portal.tenants.context import current_tenant_id
from portal.tenants.models import Organisation

#: Who is told of a remittance: the provider's finance staff and its administrators.
RECIPIENT_ROLES = ("finance", "provider_admin")


def remittance_line(invoice) -> dict:
    """An invoice as the remittance keeps it (amounts as decimal strings; a credit note negative).
    Credit notes and adjustment invoices (source "adjustment") are the adjustments."""
    from portal.invoicing.payment_runs import signed

    return {"invoice_id": invoice.id, "number": invoice.number, "kind": invoice.kind, "source": invoice.source,
            "adjustment": invoice.kind == CREDIT_NOTE or invoice.source == "adjustment",
            "corrects_id": invoice.corrects_id, "period_start": invoice.period_start.isoformat(),
            "period_end": invoice.period_end.isoformat(), "buyer_reference": invoice.buyer_reference,
            "net_total": str(signed(invoice, invoice.net_total)),
            "vat_total": str(signed(invoice, invoice.vat_total)), "total": str(signed(invoice, invoice.total))}


def issue_remittances(run: PaymentRun, lines) -> list[Remittance]:
    """One remittance per provider of a paid run, and an email to each (after the commit)."""
    from portal.invoicing.payment_runs import by_provider

    made = []
    for group in by_provider(lines):
        remittance = Remittance(tenant_id=group.provider_id, commissioner_id=run.tenant_id, payment_run_id=run.id,
                                reference=run.reference, paid_on=run.paid_on, payment_reference=run.payment_reference,
                                total=group.total, lines=[remittance_line(l.invoice) for l in group.lines])
        db.session.add(remittance)
        made.append(remittance)
    db.session.flush()
    for remittance in made:
        enqueue_after_commit("notify_remittance", tenant_id=remittance.tenant_id, remittance_id=remittance.id)
    return made


def list_remittances() -> list[Remittance]:
    """A provider's remittances, or those a commissioner issued, newest first."""
    return list(db.session.scalars(select(Remittance).order_by(Remittance.paid_on.desc(), Remittance.id.desc())))


def get_remittance(remittance_id: int) -> Remittance | None:
    return db.session.scalar(select(Remittance).where(Remittance.id == remittance_id))


def names_of(remittances) -> dict[int, str]:
    """Organisation id -> name, for the providers and commissioners of these remittances (one statement)."""
    ids = {r.tenant_id for r in remittances} | {r.commissioner_id for r in remittances}
    if not ids:
        return {}
    return dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())


def adjustments_of(remittance: Remittance) -> list[dict]:
    return [line for line in remittance.lines if line.get("adjustment")]


def period_label(line: dict) -> str:
    """A remittance line's period in words: "1 April 2026 to 30 April 2026"."""
    from datetime import date

    try:
        start, end = date.fromisoformat(line["period_start"]), date.fromisoformat(line["period_end"])
    except (KeyError, TypeError, ValueError):
        return ""
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"


def as_decimal(value) -> Decimal:
    return Decimal(str(value))


def notify_remittance(remittance_id: int) -> None:
    """Runs as the provider: email its finance staff and administrators the remittance advice."""
    from portal.accounts.models import User
    from portal.notifications.services import send_email
    from portal.tenants.models import Membership
    from portal.urls import external_url

    provider = db.session.get(Organisation, current_tenant_id())
    remittance = get_remittance(remittance_id)
    if provider is None or remittance is None or remittance.tenant_id != provider.id:
        return
    commissioner = db.session.get(Organisation, remittance.commissioner_id)
    link = external_url("payment_runs.remittance", slug=provider.slug, remittance_id=remittance.id)
    recipients = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(RECIPIENT_ROLES), User.is_active_account)))
    subject = f"Remittance advice {remittance.reference}: {commissioner.name} paid £{remittance.total:,.2f}"
    for user in recipients:
        send_email(user.email, subject[:200], "remittance", user=user, remittance=remittance, provider=provider,
                   commissioner=commissioner, link=link, lines=remittance.lines)
