"""Making, publishing and cancelling tenders; providers registering interest.

Services flush and never commit (one commit per request or job); every change of status is
audited in the commissioner's log.
"""
from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select, update

from portal.accounts.models import User
from portal.audit.services import record
from portal.contracts.models import SERVICE_TYPES
from portal.errors import Conflict, Invalid, ServiceError
from portal.extensions import db
from portal.limits import EARLIEST_DATE, LATEST_DATE
from portal.models_base import utcnow
from portal.procurement import policy, regimes, sealing
from portal.procurement.bid_models import QualityQuestion
from portal.outbox import enqueue_after_commit
from portal.procurement.jobs import tell_interested_providers
from portal.procurement.models import (CANCELLED, CLOSED, DRAFT, EVALUATION, PUBLISHED, Amendment, Interest, Lot,
                                       Tender)
from portal.tenants.context import current_tenant_id
from portal.tenants.models import COMMISSIONER, PROVIDER, Organisation

TIMETABLE_FIELDS = tuple(regimes.FIELDS)
MAX_LOTS = 50
VALUE_MAX = Decimal("9999999999.99")


def _commissioner(org: Organisation) -> None:
    if org.kind != COMMISSIONER or org.id != current_tenant_id():
        raise ServiceError("Only a commissioner runs tenders")


def _text(value, field: str, label: str, limit: int | None, required: bool = True) -> str:
    text = " ".join(str(value or "").split()) if limit else str(value or "").strip()
    if required and not text:
        raise Invalid(f"Enter the {label}", field=field)
    if limit and len(text) > limit:
        raise Invalid(f"The {label} must be {limit} characters or fewer: shorten it by {len(text) - limit}",
                      field=field)
    return text


def money(value, field: str = "estimated_value") -> Decimal:
    """Pounds as typed ("1,250,000", "£90000.50") to a Decimal of pence, or Invalid."""
    raw = str(value if value is not None else "").replace(",", "").replace("£", "").strip()
    if not raw:
        raise Invalid("Enter the estimated value in pounds, like 250000", field=field)
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise Invalid("Enter the estimated value as an amount in pounds, like 250000 or 250000.50",
                      field=field) from None
    if not amount.is_finite() or amount < 0 or amount > VALUE_MAX or amount != amount.quantize(Decimal("0.01")):
        raise Invalid("Enter the estimated value in pounds and pence, from 0 to 9,999,999,999.99", field=field)
    return amount.quantize(Decimal("0.01"))


def _in_range(value, field: str, label: str) -> None:
    """A date the calendar arithmetic of the regimes can work with (years 2000 to 2100)."""
    day = value.date() if isinstance(value, datetime) else value
    if day < EARLIEST_DATE or day > LATEST_DATE - timedelta(days=366):
        raise Invalid(f"Enter the {label} between {EARLIEST_DATE.year} and {LATEST_DATE.year - 1}", field=field)


def _timetable_of(tender: Tender) -> regimes.Timetable:
    return regimes.Timetable(**{name: getattr(tender, name) for name in TIMETABLE_FIELDS})


def timetable_problems(tender: Tender, timetable: regimes.Timetable | None = None) -> dict[str, str]:
    """The regime's objections to the tender's timetable, one message per date."""
    problems = regimes.check(tender.regime, timetable or _timetable_of(tender), accelerated=tender.accelerated,
                             electronic=tender.electronic)
    found: dict[str, str] = {}
    for problem in problems:
        found.setdefault(problem.field, problem.message)
    return found


def create_tender(commissioner: Organisation, *, reference: str, title: str, description: str, service_type: str,
                  regime: str, published_at: datetime, submission_deadline: datetime, lots: list[dict] | None = None,
                  estimated_value=None, accelerated: bool = False, electronic: bool = True,
                  actor: User | None) -> Tender:
    """A draft tender with the regime's default timetable worked out once from the planned
    publication and the submission deadline (each date can then be changed on its own), and its
    lots: a tender given none has one, the whole service, at ``estimated_value``."""
    _commissioner(commissioner)
    reference = _text(reference, "reference", "tender reference", 60)
    title = _text(title, "title", "title", 200)
    description = _text(description, "description", "description", None, required=False)
    if len(description) > 20000:
        raise Invalid("The description must be 20,000 characters or fewer: put the detail in a document",
                      field="description")
    if service_type not in SERVICE_TYPES:
        raise Invalid("Choose the type of service", field="service_type")
    if regime not in regimes.REGIMES:
        raise Invalid("Choose the rules the tender follows", field="regime")
    if published_at is None:
        raise Invalid("Enter the date the tender is to be published", field="published_at")
    if submission_deadline is None:
        raise Invalid("Enter the deadline for bids", field="submission_deadline")
    _in_range(published_at, "published_at", "publication date")
    _in_range(submission_deadline, "submission_deadline", "deadline for bids")
    if submission_deadline <= published_at:
        raise Invalid("The deadline for bids must be after the tender is published", field="submission_deadline")
    if db.session.scalar(select(Tender.id).where(Tender.tenant_id == commissioner.id,
                                                 Tender.reference == reference)):
        raise Conflict(f"You already have a tender with the reference {reference}: choose another",
                       field="reference")
    timetable = regimes.default_timetable(regime, published_at, submission_deadline, accelerated=accelerated,
                                          electronic=electronic)
    tender = Tender(tenant_id=commissioner.id, reference=reference, title=title, description=description,
                    service_type=service_type, regime=regime, accelerated=accelerated, electronic=electronic,
                    status=DRAFT, listed=False, **asdict(timetable))
    db.session.add(tender)
    db.session.flush()
    given = lots or [{"title": title, "description": "", "estimated_value": estimated_value}]
    if len(given) > MAX_LOTS:
        raise Invalid(f"A tender can have at most {MAX_LOTS} lots", field="lots")
    for number, lot in enumerate(given, start=1):
        field = "estimated_value" if not lots else f"lots.{number}"
        db.session.add(Lot(tenant_id=commissioner.id, tender_id=tender.id, number=number,
                           title=_text(lot.get("title"), field, f"title of lot {number}", 200),
                           description=_text(lot.get("description"), field, "lot description", None, required=False),
                           estimated_value=money(lot.get("estimated_value"), field), listed=False))
    db.session.flush()
    db.session.expire(tender, ["lots"])
    record("tender_created", tender, actor=actor, reference=reference, regime=regime)
    return tender


def change_timetable(tender: Tender, changes: dict[str, object], *, actor: User | None) -> Tender:
    """Set the dates given, each as it is (no other date moves with it), if the regime allows the
    whole timetable; otherwise nothing changes and every objection is named by its date."""
    _commissioner_of(tender)
    if tender.status != DRAFT:
        raise Conflict("The timetable of a published tender changes by an amendment, which is not yet possible "
                       "here", field="submission_deadline")
    unknown = set(changes) - set(TIMETABLE_FIELDS)
    if unknown:
        raise Invalid(f"{', '.join(sorted(unknown))} is not a date of the timetable")
    missing = {name: f"Enter the {regimes.FIELDS[name].lower()}" for name, value in changes.items() if value is None}
    if missing:
        raise Invalid(next(iter(missing.values())), errors=missing)
    for name, value in changes.items():
        _in_range(value, name, regimes.FIELDS[name].lower())
    proposed = replace(_timetable_of(tender), **changes)
    problems = timetable_problems(tender, proposed)
    if problems:
        raise Invalid(next(iter(problems.values())), errors=problems)
    before = {name: str(getattr(tender, name)) for name in changes if getattr(tender, name) != changes[name]}
    for name, value in changes.items():
        setattr(tender, name, value)
    db.session.flush()
    if before:
        record("tender_timetable_changed", tender, actor=actor, changed=sorted(before))
    return tender


def _commissioner_of(tender: Tender) -> None:
    if tender.tenant_id != current_tenant_id():
        raise ServiceError("Only the commissioner that runs this tender can change it")


def publish(tender: Tender, *, actor: User | None, now: datetime | None = None) -> Tender:
    """Publish a draft: from now every organisation sees it. The publication moment is now; the
    rest of the timetable must still meet the regime's rules from it."""
    _commissioner_of(tender)
    if tender.status != DRAFT:
        raise Conflict("This tender has already been published")
    now = now or utcnow()
    proposed = replace(_timetable_of(tender), published_at=now)
    problems = timetable_problems(tender, proposed)
    if problems:
        raise Invalid("The timetable does not meet the rules from today: " + next(iter(problems.values())),
                      errors=problems)
    from portal.procurement import supplier_lists, tender_documents

    supplier_lists.fix_audience(tender, now)  # a mini-competition: its list's members today
    tender.published_at, tender.status, tender.listed = now, PUBLISHED, True
    for lot in tender.lots:
        lot.listed = True
    sealing.issue_tender_key(tender)  # bids are sealed to it until two people open them
    # Its award criteria (the quality questions) are published with it.
    db.session.execute(update(QualityQuestion).where(QualityQuestion.tenant_id == tender.tenant_id,
                                                     QualityQuestion.tender_id == tender.id).values(listed=True))
    db.session.flush()
    tender_documents.list_at_publication(tender, now)
    record("tender_published", tender, actor=actor, reference=tender.reference)
    return tender


def cancel(tender: Tender, reason: str, *, actor: User | None) -> Tender:
    """Cancel a tender before award, with the reason bidders will read."""
    _commissioner_of(tender)
    if tender.status in (CANCELLED, "awarded"):
        raise Conflict(f"This tender is already {tender.status}")
    reason = _text(reason, "reason", "reason for cancelling, which every interested provider will read", 2000)
    tender.status, tender.cancel_reason, tender.cancelled_at = CANCELLED, reason, utcnow()
    db.session.flush()
    record("tender_cancelled", tender, actor=actor, reason=reason)
    tell_interested_providers(tender, "cancelled")
    return tender


def register_interest(provider: Organisation, tender: Tender, *, actor: User | None) -> Interest:
    """The provider wants to hear of clarifications, amendments and deadline changes (idempotent)."""
    if provider.kind != PROVIDER or provider.id != current_tenant_id():
        raise ServiceError("Only a provider registers interest in a tender")
    if not policy.is_open(tender):
        raise Conflict("Interest can only be registered while the tender is open for bids")
    existing = db.session.scalar(select(Interest).where(Interest.tenant_id == provider.id,
                                                        Interest.tender_id == tender.id))
    if existing:
        return existing
    interest = Interest(tenant_id=provider.id, commissioner_id=tender.tenant_id, tender_id=tender.id)
    db.session.add(interest)
    db.session.flush()
    record("tender_interest_registered", interest, actor=actor, tender=tender.reference)
    return interest


def withdraw_interest(provider: Organisation, tender: Tender, *, actor: User | None) -> None:
    interest = db.session.scalar(select(Interest).where(Interest.tenant_id == provider.id,
                                                        Interest.tender_id == tender.id))
    if interest is not None:
        db.session.delete(interest)
        db.session.flush()
        record("tender_interest_withdrawn", None, actor=actor, tender=tender.reference)


# -- amendments --------------------------------------------------------------------------------------

#: What an amendment may change besides the timetable's dates still to come.
AMENDABLE_TEXT = {"title": "Title", "description": "Description"}


def _shown(name: str, value) -> str:
    if isinstance(value, datetime):
        return regimes.format_moment(value)
    if hasattr(value, "year"):
        return regimes.format_date(value)
    return str(value)


def amend(tender: Tender, changes: dict[str, object], reason: str, *, actor: User | None,
          now: datetime | None = None, described: dict[str, dict] | None = None) -> Amendment:
    """Change a published tender while it is open: its title, description, or any date still to
    come, each to a date still to come. The whole timetable must meet the regime's rules, and a
    change inside the regime's minimum period before the deadline for bids needs that deadline
    extended. The change is kept as a numbered amendment that everyone who reads the tender
    sees (before and after), and each interested provider is emailed. ``described``: changes the
    caller makes itself (a tender document replaced or withdrawn), each ``{"label", "before",
    "after"}`` in words, recorded in the same amendment."""
    _commissioner_of(tender)
    now = now or utcnow()
    if not policy.is_open(tender, now):
        raise Conflict("Only a tender open for bids can be amended")
    reason = _text(reason, "reason", "reason for the change, which every provider will read", 2000)
    unknown = set(changes) - set(AMENDABLE_TEXT) - set(TIMETABLE_FIELDS)
    if unknown or "published_at" in changes:
        raise Invalid("Only the title, the description and the dates still to come can be changed")
    if "title" in changes:
        changes["title"] = _text(changes["title"], "title", "title", 200)
    if "description" in changes:
        changes["description"] = _text(changes["description"], "description", "description", None, required=False)
    dates = {name: value for name, value in changes.items() if name in TIMETABLE_FIELDS}
    errors = {}
    for name, value in dates.items():
        if value is None:
            errors[name] = f"Enter the {regimes.FIELDS[name].lower()}"
            continue
        _in_range(value, name, regimes.FIELDS[name].lower())
        current = getattr(tender, name)
        if value != current and (_passed(current, now) or _passed(value, now)):
            errors[name] = (f"The {regimes.FIELDS[name].lower()} has passed or would be in the past: "
                            "only dates still to come can change")
    if errors:
        raise Invalid(next(iter(errors.values())), errors=errors)
    changed = {name: value for name, value in changes.items() if getattr(tender, name) != value}
    if not changed and not described:
        raise Invalid("Nothing has changed: change the title, the description or a date, or go back")
    proposed = replace(_timetable_of(tender), **{k: v for k, v in changed.items() if k in TIMETABLE_FIELDS})
    problems = timetable_problems(tender, proposed)
    late = regimes.amendment_problem(tender.regime, proposed.submission_deadline, now,
                                     accelerated=tender.accelerated)
    if late is not None and not problems:
        problems = {late.field: late.message}
    if problems:
        raise Invalid(next(iter(problems.values())), errors=problems)
    locked = db.session.scalar(select(Tender).where(Tender.id == tender.id).with_for_update(of=Tender))
    number = 1 + (db.session.scalar(select(func.max(Amendment.number)).where(Amendment.tender_id == locked.id))
                  or 0)
    record_of = {name: {"label": AMENDABLE_TEXT.get(name) or regimes.FIELDS[name],
                        "before": _shown(name, getattr(tender, name)), "after": _shown(name, value)}
                 for name, value in changed.items()}
    record_of.update(described or {})
    for name, value in changed.items():
        setattr(tender, name, value)
    amendment = Amendment(tenant_id=tender.tenant_id, tender_id=tender.id, number=number, reason=reason,
                          changes=record_of, listed=True)
    db.session.add(amendment)
    db.session.flush()
    db.session.expire(tender, ["amendments"])
    record("tender_amended", tender, actor=actor, number=number, changed=sorted([*changed, *(described or {})]))
    tell_interested_providers(tender, "amended")
    enqueue_after_commit("mark_bids_for_reconfirmation", tenant_id=None, tender_id=tender.id,
                         amendment_id=amendment.id)  # bids of the lots it affects (portal.procurement.bid_jobs)
    return amendment


def _passed(value, now: datetime) -> bool:
    if isinstance(value, datetime):
        return value <= now
    return value <= now.astimezone(regimes.LONDON).date()


# -- evaluation ---------------------------------------------------------------------------------------

def start_evaluation(tender: Tender, reason: str = "", *, actor: User | None, now: datetime | None = None) -> Tender:
    """Close the tender's questions and start evaluating its bids, once the deadline for bids has
    passed and two people have opened the bids. Questions still unanswered need a reason for going ahead, kept in the audit log."""
    from portal.procurement.clarification_queries import open_count

    _commissioner_of(tender)
    if policy.status_at(tender, now) != CLOSED:
        raise Conflict("Evaluation starts once the deadline for bids has passed"
                       if policy.is_open(tender, now) else f"This tender is {policy.status_label(tender, now).lower()}")
    if tender.opened_at is None:
        raise Conflict("Open the bids first: two different people of the procurement team confirm the opening, "
                       "then the evaluation can start")
    reason = " ".join(str(reason or "").split())
    if len(reason) > 2000:
        raise Invalid("The reason must be 2,000 characters or fewer", field="reason")
    unanswered = open_count(tender)
    if unanswered and not reason:
        raise Invalid(f"{unanswered} clarification question{'s are' if unanswered != 1 else ' is'} still unanswered: "
                      "answer them first, or give the reason for starting the evaluation without answering",
                      field="reason")
    tender.status = EVALUATION
    db.session.flush()
    record("tender_evaluation_started", tender, actor=actor, unanswered=unanswered, reason=reason)
    return tender
