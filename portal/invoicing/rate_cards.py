"""A contract's rate card: the commissioner adds a rate or changes one.

``change_rate`` closes the rate in force the day before the new one starts and adds the new one,
so that rates of one unit, service type and day type never overlap (a rate already set to start
later keeps its place: the new one runs until the day before it). A rate that starts on the same
day as the one in force replaces it. When the new rate starts in the past, the invoices already
sent that were priced from the card on the days it now covers get adjustments
(``portal.invoicing.adjustments``) for the provider to check and submit.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.services import record
from portal.contracts.models import Contract
from portal.errors import ServiceError
from portal.extensions import db
from portal.invoicing import money
from portal.invoicing.models import DAY_TYPES, UNITS, ContractRate, ContractVariation
from portal.limits import EARLIEST_DATE, LATEST_DATE
from portal.models_base import utcnow

LONDON = ZoneInfo("Europe/London")


class RateInvalid(ServiceError):
    status = 422

    def __init__(self, errors: dict[str, str]):
        count = len(errors)
        super().__init__("There is a problem with " + ("1 entry" if count == 1 else f"{count} entries"), errors=errors)


def london_day(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(LONDON).date()


def format_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _day(value, errors: dict[str, str]) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day = value
    elif not _text(value):
        errors["effective_from"] = "Enter the date the rate applies from"
        return None
    else:
        try:
            day = date.fromisoformat(_text(value))
        except ValueError:
            errors["effective_from"] = "Enter the date the rate applies from as a real date, like 2026-04-01"
            return None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        errors["effective_from"] = f"The date must be between {EARLIEST_DATE.year} and {LATEST_DATE.year}"
        return None
    return day


def check_rate(contract: Contract, *, unit, day_type, service_type, rate, effective_from):
    """The inputs of a rate, checked: (unit, day type, service type, rate, date) or RateInvalid
    naming every input at fault."""
    errors: dict[str, str] = {}
    unit = _text(unit).lower()
    if unit not in UNITS:
        errors["unit"] = "Choose the unit: hour, visit, week, night, session or block"
    day_type = _text(day_type) or "weekday"
    if day_type not in DAY_TYPES:
        errors["day_type"] = "Choose the type of day: weekday, weekend or public holiday"
    service_type = _text(service_type)
    if len(service_type) > 30:
        errors["service_type"] = "The service type must be 30 characters or fewer"
    price = None
    try:
        price = money.parse_price(rate, "rate")
    except money.MoneyError as error:
        errors["rate"] = str(error)
    start = _day(effective_from, errors)
    if start is not None and not contract.start_date <= start <= contract.end_date:
        errors["effective_from"] = (
            f"The rate must start within the contract, which runs from {format_day(contract.start_date)} to "
            f"{format_day(contract.end_date)}: a rate cannot apply before the contract starts or after it ends")
    if errors:
        raise RateInvalid(errors)
    return unit, day_type, service_type, price, start


def same_kind(contract: Contract, unit: str, service_type: str, day_type: str) -> list[ContractRate]:
    return list(db.session.scalars(
        select(ContractRate).where(ContractRate.tenant_id == contract.tenant_id, ContractRate.contract_id == contract.id,
                                   ContractRate.unit == unit, ContractRate.service_type == service_type,
                                   ContractRate.day_type == day_type)
        .order_by(ContractRate.effective_from)))


def change_rate(contract: Contract, *, unit, day_type, service_type, rate, effective_from, actor: User | None,
                variation: ContractVariation | None = None, today: date | None = None) -> ContractRate:
    """Add a rate to the contract's card from ``effective_from`` (closing the one in force) and,
    when that day is in the past, make the adjustments of the invoices it affects. Returns the
    new rate. ``variation`` (a ContractVariation of kind "rate") is recorded on the rate."""
    from portal.invoicing.adjustments import make_adjustments, snapshot
    from portal.invoicing.queries import rates_of

    unit, day_type, service_type, price, start = check_rate(
        contract, unit=unit, day_type=day_type, service_type=service_type, rate=rate, effective_from=effective_from)
    if variation is not None and (variation.contract_id != contract.id or variation.kind != "rate"):
        raise ServiceError("A rate change can only be recorded against a rate variation of the same contract",
                           field="variation")
    existing = same_kind(contract, unit, service_type, day_type)
    before = snapshot(rates_of(contract))
    later = [r for r in existing if r.effective_from > start]
    ends = later[0].effective_from - timedelta(days=1) if later else None
    for old in existing:
        if old.effective_from == start:
            db.session.delete(old)  # replaced on the same day
        elif old.effective_from < start and (old.effective_to is None or old.effective_to >= start):
            old.effective_to = start - timedelta(days=1)
    made = ContractRate(tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id,
                        contract_id=contract.id, unit=unit, day_type=day_type, service_type=service_type, rate=price,
                        effective_from=start, effective_to=ends, variation_id=variation.id if variation else None,
                        created_by_id=actor.id if actor else None)
    db.session.add(made)
    db.session.flush()
    record("rate_changed", made, actor=actor, contract=contract.reference, unit=unit, day_type=day_type,
           service_type=service_type, rate=str(price), effective_from=start.isoformat())
    db.session.flush()  # written as the commissioner, before the adjustments are made as the provider
    made.adjustments = []  # the drafts made, for the caller to say so
    if start < (today or london_day()):
        made.adjustments = make_adjustments(contract, old_rates=before, new_rate=made, actor=actor)
    return made


def record_rate_variation(contract: Contract, *, effective_from: date, description: str, actor: User | None,
                          source: str = "") -> ContractVariation:
    """A variation of kind "rate", for a rate change agreed as a change to the contract."""
    made = ContractVariation(tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id,
                             contract_id=contract.id, kind="rate", effective_from=effective_from,
                             description=_text(description)[:2000], source=source[:40],
                             created_by_id=actor.id if actor else None)
    db.session.add(made)
    db.session.flush()
    return made
