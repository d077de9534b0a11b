"""Reads for returns. Every lookup goes through the tenant layers (provider or its commissioner)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload

from portal.contracts.models import DELIVERY_TASK, Contract, Measure, Outcome
from portal.extensions import db
from portal.limits import INTEGER_MAX, clamp_offset, fits_id
from portal.reporting.periods import london_today
from portal.returns.models import (AWAITING_REVIEW, CHANGES_REQUESTED, DECLARATION_TASK, EDITABLE, Answer, Return,
                                   ReturnReminder, ReturnVersion)
from portal.returns.validation import display, input_label
from portal.tenants.models import Organisation

if TYPE_CHECKING:
    from portal.accounts.models import User


COMPLETED, IN_PROGRESS, NOT_STARTED, PROBLEM = "Completed", "In progress", "Not yet started", "There is a problem"


@dataclass
class Task:
    key: str
    title: str
    status: str
    measures: list = field(default_factory=list)
    outcome: Outcome | None = None
    #: What pages call the section: the outcome's short name, or "Service delivery".
    name: str = ""
    #: The commissioner's comment on this section, when they asked for changes to it.
    comment: str = ""
    #: Figures far from the previous period's (sense_checks.FigureWarning), and those not yet confirmed.
    warnings: list = field(default_factory=list)
    unconfirmed: list = field(default_factory=list)

    @property
    def is_declaration(self) -> bool:
        return self.key == DECLARATION_TASK

    @property
    def code(self) -> str:
        return self.outcome.code if self.outcome else ""

    @property
    def is_complete(self) -> bool:
        return self.status == COMPLETED

    @property
    def input_labels(self) -> dict[str, str]:
        """Each measure's form label, saying what to enter."""
        return {m.code: input_label(m) for m in self.measures}

    @property
    def tag_class(self) -> str:
        return {COMPLETED: "", IN_PROGRESS: "govuk-tag--light-blue", NOT_STARTED: "govuk-tag--blue",
                PROBLEM: "govuk-tag--red"}[self.status]


def get_return(return_id: int) -> Return | None:
    return db.session.scalar(select(Return).where(Return.id == return_id))


def list_returns(*, status: str | list[str] | tuple[str, ...] | None = None, contract_id: int | None = None,
                 period_from: date | None = None, period_to: date | None = None, provider: str | None = None,
                 late: bool | None = None, service_type: str | None = None, locality: str | None = None,
                 due: bool = False, limit: int = 200, offset: int = 0) -> list[Return]:
    """``status`` may be one status or several; ``provider`` is a provider's slug; ``late`` is whether
    the return is late by the one rule (portal.returns.lateness: any submission after its deadline);
    ``due``: only returns to do now (see ``due_returns``)."""
    query = select(Return).join(Return.contract)
    if due:
        query = query.where(*_due_conditions(london_today()))
    if status:
        query = query.where(Return.status.in_([status] if isinstance(status, str) else list(status)))
    if contract_id:
        if not fits_id(contract_id):
            return []  # no contract has that id
        query = query.where(Return.contract_id == contract_id)
    if provider:
        query = query.where(Return.tenant_id == select(Organisation.id).where(Organisation.slug == provider)
                            .scalar_subquery())
    if late is not None:
        from portal.returns.lateness import return_late_sql

        query = query.where(return_late_sql() if late else ~return_late_sql())
    if service_type:
        query = query.where(Contract.service_type == service_type)
    if locality:
        query = query.where(Contract.locality == locality)
    if period_from:
        query = query.where(Return.period_end >= period_from)
    if period_to:
        query = query.where(Return.period_start <= period_to)
    return list(db.session.scalars(query.order_by(Return.due_date, Contract.reference, Return.id)
                                   .limit(limit).offset(clamp_offset(offset))))


def returns_to_do(limit: int = 8) -> list[Return]:
    """A provider's editable returns whose period has ended or ends soon, soonest due first."""
    from datetime import timedelta

    from portal.returns.models import EDITABLE

    horizon = date.today() + timedelta(days=31)
    return list(db.session.scalars(select(Return).where(Return.status.in_(EDITABLE), Return.period_start <= horizon)
                                   .order_by(Return.due_date).limit(limit)))


def awaiting_review(limit: int = 8) -> list[Return]:
    """Submitted returns a commissioner has not reviewed yet, oldest due first."""
    from portal.returns.models import AWAITING_REVIEW

    return list(db.session.scalars(select(Return).where(Return.status.in_(AWAITING_REVIEW))
                                   .order_by(Return.due_date).limit(limit)))


def version_rows(ret: Return, version: ReturnVersion | None) -> list[dict]:
    """Each measure with its answer in ``version``, for the review and version pages."""
    if version is None:
        return []
    return [{"measure": m, "value": version.answers.get(m.code)} for m in measures_for(ret)]


@dataclass
class Listing:
    """The returns list's filters, read from the address (the dashboards link here with them)."""
    statuses: list[str]
    contract_id: int | None
    drill: dict

    @property
    def single_status(self) -> str | None:
        return self.statuses[0] if len(self.statuses) == 1 else None

    @property
    def query(self) -> dict:
        return {"status": self.statuses or None, "contract_id": self.contract_id, **self.drill}


def _date_arg(args, name: str) -> date | None:
    try:
        return date.fromisoformat(args.get(name) or "")
    except ValueError:
        return None


def listing_from_args(args) -> Listing:
    from portal.returns.models import STATUS_LABELS

    contract = (args.get("contract") or "").strip()
    drill = {"due": True if args.get("due") == "yes" else None,
             "period_from": _date_arg(args, "period_from"), "period_to": _date_arg(args, "period_to"),
             "provider": (args.get("provider") or "").strip() or None,
             "late": {"yes": True, "no": False}.get(args.get("late", "")),
             "service_type": args.get("service_type") or None, "locality": args.get("locality") or None}
    return Listing(statuses=[s for s in args.getlist("status") if s in STATUS_LABELS],
                   contract_id=int(contract) if contract.isascii() and contract.isdigit() and len(contract) < 19 else None,
                   drill={k: v for k, v in drill.items() if v is not None})


def work_to_do(organisation: Organisation) -> list[Return]:
    """The home page's list: a provider's returns to fill in, a commissioner's to review."""
    from portal.tenants.models import PROVIDER

    return returns_to_do() if organisation.kind == PROVIDER else awaiting_review()


def measures_for(ret: Return) -> list[Measure]:
    return list(db.session.scalars(
        select(Measure).join(Contract, Contract.framework_id == Measure.framework_id)
        .where(Contract.id == ret.contract_id).order_by(Measure.position)
        .options(joinedload(Measure.outcome))))  # in the same statement, not one each


def answers_for(ret: Return, *, measures_loaded: bool = False) -> list[Answer]:
    """The return's answers, each with its measure (``measures_loaded``: the caller has read the
    measures already, so each answer finds its own in the session instead of joining them again)."""
    query = select(Answer).where(Answer.return_id == ret.id)
    if measures_loaded:
        query = query.options(lazyload(Answer.measure))
    return list(db.session.scalars(query))


def answer_values(ret: Return) -> dict[str, str]:
    """Each answered measure's answer as a person would type it (for forms); an unanswered one
    has no entry (never the text "None")."""
    values = {}
    for answer in answers_for(ret):
        if answered(answer):
            values[answer.measure.code] = display(answer.measure, answer.value_number, answer.value_bool,
                                                  answer.value_text).rstrip("%")
    return values


def document_refs_for(ret: Return) -> list[dict]:
    """Documents attached to the return (id, name, sha256), in a stable order."""
    from portal.returns import attachments

    return attachments.document_refs(ret)


def latest_version_number(ret: Return) -> int | None:
    return db.session.scalar(select(func.max(ReturnVersion.number)).where(ReturnVersion.return_id == ret.id))


def versions_for(ret: Return) -> list[ReturnVersion]:
    return list(db.session.scalars(select(ReturnVersion).where(ReturnVersion.return_id == ret.id)
                                   .order_by(ReturnVersion.number)))


def get_version(ret: Return, number: int) -> ReturnVersion | None:
    if not 0 < number <= INTEGER_MAX:  # ReturnVersion.number is an integer: no version has a larger one
        return None
    return db.session.scalar(select(ReturnVersion).where(ReturnVersion.return_id == ret.id,
                                                         ReturnVersion.number == number))


def version_document_ref(version: ReturnVersion, document_id: int) -> dict | None:
    """A document as it was submitted in a version (its reference, frozen into the version)."""
    return next((ref for ref in version.documents if ref.get("id") == document_id), None)


def get_task(ret: Return, task_key: str) -> Task | None:
    """One task a person fills in, or None."""
    return next((task for task in task_list(ret) if task.key == task_key), None)


def answered(answer: Answer) -> bool:
    return answer.value_number is not None or answer.value_bool is not None or bool((answer.value_text or "").strip())


def task_list(ret: Return, *, for_review: bool = False) -> list[Task]:
    """One task per outcome, then delivery, each with its GOV.UK status. (The declaration is made
    on the check answers page, with the submission; ``for_review`` is kept for callers.)

    A task is complete when its required questions are answered and every figure far from the
    previous period's is confirmed; a section the commissioner flagged has a problem until it is
    saved again as complete."""
    from portal.contracts.frameworks import short_name_of
    from portal.returns import sense_checks

    measures = measures_for(ret)
    answers = {a.measure_id: a for a in answers_for(ret, measures_loaded=True) if answered(a)}
    numbers = {m.code: answers[m.id].value_number for m in measures if m.id in answers}
    warnings = {w.code: w for w in sense_checks.warnings_for(measures, numbers, sense_checks.previous_figures(ret))}
    flagged = set(ret.problem_tasks or []) if ret.status == CHANGES_REQUESTED else set()
    comments = (ret.section_comments or {}) if ret.status == CHANGES_REQUESTED else {}
    groups: dict[str, Task] = {}
    for measure in measures:
        key = measure.task
        if key not in groups:
            name = short_name_of(measure.outcome) if measure.outcome else "Service delivery"
            title = f"{name} ({measure.outcome.code})" if measure.outcome else name
            groups[key] = Task(key=key, title=title, name=name, status="", outcome=measure.outcome,
                               comment=comments.get(key, ""))
        groups[key].measures.append(measure)
        if measure.code in warnings:
            groups[key].warnings.append(warnings[measure.code])
    tasks = list(groups.values())
    for task in tasks:
        task.unconfirmed = sense_checks.unconfirmed(ret, task.warnings)
        required = [m for m in task.measures if m.required]
        done = [m for m in task.measures if m.id in answers]
        if task.key in flagged:
            task.status = PROBLEM
        elif all(m.id in answers for m in required) and (done or not required) and not task.unconfirmed:
            task.status = COMPLETED
        elif done:
            task.status = IN_PROGRESS
        else:
            task.status = NOT_STARTED
    return tasks


def diff(old: ReturnVersion | None, new: ReturnVersion, measures: list[Measure]) -> list[dict]:
    """What changed between two versions, measure by measure, in template order."""
    before = old.answers if old else {}
    rows = []
    for measure in measures:
        was, now = before.get(measure.code), new.answers.get(measure.code)
        if was != now:
            rows.append({"measure": measure, "old": was, "new": now})
    return rows


# -- work lists and the contract's schedule ---------------------------------------------------------

def _due_conditions(today: date) -> list:
    """A return to do now: not yet submitted (or sent back) and its period is over."""
    return [Return.status.in_(EDITABLE), Return.period_end < today]


def due_returns(today: date | None = None, *, limit: int = 10) -> tuple[list[Return], int]:
    """A provider's returns due or overdue (the soonest due first, at most ``limit``) and how many
    there are in all."""
    today = today or london_today()
    conditions = _due_conditions(today)
    total = db.session.scalar(select(func.count(Return.id)).where(*conditions)) or 0
    shown = list(db.session.scalars(select(Return).join(Return.contract).where(*conditions)
                                    .order_by(Return.due_date, Contract.reference, Return.id).limit(limit)))
    return shown, total


def count_awaiting_review() -> int:
    return db.session.scalar(select(func.count(Return.id)).where(Return.status.in_(AWAITING_REVIEW))) or 0


@dataclass
class Period:
    """One period of a contract's schedule and its return, if the reader can see one (a
    commissioner never sees a draft: to it, a return not yet submitted is not received)."""

    contract: Contract
    period_start: date
    period_end: date
    due_date: date
    ret: Return | None
    today: date
    #: The reminders the provider was sent about this period's return (readable by both sides).
    reminders: list = field(default_factory=list)

    @property
    def received(self) -> bool:
        return self.ret is not None and self.ret.first_submitted_at is not None

    @property
    def overdue(self) -> bool:
        """Due and not received; or sent back for changes and not resubmitted by the date asked."""
        if not self.received:
            return self.due_date < self.today
        return self.ret.status == CHANGES_REQUESTED and (self.ret.respond_by or self.due_date) < self.today

    @property
    def days_overdue(self) -> int:
        deadline = self.due_date if not self.received else (self.ret.respond_by or self.due_date)
        return max((self.today - deadline).days, 0)

    @property
    def not_yet_due(self) -> bool:
        return not self.received and self.due_date >= self.today


def schedule_of(contract: Contract, today: date | None = None) -> list[Period]:
    """Every period of the contract's schedule, oldest first, with the return the reader sees.
    The periods come from the schedule (the same rule that made the returns), not the returns."""
    from portal.contracts.models import ReturnSchedule
    from portal.contracts.services import periods

    today = today or london_today()
    schedule = db.session.scalar(select(ReturnSchedule).where(ReturnSchedule.contract_id == contract.id))
    if schedule is None:
        return []
    returns = {r.period_start: r for r in db.session.scalars(select(Return).where(Return.contract_id == contract.id))}
    reminders: dict[date, list[ReturnReminder]] = {}
    for reminder in db.session.scalars(select(ReturnReminder).where(ReturnReminder.contract_id == contract.id)
                                       .order_by(ReturnReminder.sent_at, ReturnReminder.id)):
        reminders.setdefault(reminder.period_start, []).append(reminder)
    return [Period(contract=contract, period_start=start, period_end=end,
                   due_date=end + timedelta(days=schedule.due_days), ret=returns.get(start), today=today,
                   reminders=reminders.get(start, []))
            for start, end in periods(contract.start_date, contract.end_date, schedule.frequency)]


@dataclass
class ProviderChase:
    """A provider's returns a commissioner is waiting for: not received though due, or sent back
    and not resubmitted by the date asked."""

    provider: Organisation
    periods: list[Period] = field(default_factory=list)

    @property
    def missing(self) -> list[Period]:
        return [p for p in self.periods if not p.received]

    @property
    def changes_overdue(self) -> list[Period]:
        return [p for p in self.periods if p.received]

    @property
    def oldest(self) -> Period:
        return min(self.periods, key=lambda p: p.due_date)


def overdue_by_provider(today: date | None = None) -> list[ProviderChase]:
    """The commissioner's overdue returns grouped by provider, the provider waited on longest
    first. Three statements, whatever the number of contracts."""
    from portal.contracts.models import ReturnSchedule
    from portal.contracts.services import periods

    today = today or london_today()
    contracts = {c.id: c for c in db.session.scalars(select(Contract).where(Contract.start_date < today))}
    schedules = list(db.session.scalars(select(ReturnSchedule).where(ReturnSchedule.contract_id.in_(list(contracts)))))
    seen = {(r.contract_id, r.period_start): r for r in db.session.scalars(
        select(Return).where(Return.contract_id.in_(list(contracts)), Return.due_date < today))}
    chases: dict[int, ProviderChase] = {}
    for schedule in schedules:
        contract = contracts[schedule.contract_id]
        for start, end in periods(contract.start_date, contract.end_date, schedule.frequency):
            due = end + timedelta(days=schedule.due_days)
            if due >= today:
                break
            period = Period(contract=contract, period_start=start, period_end=end, due_date=due,
                            ret=seen.get((contract.id, start)), today=today)
            if period.overdue:
                chases.setdefault(contract.tenant_id, ProviderChase(provider=contract.provider)).periods.append(period)
    for chase in chases.values():
        chase.periods.sort(key=lambda p: (p.due_date, p.contract.reference))
    return sorted(chases.values(), key=lambda c: (c.oldest.due_date, c.provider.name))


@dataclass
class WorkLists:
    """The home page's lists: a provider's returns due or overdue; a commissioner's returns to
    review and the returns it is waiting for, by provider."""

    today: date
    due: list[Return] = field(default_factory=list)
    due_total: int = 0
    to_review: list[Return] = field(default_factory=list)
    to_review_total: int = 0
    waiting_for: list[ProviderChase] = field(default_factory=list)

    @property
    def due_more(self) -> int:
        return self.due_total - len(self.due)

    @property
    def to_review_more(self) -> int:
        return self.to_review_total - len(self.to_review)


def work_lists(organisation: Organisation, today: date | None = None, *, limit: int = 10) -> WorkLists:
    from portal.tenants.models import PROVIDER

    today = today or london_today()
    if organisation.kind == PROVIDER:
        due, total = due_returns(today, limit=limit)
        return WorkLists(today=today, due=due, due_total=total)
    return WorkLists(today=today, to_review=awaiting_review(limit=limit), to_review_total=count_awaiting_review(),
                     waiting_for=overdue_by_provider(today))


def previous_period_version(ret: Return) -> tuple[Return | None, ReturnVersion | None]:
    """The return for the period just before ``ret``'s on the same contract (if the reader can
    see it) and its latest submitted version (None if it was never submitted)."""
    previous = db.session.scalar(select(Return).where(Return.contract_id == ret.contract_id,
                                                      Return.period_end == ret.period_start - timedelta(days=1)))
    if previous is None:
        return None, None
    version = db.session.scalar(select(ReturnVersion).where(ReturnVersion.return_id == previous.id)
                                .order_by(ReturnVersion.number.desc()).limit(1))
    return previous, version


def people(*user_ids: int | None) -> dict[int, User]:
    """Who submitted, declared or reviewed, by id (people are not tenant data; their names are shown
    on the returns they acted on)."""
    from portal.accounts.models import User

    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


__all__ = ["DELIVERY_TASK", "DECLARATION_TASK", "Task", "get_return", "list_returns", "task_list", "diff"]
