"""The review form as typed: the decision, the comment, the sections that need changes with a
comment each, and the date to respond by as day, month and year (the GOV.UK date input). The
review service validates it all at once, so the page shows every problem together."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.reporting.periods import london_today

DATE_PARTS = ("day", "month", "year")
NAME = "The date to respond by"


@dataclass
class DateParts:
    """A date as typed in three boxes; ``parse`` says what is wrong with it, GOV.UK's way."""

    day: str = ""
    month: str = ""
    year: str = ""

    @property
    def blank(self) -> bool:
        return not (self.day or self.month or self.year)

    def parse(self) -> date:
        """The date, or ValueError with a message that names what to fix."""
        missing = [part for part in DATE_PARTS if not getattr(self, part)]
        if missing:
            raise ValueError(f"{NAME} must include a {' and '.join(missing)}")
        if not all(getattr(self, part).isascii() and getattr(self, part).isdigit() and len(getattr(self, part)) <= 4
                   for part in DATE_PARTS):
            raise ValueError(f"{NAME} must be a real date")
        if len(self.year) != 4:
            raise ValueError("Year must include 4 numbers")
        try:
            return date(int(self.year), int(self.month), int(self.day))
        except ValueError:
            raise ValueError(f"{NAME} must be a real date") from None


@dataclass
class ReviewForm:
    decision: str = ""
    comment: str = ""
    tasks: list[str] = field(default_factory=list)
    section_comments: dict[str, str] = field(default_factory=dict)
    respond_by: DateParts = field(default_factory=DateParts)

    def arguments(self) -> dict:
        """Keyword arguments for ``portal.returns.services.review``."""
        return {"decision": self.decision, "comment": self.comment, "problem_tasks": self.tasks,
                "section_comments": self.section_comments,
                "respond_by": None if self.respond_by.blank else self.respond_by}


def read(form, task_keys: list[str]) -> ReviewForm:
    """The review form from a request's form data; ``task_keys`` are the sections that may be flagged."""
    def text(name: str) -> str:
        return (form.get(name) or "").strip()

    return ReviewForm(
        decision=text("decision"), comment=text("comment"),
        tasks=list(dict.fromkeys(form.getlist("tasks"))),
        section_comments={key: text(f"section_comment_{key}") for key in task_keys if text(f"section_comment_{key}")},
        respond_by=DateParts(**{part: text(f"respond_by-{part}") for part in DATE_PARTS}))


def example_date(today: date | None = None) -> str:
    """A date two weeks ahead, as a person would type it in the date input ("27 3 2026")."""
    day = (today or london_today()) + timedelta(days=14)
    return f"{day.day} {day.month} {day.year}"
