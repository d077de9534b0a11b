"""The published answer set as a Word document: the thread's title, who published it and when,
then each numbered question and its answer. Nothing names a provider that asked."""
from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from portal.engagement.models import Answer, Thread

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LONDON = ZoneInfo("Europe/London")


def _when(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%-d %B %Y") if moment else ""


def answer_set_docx(thread: Thread, answers: list[Answer]) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = f"Answers: {thread.title}"
    document.core_properties.author = thread.commissioner.name
    document.add_heading(f"Answers: {thread.title}", level=1)
    document.add_paragraph(f"Published by {thread.commissioner.name}"
                           + (f", last on {_when(thread.answers_published_at)}" if thread.answers_published_at else "")
                           + f". {len(answers)} question{'' if len(answers) == 1 else 's'} and "
                           f"answer{'' if len(answers) == 1 else 's'}.")
    for answer in answers:
        document.add_heading(f"Question {answer.number}", level=2)
        for line in answer.question.splitlines() or [""]:
            document.add_paragraph(line)
        document.add_heading("Answer", level=3)
        for line in answer.answer.splitlines() or [""]:
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def filename(thread: Thread, extension: str) -> str:
    """The download's name: the thread's number, never anyone's name."""
    return f"answers-thread-{thread.id}.{extension}"
