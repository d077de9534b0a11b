"""Recording a contract review's decision (services flush; the request commits once).

- **extend**: a ContractVariation of kind "extension" with the new end date, the contract's end
  date moved, a draft return for each new period of its schedule (portal.contracts.services) and
  an email to the provider;
- **vary**: a ContractVariation of kind "value" (with the change of value) or "other", described;
- **retender** and **end**: the decision and its reason, and the email.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from portal.audit.services import record
from portal.contract_reviews.models import DECISION_WORDS, DECISIONS, EXTEND, VARY, ContractReview
from portal.contracts.models import Contract
from portal.contracts.services import MAX_YEARS, add_return_periods
from portal.errors import ServiceError
from portal.extensions import db
from portal.invoicing.models import ContractVariation
from portal.limits import LATEST_DATE
from portal.outbox import enqueue_after_commit
from portal.reporting.periods import london_today
from portal.tenants.context import current_tenant_id
from portal.tenants.models import Organisation

VARY_KINDS = {"value": "Change of value", "other": "Other change"}
MAX_VALUE_CHANGE = Decimal("999999999999.99")
RECIPIENT_ROLES = ("provider_admin", "finance", "submitter")


def _value_change(text) -> Decimal | None:
    raw = str(text if text is not None else "").strip().replace(",", "").replace("£", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) > MAX_VALUE_CHANGE or value != value.quantize(Decimal("0.01")):
        return None
    return value.quantize(Decimal("0.01"))


def check_decision(contract: Contract, data: dict) -> dict:
    """The decision's fields, checked: every problem at once, keyed by field."""
    errors: dict[str, str] = {}
    decision = str(data.get("decision") or "").strip()
    reason = str(data.get("reason") or "").strip()
    clean: dict = {"decision": decision, "reason": reason}
    if decision not in DECISIONS:
        errors["decision"] = "Choose extend, vary, retender or end"
    if not reason:
        errors["reason"] = "Enter the reason for the decision"
    elif len(reason) > 5000:
        errors["reason"] = "The reason must be 5,000 characters or fewer"
    if decision == EXTEND:
        new_end = data.get("new_end_date")
        if isinstance(new_end, str) and new_end:
            try:
                new_end = date.fromisoformat(new_end)
            except ValueError:
                new_end = "bad"
        if not new_end:
            errors["new_end_date"] = "Enter the date the extended contract ends"
        elif not isinstance(new_end, date):
            errors["new_end_date"] = "Enter the new end date as a real date, like 31 3 2028"
        elif new_end <= contract.end_date:
            errors["new_end_date"] = f"The new end date must be after the current one, {contract.end_date:%-d %B %Y}"
        elif new_end > min(LATEST_DATE, contract.start_date + relativedelta(years=MAX_YEARS)):
            errors["new_end_date"] = f"A contract can run for at most {MAX_YEARS} years from its start"
        clean["new_end_date"] = new_end
    if decision == VARY:
        kind = str(data.get("kind") or "").strip()
        description = str(data.get("description") or "").strip()
        if kind not in VARY_KINDS:
            errors["kind"] = "Choose whether the variation changes the contract's value or something else"
        if not description:
            errors["description"] = "Describe the variation"
        elif len(description) > 5000:
            errors["description"] = "The description must be 5,000 characters or fewer"
        value = Decimal("0.00")
        if kind == "value":
            value = _value_change(data.get("value_change"))
            if value is None or value == 0:
                errors["value_change"] = ("Enter the change of value in pounds and pence, like 25000.00 "
                                          "(negative to reduce it)")
        clean.update(kind=kind, description=description, value_change=value)
    if errors:
        raise ServiceError(next(iter(errors.values())), errors=errors)
    return clean


def decide(contract: Contract, data: dict, *, actor, today: date | None = None) -> ContractReview:
    """Record the commissioner's decision on ``contract``; see the module's notes."""
    clean = check_decision(contract, data)
    today = today or london_today()
    review = ContractReview(tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id,
                            contract_id=contract.id, decision=clean["decision"], reason=clean["reason"],
                            previous_end_date=contract.end_date, new_end_date=clean.get("new_end_date"),
                            decided_by_id=actor.id if actor else None)
    db.session.add(review)
    db.session.flush()
    variation = None
    if clean["decision"] == EXTEND:
        previous_end = contract.end_date
        variation = ContractVariation(tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id,
                                      contract_id=contract.id, kind="extension",
                                      effective_from=previous_end + timedelta(days=1),
                                      new_end_date=clean["new_end_date"], description=clean["reason"],
                                      source=f"review:{review.id}", created_by_id=actor.id if actor else None)
        contract.end_date = clean["new_end_date"]
        db.session.add(variation)
        db.session.flush()
        add_return_periods(contract, previous_end=previous_end)
    elif clean["decision"] == VARY:
        variation = ContractVariation(tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id,
                                      contract_id=contract.id, kind=clean["kind"], effective_from=today,
                                      description=clean["description"], value_change=clean["value_change"],
                                      source=f"review:{review.id}", created_by_id=actor.id if actor else None)
        db.session.add(variation)
        db.session.flush()
    if variation is not None:
        review.variation_id = variation.id
    db.session.flush()
    record("contract_review_decided", contract, actor=actor, decision=review.decision, reference=contract.reference,
           new_end_date=review.new_end_date.isoformat() if review.new_end_date else None)
    enqueue_after_commit("notify_contract_review", tenant_id=contract.tenant_id, review_id=review.id)
    return review


def notify_contract_review(review_id: int) -> None:
    """Runs as the provider: email its administrators, finance staff and submitters the decision."""
    from portal.accounts.models import User
    from portal.notifications.services import send_email
    from portal.tenants.models import Membership
    from portal.urls import external_url

    provider = db.session.get(Organisation, current_tenant_id())
    review = db.session.scalar(select(ContractReview).where(ContractReview.id == review_id))
    if provider is None or review is None or review.tenant_id != provider.id:
        return
    contract = review.contract
    commissioner = db.session.get(Organisation, review.commissioner_id)
    link = external_url("contracts.show", slug=provider.slug, contract_id=contract.id)
    recipients = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(RECIPIENT_ROLES), User.is_active_account)))
    subject = f"Contract {contract.reference}: {commissioner.name} decided to {DECISION_WORDS[review.decision]}"
    for user in recipients:
        send_email(user.email, subject[:200], "contract_review", user=user, review=review, contract=contract,
                   commissioner=commissioner, decision_words=DECISION_WORDS[review.decision], link=link)
