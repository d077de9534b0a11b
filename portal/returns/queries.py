"""Reads for returns. Every lookup goes through the tenant layers (provider or its commissioner)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from portal.contracts.models import DELIVERY_TASK, Contract, Measure, Outcome
from portal.extensions import db
from portal.limits import INTEGER_MAX, clamp_offset, fits_id
from portal.returns.models import CHANGES_REQUESTED, Answer, Return, ReturnVersion
from portal.returns.validation import display
from portal.tenants.models import Organisation

DECLARATION_TASK = "declaration"


@dataclass
class Task:
    key: str
    title: str
    status: str
    measures: list = field(default_factory=list)
    outcome: Outcome | None = None

    @property
    def tag_class(self) -> str:
        return {"Completed": "", "In progress": "govuk-tag--light-blue", "Not yet started": "govuk-tag--blue",
                "There is a problem": "govuk-tag--red"}[self.status]


def get_return(return_id: int) -> Return | None:
    return db.session.scalar(select(Return).where(Return.id == return_id))


def list_returns(*, status: str | list[str] | tuple[str, ...] | None = None, contract_id: int | None = None,
                 period_from: date | None = None, period_to: date | None = None, provider: str | None = None,
                 late: bool | None = None, service_type: str | None = None, locality: str | None = None,
                 limit: int = 200, offset: int = 0) -> list[Return]:
    """``status`` may be one status or several; ``provider`` is a provider's slug; ``late`` is whether
    the first submission was late."""
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
        query = query.where(Return.submitted_late.is_(late))
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


def measures_for(ret: Return) -> list[Measure]:
    return list(db.session.scalars(
        select(Measure).join(Contract, Contract.framework_id == Measure.framework_id)
        .where(Contract.id == ret.contract_id).order_by(Measure.position)))


def answers_for(ret: Return) -> list[Answer]:
    return list(db.session.scalars(select(Answer).where(Answer.return_id == ret.id)))


def answer_values(ret: Return) -> dict[str, str]:
    """Each measure code's answer as a person would type it (for forms)."""
    values = {}
    for answer in answers_for(ret):
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


def task_list(ret: Return, *, for_review: bool = False) -> list[Task]:
    """One task per outcome, then delivery and the declaration, each with its GOV.UK status."""
    measures = measures_for(ret)
    answered = {a.measure_id for a in answers_for(ret)
                if a.value_number is not None or a.value_bool is not None or (a.value_text or "").strip()}
    groups: dict[str, Task] = {}
    for measure in measures:
        key = measure.task
        if key not in groups:
            title = (f"{measure.outcome.code}: {measure.outcome.text}" if measure.outcome
                     else "Service delivery")
            groups[key] = Task(key=key, title=title, status="", outcome=measure.outcome)
        groups[key].measures.append(measure)
    tasks = list(groups.values())
    for task in tasks:
        required = [m for m in task.measures if m.required]
        done = [m for m in task.measures if m.id in answered]
        if ret.status == CHANGES_REQUESTED and task.key in (ret.problem_tasks or []):
            task.status = "There is a problem"
        elif all(m.id in answered for m in required) and (done or not required):
            task.status = "Completed"
        elif done:
            task.status = "In progress"
        else:
            task.status = "Not yet started"
    if not for_review:
        tasks.append(Task(key=DECLARATION_TASK, title="Declaration",
                          status="Completed" if ret.declared_at else "Not yet started"))
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
