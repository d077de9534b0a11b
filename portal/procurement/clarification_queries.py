"""Reading clarification questions and the published log; the log as CSV and as a Word document.

Who sees what is decided by the ORM criteria and row-level security, not here: a provider reads
its own questions, a commissioner the questions on its tenders, everyone the published
clarifications (which never name the asker). The files made here hold only published rows.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from portal.extensions import db
from portal.limits import fits_id
from portal.models_base import utcnow
from portal.procurement.clarification_models import OPEN, Clarification, Question
from portal.procurement.models import Tender
from portal.reporting.exports import csv_text
from portal.tenants.context import current_tenant_id

LONDON = ZoneInfo("Europe/London")
#: A question is at risk when less than this is left to the tender's answer deadline.
AT_RISK = timedelta(days=2)
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def get_question(question_id: int) -> Question | None:
    if not fits_id(question_id):
        return None
    return db.session.scalar(select(Question).where(Question.id == question_id))


def inbox(*, limit: int = 500) -> list[Question]:
    """The organisation's questions: a procurement team's are those on its tenders, open ones
    first, soonest answer deadline first, newest first within a tender; a provider's its own,
    newest first."""
    me = current_tenant_id()
    query = select(Question).join(Question.tender)
    waiting = case((Question.status == OPEN, 0), else_=1)
    query = query.where((Question.commissioner_id == me) | (Question.tenant_id == me))
    query = query.order_by(waiting, case((Question.status == OPEN, Tender.answer_deadline)),
                           Question.created_at.desc(), Question.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def questions_on(tender: Tender) -> list[Question]:
    """The questions on the tender that the organisation sees (its own, or all for the commissioner)."""
    return list(db.session.scalars(select(Question).where(Question.tender_id == tender.id,
                                                          Question.commissioner_id == tender.tenant_id)
                                   .order_by(Question.created_at.desc(), Question.id.desc())))


def open_duplicates(question: Question) -> list[Question]:
    """Other open questions on the same tender, which one answer may also answer."""
    return list(db.session.scalars(select(Question).where(
        Question.tender_id == question.tender_id, Question.commissioner_id == question.commissioner_id,
        Question.status == OPEN, Question.id != question.id).order_by(Question.created_at)))


def open_count(tender: Tender) -> int:
    return db.session.scalar(select(func.count()).select_from(Question).where(
        Question.tender_id == tender.id, Question.commissioner_id == tender.tenant_id, Question.status == OPEN)) or 0


def clarifications_of(tender: Tender) -> list[Clarification]:
    """The tender's published log, by number."""
    return list(db.session.scalars(select(Clarification).where(Clarification.tender_id == tender.id,
                                                               Clarification.tenant_id == tender.tenant_id)
                                   .order_by(Clarification.number)))


@dataclass(frozen=True)
class TimeLeft:
    text: str
    at_risk: bool
    overdue: bool


def time_left(question: Question, now: datetime | None = None) -> TimeLeft | None:
    """Time left to the tender's answer deadline for an open question (None once answered)."""
    if question.status != OPEN:
        return None
    left = question.tender.answer_deadline - (now or utcnow())
    if left <= timedelta(0):
        return TimeLeft(f"Overdue by {_span(-left)}", True, True)
    return TimeLeft(f"{_span(left)} left", left < AT_RISK, False)


def _span(delta: timedelta) -> str:
    days, hours = delta.days, delta.seconds // 3600
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} hour{'s' if hours != 1 else ''}" if hours else "")
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, delta.seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def deadline_warning(tender: Tender, now: datetime | None = None) -> str | None:
    """For the procurement team: questions still open at (or close to) the answer deadline."""
    waiting = open_count(tender)
    if not waiting:
        return None
    now = now or utcnow()
    when = tender.answer_deadline.astimezone(LONDON).strftime("%-d %B %Y at %H:%M")
    questions = f"{waiting} question{'s' if waiting != 1 else ''}"
    if now >= tender.answer_deadline:
        return f"The deadline for answers passed on {when} with {questions} still unanswered"
    if tender.answer_deadline - now < AT_RISK:
        return f"{questions} must be answered by {when}"
    return None


# -- files -----------------------------------------------------------------------------------------

HEADER = ["Number", "Lot", "Question", "Answer", "Published (UK time)"]


def _row(item: Clarification) -> list:
    return [item.number, item.lot_number or "All lots", item.question, item.answer,
            item.published_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")]


def log_filename(tender: Tender, extension: str) -> str:
    return f"{tender.reference}-clarifications.{extension}"


def log_csv(tender: Tender) -> str:
    """The published log as CSV (through the formula guard)."""
    return csv_text(HEADER, [_row(item) for item in clarifications_of(tender)])


def log_docx(tender: Tender) -> bytes:
    """The published log as a plain Word document, to post on Public Contracts Scotland or Find a
    Tender. Its properties name the commissioner only (python-docx's defaults are replaced)."""
    from docx import Document

    items = clarifications_of(tender)
    now = utcnow()
    document = Document()
    properties = document.core_properties
    properties.author = properties.last_modified_by = tender.commissioner.name
    properties.title = f"{tender.reference}: clarifications"
    properties.subject = tender.title
    properties.comments = properties.keywords = properties.category = ""
    properties.created = properties.modified = now.replace(tzinfo=None)
    properties.revision = 1
    document.add_heading(f"{tender.reference}: clarifications", level=1)
    document.add_paragraph(f"{tender.title}. Commissioner: {tender.commissioner.name}.")
    document.add_paragraph(f"{len(items)} clarification{'s' if len(items) != 1 else ''}, as published on "
                           f"{now.astimezone(LONDON).strftime('%-d %B %Y at %H:%M')} (UK time).")
    for item in items:
        lot = f" (lot {item.lot_number})" if item.lot_number else ""
        document.add_heading(f"Clarification {item.number}{lot}", level=2)
        document.add_paragraph().add_run("Question").bold = True
        document.add_paragraph(item.question)
        document.add_paragraph().add_run("Answer").bold = True
        document.add_paragraph(item.answer)
        document.add_paragraph(f"Published {item.published_at.astimezone(LONDON).strftime('%-d %B %Y at %H:%M')}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class TenderSection:
    """What the tender's page shows of its clarifications to the organisation reading it."""

    clarifications: list[Clarification]
    questions: list[Question]        # the provider's own on this tender; all of them for the commissioner
    open_questions: int              # the commissioner's: questions waiting for an answer
    warning: str | None              # the commissioner's: questions open at or near the answer deadline
    asking_open: bool                # the clarification deadline has not passed (and the tender is open)


def tender_section(tender: Tender, organisation_id: int) -> TenderSection:
    from portal.procurement.clarifications import questions_open

    owner = tender.tenant_id == organisation_id
    questions = questions_on(tender) if tender.status != "draft" else []
    return TenderSection(clarifications=clarifications_of(tender), questions=questions,
                         open_questions=sum(1 for q in questions if q.status == OPEN) if owner else 0,
                         warning=deadline_warning(tender) if owner else None, asking_open=questions_open(tender))
