"""Contracts and schedules: a commissioner creates them; schedules generate the returns."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from sqlalchemy import insert, select

from portal.accounts.models import User
from portal.audit.services import record
from portal.contracts.models import (DELIVERY_UNITS, FREQUENCIES, FUNDING_MODELS, SERVICE_TYPES, USUAL_UNIT, Contract,
                                     OutcomeFramework, ReturnSchedule)
from portal.contracts.custom_frameworks import framework_by_code
from portal.contracts.queries import member_by_email
from portal.errors import Conflict, Invalid, ServiceError
from portal.extensions import db
from portal.limits import EARLIEST_DATE, LATEST_DATE, numeric_max
from portal.returns.models import DRAFT, Return
from portal.tenants.context import current_tenant_id, tenant_context
from portal.tenants.models import COMMISSIONER, PROVIDER, Membership, Organisation

STEP = {"monthly": relativedelta(months=1), "quarterly": relativedelta(months=3), "annual": relativedelta(years=1)}
MAX_YEARS = 15


#: What each amount is, for messages, and the example a person is shown.
AMOUNTS = {"annual_value": ("the annual value", "125000.00", Contract.__table__.c.annual_value),
           "living_wage_rate": ("the living wage rate", "12.60", Contract.__table__.c.living_wage_rate)}


def _money(value, field: str) -> Decimal:
    """Pounds and pence that fit the field's NUMERIC column, or a message saying what to enter."""
    what, example, column = AMOUNTS[field]
    largest = numeric_max(column)
    try:
        amount = Decimal(str(value).replace(",", "").replace("£", "").strip())
    except (InvalidOperation, AttributeError):
        raise Invalid(f"Enter {what} in pounds, like {example}", field=field) from None
    if not amount.is_finite():
        raise Invalid(f"Enter {what} in pounds, like {example}", field=field)
    if amount < 0 or amount > largest:  # comparisons are exact, whatever the exponent
        raise Invalid(f"Enter {what} from £0 to £{largest:,}, like {example}", field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise Invalid(f"Enter {what} with no more than 2 decimal places, like {example}", field=field)
    return amount


#: How each text field is named in "Enter a ... of N characters or fewer".
TEXT_FIELDS = {"reference": "a contract reference", "title": "a title", "care_group": "a care group",
               "locality": "a locality"}


def too_long(field: str) -> str:
    """The message for a text longer than its column (the form, the schema and the service agree)."""
    return f"Enter {TEXT_FIELDS[field]} of {Contract.__table__.c[field].type.length} characters or fewer"


def check_dates(start_date: date | None, end_date: date | None) -> None:
    """Contract dates the schedule can turn into periods and due dates (within EARLIEST_DATE..LATEST_DATE)."""
    if not start_date:
        raise Invalid("Enter the start date", field="start_date")
    if start_date < EARLIEST_DATE:
        raise Invalid(f"Enter a start date in {EARLIEST_DATE.year} or later", field="start_date")
    if start_date > LATEST_DATE:
        raise Invalid(f"Enter a start date before {LATEST_DATE.year + 1}", field="start_date")
    if not end_date or end_date < start_date:
        raise Invalid("The end date must be the same as or after the start date", field="end_date")
    if end_date > LATEST_DATE:
        raise Invalid(f"Enter an end date before {LATEST_DATE.year + 1}", field="end_date")
    if end_date > start_date + relativedelta(years=MAX_YEARS):
        raise Invalid(f"A contract can last at most {MAX_YEARS} years", field="end_date")


def _provider(slug: str | None) -> Organisation:
    provider = db.session.scalar(select(Organisation).where(Organisation.slug == (slug or "").strip().lower(),
                                                            Organisation.kind == PROVIDER, Organisation.is_active))
    if provider is None:
        raise Invalid("Choose the provider the contract is with, by its short name", field="provider")
    return provider


def create_contract_with_lookups(commissioner: Organisation, *, framework_code: str, lead_manager_email: str | None,
                                 **details) -> Contract:
    """``create_contract`` for callers that name the framework by its code and the lead manager
    by email (the API). Every answer depends only on public registries (providers, national
    frameworks) and the commissioner's own data, checked in a fixed order: the provider first,
    then the framework, then the lead manager among the commissioner's own members. So an
    unknown provider answers the same whatever else is sent, and another commissioner's
    framework code or a person of another organisation answers like an unknown one."""
    _provider(details.get("provider_slug"))
    framework = framework_by_code(commissioner, framework_code)
    if framework is None:
        raise Invalid("Choose a national framework or one of your own, by its code, like NHWO", field="framework")
    manager = None
    if lead_manager_email:
        manager = member_by_email(commissioner, lead_manager_email)
        if manager is None:
            raise Invalid("The lead manager must be a member of your organisation: give the email address they "
                          "sign in with", field="lead_manager")
    return create_contract(commissioner, framework_id=framework.id, lead_manager_id=manager.id if manager else None,
                           **details)


def create_contract(commissioner: Organisation, *, provider_slug: str, reference: str, title: str,
                    service_type: str, care_group: str, locality: str, start_date: date, end_date: date,
                    annual_value, funding_model: str, framework_id: int, lead_manager_id: int | None,
                    living_wage_rate=None, delivery_unit: str | None = None, actor: User | None) -> Contract:
    """The current organisation (a commissioner) makes a contract with a provider."""
    if commissioner.kind != COMMISSIONER or commissioner.id != current_tenant_id():
        raise ServiceError("Only a commissioner can create contracts")
    provider = _provider(provider_slug)
    reference, title = (reference or "").strip(), (title or "").strip()
    if not reference:
        raise Invalid("Enter the contract reference", field="reference")
    if not title:
        raise Invalid("Enter the contract title", field="title")
    care_group, locality = (care_group or "").strip(), (locality or "").strip()
    for field, value in (("reference", reference), ("title", title), ("care_group", care_group),
                         ("locality", locality)):
        if len(value) > Contract.__table__.c[field].type.length:
            raise Invalid(too_long(field), field=field)
    if service_type not in SERVICE_TYPES:
        raise Invalid("Choose the type of service", field="service_type")
    if funding_model not in FUNDING_MODELS:
        raise Invalid("Choose the funding model", field="funding_model")
    delivery_unit = delivery_unit or USUAL_UNIT[service_type]
    if delivery_unit not in DELIVERY_UNITS:
        raise Invalid("Choose what the contract counts delivery in, or leave it for the usual unit",
                      field="delivery_unit")
    check_dates(start_date, end_date)
    framework = db.session.get(OutcomeFramework, framework_id) if framework_id is not None else None
    if framework is None or framework.owner_id not in (None, commissioner.id):
        raise Invalid("Choose a national framework or one of your own", field="framework")
    if lead_manager_id is not None and not db.session.scalar(
            select(Membership.id).where(Membership.user_id == lead_manager_id,
                                        Membership.tenant_id == commissioner.id)):
        raise Invalid("Choose a lead contract manager from your organisation", field="lead_manager")
    if db.session.scalar(select(Contract.id).where(Contract.commissioner_id == commissioner.id,
                                                   Contract.reference == reference)):
        raise Conflict(f"You already have a contract with the reference {reference}", field="reference")
    contract = Contract(
        tenant_id=provider.id, commissioner_id=commissioner.id, reference=reference, title=title,
        service_type=service_type, care_group=care_group, locality=locality,
        start_date=start_date, end_date=end_date, annual_value=_money(annual_value, "annual_value"),
        funding_model=funding_model, delivery_unit=delivery_unit, framework_id=framework_id,
        lead_manager_id=lead_manager_id, living_wage_rate=_money(living_wage_rate, "living_wage_rate") if living_wage_rate not in (None, "") else None)
    db.session.add(contract)
    db.session.flush()
    record("contract_created", contract, actor=actor, reference=reference, provider=provider.slug)
    return contract


def create_contract_from_api(commissioner: Organisation, data: dict, *, actor: User | None) -> Contract:
    """``POST /contracts``: the API names the framework by code and the lead manager by email."""
    return create_contract_with_lookups(
        commissioner, provider_slug=data["provider"], reference=data["reference"], title=data["title"],
        service_type=data["service_type"], care_group=data["care_group"], locality=data["locality"],
        start_date=data["start_date"], end_date=data["end_date"], annual_value=data["annual_value"],
        funding_model=data["funding_model"], framework_code=data["framework"], lead_manager_email=data["lead_manager"],
        living_wage_rate=data["living_wage_rate"], delivery_unit=data["delivery_unit"], actor=actor)


def count_periods(contract: Contract, schedule: ReturnSchedule) -> int:
    return len(periods(contract.start_date, contract.end_date, schedule.frequency))


def periods(start: date, end: date, frequency: str) -> list[tuple[date, date]]:
    """Consecutive periods from the contract's start, the last one cut at its end."""
    step = STEP[frequency]
    result, cursor = [], start
    while cursor <= end:
        try:
            following = cursor + step
        except (OverflowError, ValueError):  # a step past year 9999: the last period ends with the contract
            result.append((cursor, end))
            break
        result.append((cursor, min(following - timedelta(days=1), end)))
        cursor = following
    return result


def create_schedule(contract: Contract, *, frequency: str, due_days: int = 14, actor: User | None) -> ReturnSchedule:
    """Set how often returns fall due and make a draft return for every period of the contract."""
    if frequency not in FREQUENCIES:
        raise ServiceError("Choose how often returns are due", field="frequency")
    try:
        due_days = int(due_days)
    except (TypeError, ValueError):
        raise ServiceError("Enter the number of days after each period ends, like 14", field="due_days") from None
    if not 0 <= due_days <= 120:
        raise ServiceError("Returns must be due between 0 and 120 days after the period ends", field="due_days")
    if db.session.scalar(select(ReturnSchedule.id).where(ReturnSchedule.contract_id == contract.id)):
        raise Conflict("This contract already has a return schedule")
    schedule = ReturnSchedule(tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id,
                              contract_id=contract.id, frequency=frequency, due_days=due_days)
    db.session.add(schedule)
    db.session.flush()
    made = _add_returns(contract, schedule, periods(contract.start_date, contract.end_date, frequency))
    record("schedule_created", schedule, actor=actor, frequency=frequency, returns=made)
    return schedule


def _add_returns(contract: Contract, schedule: ReturnSchedule, spans) -> int:
    rows = [{"tenant_id": contract.tenant_id, "commissioner_id": contract.commissioner_id,
             "contract_id": contract.id, "period_start": start, "period_end": finish,
             "due_date": finish + timedelta(days=schedule.due_days), "status": DRAFT, "lock_version": 1,
             "submitted_late": False, "review_comment": "", "problem_tasks": [], "reminders_sent": []}
            for start, finish in spans]
    if rows:
        # Draft returns are the provider's own rows, which a commissioner may not write (RLS):
        # the schedule makes them in the provider's name, as the contract entitles it to.
        with tenant_context(contract.tenant_id):
            db.session.execute(insert(Return), rows)
    return len(rows)


def add_return_periods(contract: Contract, *, previous_end: date) -> int:
    """After the contract's end date moved from ``previous_end`` to later: a draft return for each
    period of its schedule that now starts after ``previous_end`` (a period cut short at the old end
    keeps its return). Returns how many were made (none without a schedule)."""
    schedule = db.session.scalar(select(ReturnSchedule).where(ReturnSchedule.contract_id == contract.id,
                                                              ReturnSchedule.tenant_id == contract.tenant_id))
    if schedule is None:
        return 0
    spans = [(start, finish) for start, finish in periods(contract.start_date, contract.end_date, schedule.frequency)
             if start > previous_end]
    return _add_returns(contract, schedule, spans)
