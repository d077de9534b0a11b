"""The audit log's filters (person, kind of action, dates), from the page's form or the API's query."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from portal.errors import Invalid
from portal.limits import EARLIEST_DATE, LATEST_DATE, fits_id
from portal.reporting.periods import LONDON

SYSTEM = "portal"  # the "person" value for what the portal did by itself (file checks, imports)

# Kinds of action a person can filter by, in words, with the actions each covers and the kinds
# of organisation whose log has them. A prefix ending in "_" covers every action that starts with it.
ACTION_GROUPS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "submissions": ("Returns submitted", ("return_submitted",), ("provider",)),
    "answers": ("Answers saved, imported and declared",
                ("return_answers_saved", "return_declared", "return_import_"), ("provider",)),
    "evidence": ("Evidence attached to returns",
                 ("return_document_attached", "return_document_removed"), ("provider",)),
    "reviews": ("Returns reviewed", ("return_reviewed",), ("commissioner",)),
    "submitted_files": ("Submitted files downloaded", ("version_document_downloaded",), ("provider", "commissioner")),
    "documents": ("Documents uploaded, checked and downloaded",
                  ("document_uploaded", "document_checked", "document_downloaded"), ("provider", "commissioner")),
    "members": ("Members and invitations", ("member_", "invitation_"), ("provider", "commissioner")),
    "contracts": ("Contracts and return schedules", ("contract_created", "schedule_created"), ("commissioner",)),
    "frameworks": ("Outcome frameworks", ("framework_",), ("commissioner",)),
    "collaboratives": ("Collaboratives", ("collaborative_",), ("commissioner",)),
}


def action_choices(kind: str) -> list[tuple[str, str]]:
    return [(key, label) for key, (label, _actions, kinds) in ACTION_GROUPS.items() if kind in kinds]


@dataclass(frozen=True)
class AuditFilters:
    person: int | str | None = None  # a user's id, or SYSTEM
    action: str | None = None  # a key of ACTION_GROUPS
    date_from: date | None = None
    date_to: date | None = None

    @property
    def actions(self) -> tuple[str, ...]:
        return ACTION_GROUPS[self.action][1] if self.action else ()

    @property
    def starts(self) -> datetime | None:
        """The first moment of ``date_from`` in UK time."""
        return datetime.combine(self.date_from, time(), LONDON) if self.date_from else None

    @property
    def ends(self) -> datetime | None:
        """The first moment after ``date_to`` in UK time."""
        return datetime.combine(self.date_to + timedelta(days=1), time(), LONDON) if self.date_to else None

    def args(self) -> dict[str, str]:
        """The filters as the page's query string (for the pages' links)."""
        values = {"person": self.person, "action": self.action}
        for name, day in (("from", self.date_from), ("to", self.date_to)):
            if day:
                values.update({f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year})
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


@dataclass
class FilterForm:
    """The filter form as the person filled it in, the filters that apply and the problems found."""

    filters: AuditFilters
    values: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _person(value: str, people: dict) -> int | str | None:
    if value == SYSTEM:
        return SYSTEM
    if value.isascii() and value.isdigit() and len(value) <= 19 and fits_id(int(value)) and int(value) in people:
        return int(value)
    return None


def _day(parts: dict[str, str], label: str) -> tuple[date | None, str | None]:
    """A date from a GOV.UK date input's three boxes: (the date, or the problem in words)."""
    missing = [name for name in ("day", "month", "year") if not parts[name]]
    if len(missing) == 3:
        return None, None
    if missing:
        return None, f"The {label} date must include a {' and a '.join(missing)}"
    if not all(part.isascii() and part.isdigit() and len(part) <= 4 for part in parts.values()) \
            or len(parts["year"]) != 4:
        return None, f"The {label} date must be a real date, like 27 3 2026"
    try:
        day = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return None, f"The {label} date must be a real date, like 27 3 2026"
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        return None, (f"The {label} date must be between {EARLIEST_DATE:%-d %B %Y} and "
                      f"{LATEST_DATE:%-d %B %Y}")
    return day, None


def from_page_args(args, *, kind: str, people: dict) -> FilterForm:
    """The page's filters. A problem is reported on its field and that filter is left out, so the
    page still lists events. ``people`` are the choices of the person filter (id -> name)."""
    form = FilterForm(filters=AuditFilters())
    person = (args.get("person") or "").strip()
    form.values["person"] = person
    chosen_person = _person(person, people) if person else None
    if person and chosen_person is None:
        form.errors["person"] = "Choose a person from the list"
    action = (args.get("action") or "").strip()
    form.values["action"] = action
    if action and action not in dict(action_choices(kind)):
        form.errors["action"] = "Choose a kind of action from the list"
        action = ""
    days = {}
    for name, label in (("from", "start"), ("to", "end")):
        parts = {part: (args.get(f"{name}-{part}") or "").strip()[:10] for part in ("day", "month", "year")}
        form.values[name] = parts
        days[name], problem = _day(parts, label)
        if problem:
            form.errors[name] = problem
    if days["from"] and days["to"] and days["from"] > days["to"]:
        form.errors["to"] = "The end date must be the same as or after the start date"
        days["to"] = None
    form.filters = AuditFilters(person=chosen_person, action=action or None, date_from=days["from"],
                                date_to=days["to"])
    return form


def from_api_args(args: dict, *, people: dict) -> AuditFilters:
    """The API's filters (already checked by ``AuditArgsSchema``); the person must be one of
    ``people``, this organisation's, so the answer says nothing about anyone else."""
    person = (args.get("person") or "").strip()
    chosen = _person(person, people) if person else None
    if person and chosen is None:
        raise Invalid(f"Enter the id of someone in this organisation's audit log, or {SYSTEM} for what the "
                      "portal did by itself", field="person")
    date_from, date_to = args.get("date_from"), args.get("date_to")
    if date_from and date_to and date_from > date_to:
        raise Invalid("The end date must be the same as or after the start date", field="to")
    return AuditFilters(person=chosen, action=args.get("action"), date_from=date_from, date_to=date_to)
