"""Reads for returns. Every lookup goes through the tenant layers (provider or its commissioner)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from portal.contracts.models import DELIVERY_TASK, Contract, Measure, Outcome
from portal.extensions import db
from portal.limits import INTEGER_MAX, clamp_offset, fits_id
from portal.returns.models import CHANGES_REQUESTED, DECLARATION_TASK, Answer, Return, ReturnVersion
from portal.returns.validation import display, input_label
from portal.tenants.models import Organisation


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
                 limit: int = 200, offset: int = 0) -> list[Return]:
    """``status`` may be one status or several; ``provider`` is a provider's slug; ``late`` is whether
    the return is late by the one rule (portal.returns.lateness: any submission after its deadline)."""
    query = select(Return).join(Return.contract)
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
    drill = {"period_from": _date_arg(args, "period_from"), "period_to": _date_arg(args, "period_to"),
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
        .where(Contract.id == ret.contract_id).order_by(Measure.position)))


def answers_for(ret: Return) -> list[Answer]:
    return list(db.session.scalars(select(Answer).where(Answer.return_id == ret.id)))


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
    answers = {a.measure_id: a for a in answers_for(ret) if answered(a)}
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


__all__ = ["DELIVERY_TASK", "DECLARATION_TASK", "Task", "get_return", "list_returns", "task_list", "diff"]
