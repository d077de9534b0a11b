"""The return workflow: save answers per task, declare, submit (freeze a version), review."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import User
from portal.audit.services import record
from portal.contracts.models import Measure
from portal.errors import Conflict, ServiceError
from portal.extensions import db
from portal.limits import LATEST_DATE
from portal.models_base import utcnow
from portal.outbox import enqueue_after_commit
from portal.returns import queries
from portal.returns.models import (ACCEPTED, AWAITING_REVIEW, CHANGES_REQUESTED, EDITABLE, RESUBMITTED, SUBMITTED,
                                   Answer, Return, ReturnVersion)
from portal.returns.signals import return_reviewed, return_submitted
from portal.returns.validation import FieldError, display, parse, to_json

LONDON = ZoneInfo("Europe/London")


class ValidationFailed(ServiceError):
    """Per-field errors; nothing was saved."""

    status = 422

    def __init__(self, errors: dict[str, str], *, within: str | None = None):
        super().__init__("There is a problem with " + (
            "1 answer" if len(errors) == 1 else f"{len(errors)} answers") + ": correct them and save again",
            errors=errors, within=within)


STALE_MESSAGE = ("Someone else saved this return after you opened it. Your changes have not been saved: "
                 "reload the page to see their answers, then make your changes again.")


def check_version(ret: Return, expected_version: int | None) -> None:
    if expected_version is None:
        raise ServiceError("Send the version of the return you are changing", field="version")
    if int(expected_version) != ret.lock_version:
        raise Conflict(STALE_MESSAGE, field="version")


def _editable(ret: Return) -> None:
    if ret.status not in EDITABLE:
        raise Conflict(f"This return is {ret.status_label.lower()} and can no longer be changed")


def save_answers(ret: Return, values: dict[str, object], *, expected_version: int | None, actor: User | None,
                 measures: list[Measure] | None = None) -> list[Answer]:
    """Validate every value, then save them all, or none. ``values`` maps measure codes to raw input.

    ``measures`` (a task's measures) makes blank fields count as answers to clear; otherwise
    only the codes given are touched (the API's PATCH).
    """
    _editable(ret)
    check_version(ret, expected_version)
    by_code = {m.code: m for m in queries.measures_for(ret)}
    unknown = [code for code in values if code not in by_code]
    if unknown:
        raise ValidationFailed({code: f"{code} is not a measure of this return" for code in unknown},
                               within="answers")
    targets = measures if measures is not None else [by_code[code] for code in values]
    parsed, errors = {}, {}
    for measure in targets:
        try:
            parsed[measure.code] = parse(measure, values.get(measure.code))
        except FieldError as exc:
            errors[measure.code] = str(exc)
    if errors:
        raise ValidationFailed(errors, within="answers")
    existing = {a.measure_id: a for a in queries.answers_for(ret)}
    now, saved, changes = utcnow(), [], {}  # changes: each changed answer before and after, for the audit log
    for measure in targets:
        number, boolean, text = parsed[measure.code]
        answer = existing.get(measure.id)
        if answer is None:
            answer = Answer(tenant_id=ret.tenant_id, return_id=ret.id, measure_id=measure.id)
            db.session.add(answer)
        before = display(measure, answer.value_number, answer.value_bool, answer.value_text)
        if before != (after := display(measure, number, boolean, text)):
            changes[measure.code] = [before, after]
        answer.value_number, answer.value_bool, answer.value_text = number, boolean, text
        answer.updated_at, answer.updated_by_id = now, actor.id if actor else None
        saved.append(answer)
    ret.updated_at = now
    ret.declared_at, ret.declared_by_id = None, None  # a changed return needs declaring again
    touched = {m.task for m in targets}
    if ret.problem_tasks and touched & set(ret.problem_tasks):
        ret.problem_tasks = [t for t in ret.problem_tasks if t not in touched]  # answered the review
    _flush_or_conflict()
    record("return_answers_saved", ret, actor=actor, measures=sorted(parsed), changes=changes)
    return saved


def save_answers_from_api(ret: Return, answers: list[dict], *, expected_version: int | None,
                          actor: User | None) -> list[Answer]:
    """``PATCH /returns/<id>``: a list of ``{measure, value}``; a measure given twice is refused."""
    values: dict[str, object] = {}
    for item in answers:
        if item["measure"] in values:
            raise ValidationFailed({item["measure"]: f"{item['measure']} is given twice: give each answer once"},
                                   within="answers")
        values[item["measure"]] = item["value"]
    return save_answers(ret, values, expected_version=expected_version, actor=actor)


def declare(ret: Return, *, confirmed: bool, expected_version: int | None, actor: User) -> None:
    _editable(ret)
    check_version(ret, expected_version)
    if not confirmed:
        raise ValidationFailed({"confirm": "Confirm that the information in this return is accurate"})
    ret.declared_at, ret.declared_by_id, ret.updated_at = utcnow(), actor.id, utcnow()
    _flush_or_conflict()
    record("return_declared", ret, actor=actor)


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(STALE_MESSAGE, field="version") from None


def snapshot(ret: Return) -> tuple[dict, list, str]:
    """The answers and document references of a return, as canonical JSON, and its SHA-256."""
    measures = {m.id: m for m in queries.measures_for(ret)}
    answers = {measures[a.measure_id].code: to_json(measures[a.measure_id], a.value_number, a.value_bool,
                                                    a.value_text)
               for a in queries.answers_for(ret) if a.measure_id in measures}
    documents = queries.document_refs_for(ret)
    canonical = json.dumps({"answers": answers, "documents": documents}, sort_keys=True, separators=(",", ":"))
    return answers, documents, hashlib.sha256(canonical.encode()).hexdigest()


def submit(ret: Return, *, expected_version: int | None, actor: User, now: datetime | None = None) -> ReturnVersion:
    """Freeze an immutable version. Locks the row, so a double-click makes one submission."""
    db.session.execute(select(Return).where(Return.id == ret.id).with_for_update(of=Return)
                       .execution_options(populate_existing=True))
    if ret.status in AWAITING_REVIEW + (ACCEPTED,):
        raise Conflict("This return has already been submitted")
    check_version(ret, expected_version)
    incomplete = [task.title for task in queries.task_list(ret) if task.status != "Completed"]
    if incomplete:
        raise Conflict("Complete every section before you submit: " + ", ".join(incomplete))
    from portal.returns.attachments import problems_before_submit

    blocked = problems_before_submit(ret)
    if blocked:
        raise Conflict("Remove or wait for these documents before you submit: " + "; ".join(blocked))
    answers, documents, digest = snapshot(ret)
    now = now or utcnow()
    late = now.astimezone(LONDON).date() > ret.due_date
    number = (queries.latest_version_number(ret) or 0) + 1
    version = ReturnVersion(tenant_id=ret.tenant_id, commissioner_id=ret.commissioner_id, return_id=ret.id,
                            number=number, answers=answers, documents=documents, sha256=digest,
                            submitted_at=now, submitted_by_id=actor.id, late=late)
    db.session.add(version)
    ret.status = RESUBMITTED if ret.status == CHANGES_REQUESTED else SUBMITTED
    ret.submitted_at = now
    ret.first_submitted_at = ret.first_submitted_at or now
    ret.submitted_late = ret.submitted_late if number > 1 else late
    ret.problem_tasks = []
    ret.updated_at = now
    _flush_or_conflict()
    record("return_submitted", ret, actor=actor, version=number, sha256=digest, late=late)
    return_submitted.send(ret, version=version)  # search indexes it, the commissioner's rollup follows
    return version


SECTION_COMMENT_LIMIT = 2000
REVIEW_COMMENT_LIMIT = 10_000


class ReviewInvalid(ValidationFailed):
    """Every problem with a review at once; nothing was saved."""

    def __init__(self, errors: dict[str, str]):
        ServiceError.__init__(self, next(iter(errors.values())) if len(errors) == 1 else
                              f"There are {len(errors)} problems with the review: correct them and save again",
                              errors=errors)


def review(ret: Return, *, decision: str, comment: str, problem_tasks: list[str] | None = None,
           actor: User, now: datetime | None = None, respond_by=None,
           section_comments: dict[str, str] | None = None) -> None:
    """The commissioner accepts a submitted return or asks for changes: a comment, the sections
    that need changes (each with its own comment, if any) and a date to respond by (a date, or
    the day, month and year as typed: ``portal.returns.review_form.DateParts``). Every problem is
    reported at once; on accepting, the parts that only belong to a request for changes are ignored."""
    if ret.status not in AWAITING_REVIEW:
        raise Conflict("Only a submitted return can be reviewed")
    comment = (comment or "").strip()
    now, status_before = now or utcnow(), ret.status
    errors: dict[str, str] = {}
    if decision not in ("accept", "request_changes"):
        errors["decision"] = "Choose whether to accept the return or ask the provider for changes"
    if len(comment) > REVIEW_COMMENT_LIMIT:
        errors["comment"] = f"Write the comment in up to {REVIEW_COMMENT_LIMIT:,} characters"
    tasks, comments, deadline = [], {}, None
    if decision == "request_changes":
        if not comment:
            errors["comment"] = "Say what the provider needs to change"
        known = [t.key for t in queries.task_list(ret, for_review=True)]
        tasks = list(dict.fromkeys(problem_tasks or []))
        unknown = [t for t in tasks if t not in known]
        if unknown:
            shown = ", ".join(t[:40] for t in unknown[:3]) + (" and others" if len(unknown) > 3 else "")
            errors["tasks"] = f"Choose sections of this return: {shown} is not one"
        comments = {key: (text or "").strip() for key, text in (section_comments or {}).items()
                    if key in tasks and (text or "").strip()}
        for key, text in comments.items():
            if len(text) > SECTION_COMMENT_LIMIT:
                errors[f"section_comment_{key}"] = f"Write the comment in up to {SECTION_COMMENT_LIMIT:,} characters"
        deadline, problem = _respond_by(respond_by, now)
        if problem:
            errors["respond_by"] = problem
    if errors:
        raise ReviewInvalid(errors)
    if decision == "accept":
        ret.status = ACCEPTED
        ret.problem_tasks, ret.section_comments, ret.respond_by = [], {}, None
    else:
        ret.status = CHANGES_REQUESTED
        ret.problem_tasks = [t for t in known if t in tasks]  # in the order of the task list
        ret.section_comments, ret.respond_by = comments, deadline
    ret.review_comment, ret.reviewed_by_id, ret.reviewed_at, ret.updated_at = comment, actor.id, now, now
    _flush_or_conflict()
    record("return_reviewed", ret, actor=actor, decision=decision, status_before=status_before,
           status_after=ret.status, sections=list(ret.problem_tasks), comment=comment)
    enqueue_after_commit("notify_review", tenant_id=ret.tenant_id, return_id=ret.id)
    return_reviewed.send(ret, decision=decision)


def _respond_by(value, now: datetime) -> tuple[date | None, str | None]:
    """The date to respond by (None: none given) and what is wrong with it, if anything."""
    if value is None:
        return None, None
    if not isinstance(value, date):
        try:
            value = value.parse()
        except ValueError as exc:
            return None, str(exc)
    today = now.astimezone(LONDON).date()
    if value <= today:
        return None, "The date to respond by must be in the future"
    if value > LATEST_DATE:
        return None, f"The date to respond by must be in {LATEST_DATE.year} or before"
    return value, None
