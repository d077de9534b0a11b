"""Reads for returns. Every lookup goes through the tenant layers (provider or its commissioner)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from portal.contracts.models import DELIVERY_TASK, Contract, Measure, Outcome
from portal.extensions import db
from portal.limits import INTEGER_MAX, clamp_offset, fits_id
from portal.returns.models import CHANGES_REQUESTED, DECLARATION_TASK, Answer, Return, ReturnVersion
from portal.returns.validation import display
from portal.tenants.models import Organisation


@dataclass
class Task:
    key: str
    title: str
    status: str
    measures: list = field(default_factory=list)
    outcome: Outcome | None = None

    @property
    def is_declaration(self) -> bool:
        return self.key == DECLARATION_TASK

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


def version_document_ref(version: ReturnVersion, document_id: int) -> dict | None:
    """A document as it was submitted in a version (its reference, frozen into the version)."""
    return next((ref for ref in version.documents if ref.get("id") == document_id), None)


def get_task(ret: Return, task_key: str) -> Task | None:
    """One task a person fills in (not the declaration), or None."""
    return next((task for task in task_list(ret) if task.key == task_key and task.key != DECLARATION_TASK), None)


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
