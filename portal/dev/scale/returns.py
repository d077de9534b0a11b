"""Three years of monthly returns per contract, in the states the app's services leave them.

Each period's story follows portal/dev/demo_returns.py: most returns submitted (about one in six
late) and accepted; some sent back and resubmitted (two versions), a few still waiting for
changes or for review; the current month in progress; a few periods never started (missing).
Nothing happens after now. A submitted version holds the answers and the evidence document's
reference as ``portal.returns.services.snapshot`` writes them, with the same SHA-256."""
from __future__ import annotations

import hashlib
import json
import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from portal.dev.scale.bulk import Writer, as_json
from portal.dev.scale.contracts import MONTHS, ContractInfo

LONDON = ZoneInfo("Europe/London")
NOON = time(12, 0, tzinfo=timezone.utc)
NARRATIVES = [
    "Reviews with people and families showed {a} of {r} people met or kept this outcome. Staff recorded what "
    "changed in support plans and how people described the difference.",
    "{a} of {r} people reviewed said the support helped them towards this outcome; {k} plans were changed after "
    "feedback from families.",
    "We used outcome conversations at each review: {a} of {r} people achieved or sustained the outcome this month.",
    "Befriending and community groups helped {a} of {r} people feel less isolated; {k} people joined a new group.",
    "Falls prevention work continued: {a} of {r} people stayed safe at home and {k} had a home safety check.",
    "After hospital discharge {a} of {r} people regained daily living skills with reablement support.",
    "Carers told us in {a} of {r} reviews that they felt supported to keep caring; {k} took a short break.",
]
#: What a narrative also names, one in forty: so that a search for one of them finds a few entries in a
#: hundred, as a search for something particular does (the templates' own words are in most).
ACTIVITIES = [
    "walking football", "tea dance", "men's shed", "gardening club", "choir", "art class", "cookery course",
    "swimming group", "reading circle", "memory cafe", "knitting group", "bowls club", "fishing trip",
    "woodwork project", "allotment", "chess club", "yoga class", "photography walk", "pottery workshop",
    "bike repair", "drama group", "film night", "digital skills class", "dog walking", "litter pick",
    "community pantry", "volunteering at the food bank", "bus travel training", "money advice session",
    "job club", "ceilidh", "craft fair", "museum visit", "beach clean", "boccia", "tai chi", "sign language class",
    "local history group", "baking afternoon", "music jam",
]
NOTES = ["New referrals from the hospital discharge team this month.", "Two staff vacancies filled.",
         "Winter pressures: more visits at weekends.", "Recruitment fair held with the local college."]


def _at(day: date, offset_days: int) -> datetime:
    return datetime.combine(day + timedelta(days=offset_days), NOON)


def _london_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _state(index: int, total: int, rng: random.Random) -> str:
    fixed = {total - 1: "in_progress", total - 3: "changes_requested", total - 4: "resubmitted",
             total - 5: "submitted"}
    if index in fixed and rng.random() < 0.5:  # half the contracts have the demo's recent story
        return fixed[index]
    if index == total - 1:
        return rng.choice(["in_progress", "not_started"])
    roll = rng.random()
    if roll < 0.03:
        return "missing"
    if roll < 0.09:
        return "changes_requested" if index > total - 8 else "resubmitted_accepted"
    if roll < 0.15:
        return "resubmitted_accepted" if index < total - 6 else "resubmitted"
    if roll < 0.30 and index > total - 4:
        return "submitted"
    return "accepted"


def _number(value) -> str:
    d = Decimal(str(value))
    return format(d.normalize(), "f") if d == d.to_integral() else str(d.normalize())


class Answers:
    """A contract's figures: a baseline that each month varies a little around."""

    def __init__(self, contract: ContractInfo, rng: random.Random):
        self.measures = contract.framework.measures
        self.rng = rng
        self.people = rng.randint(20, 120)
        self.contracted = rng.choice([400, 800, 1200, 1800, 2400, 3100])
        self.reviewed = {m.task: rng.randint(10, 40) for m in self.measures if m.code.endswith(".REVIEWED")}
        self.rate = {task: rng.uniform(0.55, 0.92) for task in self.reviewed}

    def month(self, *, partial: bool = False) -> dict[str, str]:
        rng, values = self.rng, {}
        for m in self.measures:
            if partial and m.task != "delivery" and m.task not in list(self.reviewed)[:2]:
                continue
            if m.code.endswith(".REVIEWED"):
                values[m.code] = str(max(1, round(self.reviewed[m.task] * rng.uniform(0.85, 1.15))))
            elif m.code.endswith(".ACHIEVED"):
                reviewed = int(values[m.task + ".REVIEWED"])
                values[m.code] = str(int(reviewed * min(1.0, self.rate[m.task] * rng.uniform(0.92, 1.08))))
            elif m.is_narrative:
                values[m.code] = rng.choice(NARRATIVES).format(
                    r=values[m.task + ".REVIEWED"], a=values[m.task + ".ACHIEVED"], k=rng.randint(1, 4)) + (
                    f" People chose the {rng.choice(ACTIVITIES)} this month.")
        delivered = round(self.contracted * rng.uniform(0.86, 1.03), 1)
        values.update({"DEL.PEOPLE": str(round(self.people * rng.uniform(0.95, 1.05))),
                       "DEL.UNITS_CONTRACTED": str(self.contracted), "DEL.UNITS_DELIVERED": _number(delivered),
                       "DEL.LIVING_WAGE": str(rng.choice([92, 96, 98, 100, 100, 100]))})
        if rng.random() < 0.2:
            values["DEL.NOTES"] = rng.choice(NOTES)
        return values


def _digest(answers: dict, documents: list) -> str:
    canonical = json.dumps({"answers": answers, "documents": documents}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class ReturnRows:
    """Rows of the returns tables, collected for COPY."""

    RETURN_COLUMNS = ("id", "tenant_id", "commissioner_id", "contract_id", "period_start", "period_end", "due_date",
                      "status", "lock_version", "submitted_at", "first_submitted_at", "submitted_late",
                      "declared_by_id", "declared_at", "reviewed_by_id", "reviewed_at", "review_comment",
                      "problem_tasks", "updated_at", "respond_by", "section_comments")
    ANSWER_COLUMNS = ("tenant_id", "return_id", "measure_id", "value_number", "value_text", "updated_at",
                      "updated_by_id")
    VERSION_COLUMNS = ("tenant_id", "commissioner_id", "return_id", "number", "answers", "documents", "sha256",
                       "submitted_at", "submitted_by_id", "late", "deadline")
    LINK_COLUMNS = ("tenant_id", "return_id", "document_id", "attached_by_id", "created_at")

    def __init__(self):
        self.returns, self.answers, self.versions, self.links = [], [], [], []


def fill_contract(rows: ReturnRows, c: ContractInfo, ids: list[int], now: datetime, seed: int) -> None:
    """The contract's MONTHS returns (ids given) and everything its story wrote."""
    rng = random.Random(f"{seed}-returns-{c.reference}")
    figures = Answers(c, rng)
    measures = {m.code: m for m in c.framework.measures}
    outcome_tasks = list(figures.reviewed)
    submitter = c.provider.people["staff"]
    doc = {k: v for k, v in c.document.items() if k != "created"}
    documents = [doc]
    for index, return_id in enumerate(ids):
        period_start = c.start + relativedelta(months=index)
        period_end = period_start + relativedelta(months=1) - timedelta(days=1)
        due = period_end + timedelta(days=c.due_days)
        state = _state(index, len(ids), rng)
        row = dict(status="draft", lock_version=1, submitted_at=None, first_submitted_at=None, submitted_late=False,
                   declared_by_id=None, declared_at=None, reviewed_by_id=None, reviewed_at=None, review_comment="",
                   problem_tasks=[], updated_at=_at(period_start, 0), respond_by=None, section_comments="{}")
        values: dict[str, str] = {}
        saved_at = _at(period_end, -3)
        late = rng.random() < 0.16
        submit_at = _at(due, rng.randint(1, 9) if late else -rng.randint(0, min(10, c.due_days - 1)))
        submit_at = max(submit_at, _at(period_end, 1))
        if state in ("missing", "not_started") or period_start > now.date():
            pass
        elif state == "in_progress" or submit_at > now:
            values = figures.month(partial=True)
            row.update(lock_version=2, updated_at=min(saved_at, now))
            saved_at = min(saved_at, now)
        else:
            values = figures.month()
            _submit(rows, c, return_id, row, values, documents, submit_at, due, submitter, number=1)
            submitted_on = _london_date(submit_at)
            reviewed_at = _at(submitted_on, 4 if state != "accepted" else 5)
            saved_at = submit_at - timedelta(hours=1)
            if state != "submitted" and reviewed_at <= now:
                if state == "accepted":
                    _review(row, c, reviewed_at, accept=True)
                else:
                    task = rng.choice(outcome_tasks)
                    respond_by = submitted_on + timedelta(days=14)
                    _review(row, c, reviewed_at, accept=False, task=task, respond_by=respond_by)
                    again = _at(submitted_on, 7)
                    if state in ("resubmitted", "resubmitted_accepted") and again <= now:
                        code = task + ".ACHIEVED"
                        values[code] = str(min(int(values[code]) + 2, int(values[task + ".REVIEWED"])))
                        _submit(rows, c, return_id, row, values, documents, again, respond_by, submitter, number=2)
                        saved_at = again - timedelta(hours=1)
                        accepted_at = _at(submitted_on, 9)
                        if state == "resubmitted_accepted" and accepted_at <= now:
                            _review(row, c, accepted_at, accept=True, comment="Thank you for the corrections.")
        rows.returns.append((return_id, c.provider.id, c.commissioner.id, c.id, period_start, period_end, due,
                             row["status"], row["lock_version"], row["submitted_at"], row["first_submitted_at"],
                             row["submitted_late"], row["declared_by_id"], row["declared_at"], row["reviewed_by_id"],
                             row["reviewed_at"], row["review_comment"], row["problem_tasks"], row["updated_at"],
                             row["respond_by"], row["section_comments"]))
        for code, value in values.items():
            m = measures[code]
            number = None if m.type == "text" else Decimal(value)
            rows.answers.append((c.provider.id, return_id, m.id, number, value if m.type == "text" else None,
                                 saved_at, submitter))


def _submit(rows: ReturnRows, c: ContractInfo, return_id: int, row: dict, values: dict, documents: list,
            at: datetime, deadline: date, submitter: int, *, number: int) -> None:
    late = _london_date(at) > deadline
    answers = dict(values)
    rows.versions.append((c.provider.id, c.commissioner.id, return_id, number, as_json(answers), as_json(documents),
                          _digest(answers, documents), at, submitter, late, deadline))
    if number == 1:
        rows.links.append((c.provider.id, return_id, documents[0]["id"], submitter, at - timedelta(hours=2)))
    row.update(status="submitted" if number == 1 else "resubmitted", submitted_at=at,
               first_submitted_at=row["first_submitted_at"] or at, submitted_late=row["submitted_late"] or late,
               declared_by_id=submitter, declared_at=at - timedelta(minutes=10), problem_tasks=[], updated_at=at,
               lock_version=row["lock_version"] + 3)


def _review(row: dict, c: ContractInfo, at: datetime, *, accept: bool, task: str = "", respond_by=None,
            comment: str = "") -> None:
    row.update(reviewed_by_id=c.manager_id, reviewed_at=at, updated_at=at, lock_version=row["lock_version"] + 1)
    if accept:
        row.update(status="accepted", problem_tasks=[], section_comments="{}", respond_by=None,
                   review_comment=comment)
    else:
        row.update(status="changes_requested", problem_tasks=[task], respond_by=respond_by,
                   review_comment=f"Please check the {task} figures and add evidence.",
                   section_comments=as_json({task: "The number of people achieving this outcome looks low against "
                                                   "last month. Check the figure and say what changed."}))


def make_returns(writer: Writer, contracts: list[ContractInfo], now: datetime, seed: int) -> None:
    ids = writer.reserve_ids("returns", len(contracts) * MONTHS)
    rows = ReturnRows()
    for n, c in enumerate(contracts):
        fill_contract(rows, c, ids[n * MONTHS:(n + 1) * MONTHS], now, seed)
    writer.copy("returns", ReturnRows.RETURN_COLUMNS, rows.returns)
    writer.copy("answers", ReturnRows.ANSWER_COLUMNS, rows.answers)
    writer.copy("return_versions", ReturnRows.VERSION_COLUMNS, rows.versions)
    writer.copy("return_documents", ReturnRows.LINK_COLUMNS, rows.links)
