"""The return workflow: save answers per task (part-way or complete), submit with the
declaration (freeze a version), review."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
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
from portal.returns import lateness, queries, sense_checks
from portal.returns.models import (ACCEPTED, AWAITING_REVIEW, CHANGES_REQUESTED, EDITABLE, RESUBMITTED, SUBMITTED,
                                   Answer, Return, ReturnVersion)
from portal.returns.signals import return_reviewed, return_submitted
from portal.returns.validation import FieldError, display, parse, to_json

LONDON = ZoneInfo("Europe/London")
DECLARATION_MESSAGE = "Confirm that the information in this return is accurate and complete"
DECLARATION_FIELD = "declaration"  # the check answers page's checkbox


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
                 measures: list[Measure] | None = None, partial: bool = False,
                 resolve_flags: bool = True) -> list[Answer]:
    """Validate every value, then save them all, or none. ``values`` maps measure codes to raw input.

    ``measures`` (a task's) are the fields of a page's form: each is saved from ``values``, a
    blank one as no answer. Otherwise only the codes given are touched (the API's PATCH, an
    import). ``partial`` lets required questions stay blank (saving part-way); otherwise a blank
    required one is an error. Only what the person typed is kept: a blank is no answer (never
    stored as text), and an answer that did not change is left as it was, so saving a page
    untouched changes nothing. Changed answers end the confirmations of their warnings and,
    with ``resolve_flags``, answer the commissioner's flags on their sections.
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
            parsed[measure.code] = parse(measure, values.get(measure.code), partial=partial)
        except FieldError as exc:
            errors[measure.code] = str(exc)
    existing = {a.measure_id: a for a in queries.answers_for(ret)}
    numbers = {m.code: existing[m.id].value_number for m in by_code.values() if m.id in existing}
    numbers.update({code: number for code, (number, _b, _t) in parsed.items()})
    # Figures that cannot both be right are named together with any other mistake on the page.
    numbers.update({code: None for code in errors})
    errors = {**sense_checks.impossible_figures(numbers, set(parsed)), **errors}
    if errors:
        raise ValidationFailed(errors, within="answers")
    # changed: the codes saved; changes: each changed answer before and after, in words, for the audit log
    now, saved, changed, changes = utcnow(), [], set(), {}
    for measure in targets:
        number, boolean, text = parsed[measure.code]
        answer = existing.get(measure.id)
        if number is None and boolean is None and text is None:
            if answer is not None:  # the person cleared it
                changes[measure.code] = [display(measure, answer.value_number, answer.value_bool,
                                                 answer.value_text), ""]
                db.session.delete(answer)
                changed.add(measure.code)
            continue
        if answer is not None and (answer.value_number, answer.value_bool, answer.value_text) == (number, boolean, text):
            saved.append(answer)
            continue
        if answer is None:
            answer = Answer(tenant_id=ret.tenant_id, return_id=ret.id, measure_id=measure.id)
            db.session.add(answer)
        before = display(measure, answer.value_number, answer.value_bool, answer.value_text)
        if before != (after := display(measure, number, boolean, text)):
            changes[measure.code] = [before, after]
        answer.value_number, answer.value_bool, answer.value_text = number, boolean, text
        answer.updated_at, answer.updated_by_id = now, actor.id if actor else None
        saved.append(answer)
        changed.add(measure.code)
    if not changed:
        return saved
    ret.updated_at = now
    sense_checks.forget(ret, changed)
    touched = {by_code[code].task for code in changed}
    if resolve_flags and ret.problem_tasks and touched & set(ret.problem_tasks):
        ret.problem_tasks = [t for t in ret.problem_tasks if t not in touched]  # answered the review
    _flush_or_conflict()
    record("return_answers_saved", ret, actor=actor, measures=sorted(changed), changes=changes)
    return saved


@dataclass
class TaskSaved:
    """What saving a task's page did: the figures that need the person's confirmation."""
    complete: bool
    warnings: list = field(default_factory=list)
    unconfirmed: list = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        return self.complete and bool(self.unconfirmed)


def save_task(ret: Return, task: queries.Task, values: dict[str, object], *, expected_version: int | None,
              actor: User | None, complete: bool, confirmed: dict[str, str] | None = None) -> TaskSaved:
    """A task's page saved: ``complete`` ("Save and continue") needs every required answer;
    otherwise ("Save and come back later") blanks are left for later. ``confirmed`` maps the
    codes of the warnings the person was shown and confirmed to the figure they saw: a warning
    is confirmed only for that figure. A complete save with every warning confirmed answers the
    commissioner's flag on the section."""
    save_answers(ret, values, expected_version=expected_version, actor=actor, measures=task.measures,
                 partial=not complete, resolve_flags=False)
    after = queries.get_task(ret, task.key)
    seen = confirmed or {}
    sense_checks.confirm(ret, [w for w in after.warnings if seen.get(w.code) == w.value], actor=actor)
    unconfirmed = sense_checks.unconfirmed(ret, after.warnings)
    if complete and not unconfirmed and task.key in (ret.problem_tasks or []):
        ret.problem_tasks = [t for t in ret.problem_tasks if t != task.key]
        record("return_section_answered", ret, actor=actor, task=task.key)
    if db.session.is_modified(ret):
        ret.updated_at = utcnow()
        _flush_or_conflict()
    return TaskSaved(complete=complete, warnings=after.warnings, unconfirmed=unconfirmed)


def save_answers_from_api(ret: Return, answers: list[dict], *, expected_version: int | None,
                          actor: User | None, confirm_warnings: list[str] | None = None) -> list[Answer]:
    """``PATCH /returns/<id>``: a list of ``{measure, value}`` (null or "" clears an answer; saving
    part-way is fine); a measure given twice is refused. ``confirm_warnings`` names measures whose
    warnings (far from the previous period) the client confirms, for their figures after the save."""
    values: dict[str, object] = {}
    for item in answers:
        if item["measure"] in values:
            raise ValidationFailed({item["measure"]: f"{item['measure']} is given twice: give each answer once"},
                                   within="answers")
        values[item["measure"]] = item["value"]
    if values:
        saved = save_answers(ret, values, expected_version=expected_version, actor=actor, partial=True)
    else:
        _editable(ret)
        check_version(ret, expected_version)
        saved = []
    if confirm_warnings:
        confirm_warnings_of(ret, confirm_warnings, actor=actor)
    return saved


def current_warnings(ret: Return) -> list:
    """Every figure of the return far from the previous period's (sense_checks.FigureWarning)."""
    return [w for task in queries.task_list(ret) for w in task.warnings]


def confirm_warnings_of(ret: Return, codes: list[str], *, actor: User | None) -> None:
    """The person confirms the warnings of these measures, for their figures as they are now."""
    _editable(ret)
    warnings = {w.code: w for w in current_warnings(ret)}
    unknown = [code for code in codes if code not in warnings]
    if unknown:
        raise ValidationFailed({code: f"{code} has no warning to confirm" for code in unknown},
                               within="confirm_warnings")
    sense_checks.confirm(ret, [warnings[code] for code in codes], actor=actor)
    if db.session.is_modified(ret):
        ret.updated_at = utcnow()
        _flush_or_conflict()


def declare(ret: Return, *, confirmed: bool, expected_version: int | None, actor: User) -> None:
    """The declaration, made with the submission (the check answers page, or the API's submit)."""
    _editable(ret)
    check_version(ret, expected_version)
    if not confirmed:
        raise ValidationFailed({DECLARATION_FIELD: DECLARATION_MESSAGE})
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


def _declared_for_this_submission(ret: Return) -> bool:
    return ret.declared_at is not None and (ret.submitted_at is None or ret.declared_at >= ret.submitted_at)


def submit(ret: Return, *, expected_version: int | None, actor: User, now: datetime | None = None) -> ReturnVersion:
    """Freeze an immutable version. Locks the row, so a double-click makes one submission.

    Needs every section complete (every warning confirmed), every document checked and clean,
    and the declaration made for this submission (``declare``). Whether it is late is decided by
    ``portal.returns.lateness``, against the deadline frozen into the version."""
    db.session.execute(select(Return).where(Return.id == ret.id).with_for_update(of=Return)
                       .execution_options(populate_existing=True))
    if ret.status in AWAITING_REVIEW + (ACCEPTED,):
        raise Conflict("This return has already been submitted")
    check_version(ret, expected_version)
    tasks = queries.task_list(ret)
    incomplete = [task.title for task in tasks if not task.is_complete]
    if incomplete:
        raise Conflict("Complete every section before you submit: " + ", ".join(incomplete))
    from portal.returns.attachments import problems_before_submit

    blocked = problems_before_submit(ret)
    if blocked:
        raise Conflict("Remove or wait for these documents before you submit: " + "; ".join(blocked))
    if not _declared_for_this_submission(ret):
        raise ValidationFailed({DECLARATION_FIELD: DECLARATION_MESSAGE})
    answers, documents, digest = snapshot(ret)
    now = now or utcnow()
    deadline = lateness.next_deadline(ret)
    late = lateness.is_late(now, deadline)
    number = (queries.latest_version_number(ret) or 0) + 1
    version = ReturnVersion(tenant_id=ret.tenant_id, commissioner_id=ret.commissioner_id, return_id=ret.id,
                            number=number, answers=answers, documents=documents, sha256=digest,
                            submitted_at=now, submitted_by_id=actor.id, late=late, deadline=deadline,
                            warnings=sense_checks.frozen(ret, [w for t in tasks for w in t.warnings]))
    db.session.add(version)
    ret.status = RESUBMITTED if ret.status == CHANGES_REQUESTED else SUBMITTED
    ret.submitted_at = now
    ret.first_submitted_at = ret.first_submitted_at or now
    ret.submitted_late = ret.submitted_late or late  # the rule: late if any submission was
    ret.problem_tasks = []
    ret.updated_at = now
    _flush_or_conflict()
    record("return_submitted", ret, actor=actor, version=number, sha256=digest, late=late,
           deadline=deadline.isoformat())
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
