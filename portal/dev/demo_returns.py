"""Demo contracts and two years of monthly returns in every state (part of `portal demo`)."""
from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from portal.accounts.models import User
from portal.contracts.frameworks import seed_frameworks
from portal.contracts.models import Contract, OutcomeFramework
from portal.contracts.services import create_contract, create_schedule
from portal.extensions import db
from portal.models_base import utcnow
from portal.returns import attachments, queries, services
from portal.tenants.context import tenant_context
from portal.tenants.queries import get_organisation_by_slug

CONTRACTS = [
    # provider, commissioner, reference, title, service type, care group, locality, annual value, framework
    ("riverside-care", "glasgow-hscp", "GCH-CAH-001", "Care at home, north east", "care_at_home", "Older people",
     "North East", "1850000.00", "NHWO"),
    ("riverside-care", "aberdeen-hscp", "ACH-SL-014", "Supported living, Torry", "supported_living",
     "Learning disability", "Torry", "640000.00", "NHWO"),
    ("hillview-support", "glasgow-hscp", "GCH-SL-007", "Supported living, south", "supported_living",
     "Learning disability", "South", "1120000.00", "NHWO"),
    ("oakfield-care", "glasgow-hscp", "GCH-RES-003", "Residential care, north west", "residential",
     "Older people", "North West", "2400000.00", "NHWO"),
    ("northgate-living", "glasgow-hscp", "GCH-DAY-011", "Day opportunities, city centre", "day_opportunities",
     "Mental health", "City Centre", "430000.00", "NHWO"),
    ("brightpath-support", "glasgow-hscp", "GCH-CAH-019", "Care at home, south", "care_at_home", "Physical disability",
     "South", "980000.00", "NHWO"),
    ("lochside-care", "glasgow-hscp", "GCH-OTH-002", "Carers' support service", "other", "Unpaid carers",
     "North East", "310000.00", "NHWO"),
]
NARRATIVES = [
    "Reviews with people and families showed {a} of {r} people met or kept this outcome. Staff recorded what "
    "changed in support plans and how people described the difference.",
    "{a} of {r} people reviewed said the support helped them towards this outcome; two plans were changed after "
    "feedback from families.",
    "We used outcome conversations at each review: {a} of {r} people achieved or sustained the outcome this month.",
]
LONDON_NOON = time(12, 0, tzinfo=timezone.utc)
LONDON = ZoneInfo("Europe/London")


def _baseline(rng: random.Random, measures) -> dict[str, float]:
    """A contract's usual figures, which each month varies a little around (so that a figure far
    from the previous month's is rare, as it is in real returns)."""
    base = {"DEL.PEOPLE": rng.randint(30, 80), "DEL.UNITS_CONTRACTED": rng.choice([1200, 1800, 2400, 3100])}
    for m in measures:
        if m.code.endswith(".REVIEWED"):
            base[m.code] = rng.randint(14, 36)
            base[f"{m.task}.RATE"] = rng.uniform(0.6, 0.9)
    return base


def _answers(rng: random.Random, measures, base: dict[str, float], *, jump: bool = False) -> dict[str, str]:
    values, reviewed = {}, {}
    for m in measures:
        if m.code.endswith(".REVIEWED"):
            reviewed[m.task] = max(1, round(base[m.code] * rng.uniform(0.9, 1.1)))
            values[m.code] = str(reviewed[m.task])
        elif m.code.endswith(".ACHIEVED"):
            rate = min(1.0, base[f"{m.task}.RATE"] * rng.uniform(0.93, 1.07))
            values[m.code] = str(int(reviewed[m.task] * rate))
        elif m.is_narrative:
            r = reviewed[m.task]
            values[m.code] = rng.choice(NARRATIVES).format(r=r, a=int(values[f"{m.task}.ACHIEVED"]))
    contracted = base["DEL.UNITS_CONTRACTED"]
    people = round(base["DEL.PEOPLE"] * rng.uniform(0.95, 1.05) * (1.7 if jump else 1))
    values.update({
        "DEL.PEOPLE": str(people), "DEL.UNITS_CONTRACTED": str(contracted),
        "DEL.UNITS_DELIVERED": str(round(contracted * rng.uniform(0.88, 1.02), 1)),
        "DEL.LIVING_WAGE": str(rng.choice([92, 96, 98, 100, 100])),
        "DEL.NOTES": "New referrals from the hospital discharge team this month." if jump else "",
    })
    return values


def _at(day: date, offset_days: int) -> datetime:
    return datetime.combine(day + timedelta(days=offset_days), LONDON_NOON)


def _state(index: int, total: int, rng: random.Random) -> str:
    """What happened to the return (as far as today allows): the latest months in fixed states, so
    that every contract has a return in progress, one sent back, one resubmitted and one waiting."""
    fixed = {total - 1: "in_progress", total - 3: "changes_requested", total - 4: "resubmitted",
             total - 5: "submitted"}
    if index in fixed:
        return fixed[index]
    if index == total - 2:
        return rng.choice(["submitted", "not_started"])
    roll = rng.random()
    if roll < 0.04:
        return "missing"
    if roll < 0.12:
        return "changes_requested"
    if roll < 0.18:
        return "resubmitted_accepted" if index < total - 6 else "resubmitted"
    if roll < 0.24 and index > total - 6:
        return "submitted"
    return "accepted"


def seed_demo_returns(today: date | None = None) -> int:
    """Make the demo contracts that are missing, each with 24 monthly returns; returns how many were made."""
    seed_frameworks()
    now = utcnow()
    today = today or now.astimezone(LONDON).date()
    start = (today.replace(day=1) - relativedelta(months=23))
    end = start + relativedelta(months=24) - timedelta(days=1)
    made = 0
    for provider_slug, commissioner_slug, reference, title, service, group, locality, value, code in CONTRACTS:
        commissioner = get_organisation_by_slug(commissioner_slug)
        provider = get_organisation_by_slug(provider_slug)
        if commissioner is None or provider is None:
            continue
        with tenant_context(commissioner.id):
            if db.session.scalar(select(Contract.id).where(Contract.reference == reference)):
                continue
            manager = db.session.scalar(select(User).where(User.email == f"commissioner@{commissioner_slug}.example"))
            framework_id = db.session.scalar(select(OutcomeFramework.id).where(OutcomeFramework.code == code,
                                                                               OutcomeFramework.owner_id.is_(None)))
            contract = create_contract(
                commissioner, provider_slug=provider_slug, reference=reference, title=title, service_type=service,
                care_group=group, locality=locality, start_date=start, end_date=end, annual_value=value,
                funding_model="outcomes_based", framework_id=framework_id,
                lead_manager_id=manager.id if manager else None, living_wage_rate="12.60", actor=manager)
            create_schedule(contract, frequency="monthly", due_days=14, actor=manager)
            contract_id = contract.id
        submitter = db.session.scalar(select(User).where(User.email.in_(
            [f"staff@{provider_slug}.example", f"admin@{provider_slug}.example"])).order_by(User.email.desc()))
        _fill(provider.id, commissioner.id, contract_id, submitter, manager, random.Random(reference), now)
        made += 1
    return made


def _evidence(reference: str, rng: random.Random, submitter: User) -> int:
    """An outcome tracker (CSV) uploaded to S3 and checked now, as the worker would."""
    from werkzeug.datastructures import FileStorage

    from portal.documents.jobs import process_document
    from portal.documents.services import upload_documents

    lines = ["month,people_reviewed,outcomes_met,notes"]
    for month in range(1, 25):
        reviewed = rng.randint(20, 60)
        lines.append(f"{month},{reviewed},{int(reviewed * rng.uniform(0.6, 0.9))},reviewed with people and families")
    upload = FileStorage(stream=io.BytesIO("\n".join(lines).encode()), filename=f"{reference}-outcome-tracker.csv",
                         content_type="text/csv")
    [document] = upload_documents([upload], uploaded_by=submitter)
    process_document(document.id)
    return document.id


def _confirm_warnings(ret, submitter: User, at: datetime) -> None:
    """The submitter looked at the figures far from last month's and confirmed them, before submitting."""
    from portal.returns import sense_checks

    warnings = services.current_warnings(ret)
    if warnings:
        sense_checks.confirm(ret, warnings, actor=submitter, now=at - timedelta(minutes=20))
        db.session.flush()


def _fill(provider_id: int, commissioner_id: int, contract_id: int, submitter: User, manager: User | None,
          rng: random.Random, now: datetime) -> None:
    """Every return of the contract in a state that its dates allow: nothing happens after ``now``
    (a step that would is left undone, so the return stays as the step before left it)."""
    with tenant_context(provider_id, submitter.id):
        returns = queries.list_returns(contract_id=contract_id)
        measures = queries.measures_for(returns[0])
        document_id = _evidence(returns[0].contract.reference, rng, submitter)
    base = _baseline(rng, measures)
    jump_at = len(returns) - 6  # one month with far more people supported: a confirmed warning
    for index, ret_id in enumerate([r.id for r in returns]):
        state = _state(index, len(returns), rng)
        with tenant_context(provider_id, submitter.id):
            ret = queries.get_return(ret_id)
            if state == "missing" or state == "not_started":
                continue
            values = _answers(rng, measures, base, jump=index == jump_at)
            late = rng.random() < 0.15
            submit_at = _at(ret.due_date, rng.randint(1, 9) if late else -rng.randint(0, 10))
            if submit_at <= _at(ret.period_end, 0):
                submit_at = _at(ret.period_end, 1)
            if state == "in_progress" or submit_at > now:
                half = {k: v for k, v in values.items() if k.startswith(("NHWO-1.", "NHWO-2.", "DEL."))}
                services.save_answers(ret, half, expected_version=ret.lock_version, actor=submitter, partial=True)
                continue
            services.save_answers(ret, values, expected_version=ret.lock_version, actor=submitter)
            attachments.attach(ret, document_id, actor=submitter)
            _confirm_warnings(ret, submitter, submit_at)
            services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=submitter)
            services.submit(ret, expected_version=ret.lock_version, actor=submitter, now=submit_at)
            submitted_on = ret.submitted_at.date()
        if state == "submitted" or manager is None or _at(submitted_on, 4) > now:
            continue
        with tenant_context(commissioner_id, manager.id):
            ret = queries.get_return(ret_id)
            if state == "accepted":
                services.review(ret, decision="accept", comment="", actor=manager, now=min(_at(submitted_on, 5), now))
                continue
            services.review(ret, decision="request_changes", actor=manager, now=_at(submitted_on, 4),
                            comment="Please check the outcome 3 figures and add evidence.", problem_tasks=["NHWO-3"],
                            section_comments={"NHWO-3": "The number of people achieving outcome 3 looks low against "
                                                        "last month. Check the figure and say what changed."},
                            respond_by=submitted_on + timedelta(days=14))
        if state == "changes_requested" or _at(submitted_on, 7) > now:
            continue
        with tenant_context(provider_id, submitter.id):
            ret = queries.get_return(ret_id)
            fixed = str(min(int(values["NHWO-3.ACHIEVED"]) + 2, int(values["NHWO-3.REVIEWED"])))
            services.save_answers(ret, {"NHWO-3.ACHIEVED": fixed}, expected_version=ret.lock_version,
                                  actor=submitter)
            _confirm_warnings(ret, submitter, _at(submitted_on, 7))
            services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=submitter)
            services.submit(ret, expected_version=ret.lock_version, actor=submitter, now=_at(submitted_on, 7))
        if state == "resubmitted_accepted" and _at(submitted_on, 9) <= now:
            with tenant_context(commissioner_id, manager.id):
                ret = queries.get_return(ret_id)
                services.review(ret, decision="accept", comment="Thank you for the corrections.", actor=manager,
                                now=_at(submitted_on, 9))
