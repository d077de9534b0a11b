"""Seed the national outcome frameworks from reference/outcome_frameworks.json."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from portal.config import PROJECT_ROOT
from portal.contracts.models import Measure, Outcome, OutcomeFramework
from portal.extensions import db

REFERENCE_CANDIDATES = (
    PROJECT_ROOT / "reference" / "outcome_frameworks.json",
    PROJECT_ROOT.parent / "shared" / "reference" / "outcome_frameworks.json",
)


def outcome_measures(outcome_code: str) -> list[dict]:
    """The standard questions asked of every outcome: how many, how many achieved, the evidence."""
    return [
        {"code": f"{outcome_code}.REVIEWED", "type": "integer", "minimum": Decimal(0),
         "label": "People whose progress towards this outcome was reviewed this period"},
        {"code": f"{outcome_code}.ACHIEVED", "type": "integer", "minimum": Decimal(0),
         "label": "People who achieved or sustained this outcome"},
        {"code": f"{outcome_code}.NARRATIVE", "type": "text", "is_narrative": True,
         "label": "Evidence of this outcome",
         "hint": "Describe what changed for people and how you know. Do not name anyone."},
    ]


DELIVERY_MEASURES = [
    {"code": "DEL.PEOPLE", "type": "integer", "minimum": Decimal(0), "label": "People supported this period"},
    {"code": "DEL.UNITS_CONTRACTED", "type": "decimal", "minimum": Decimal(0),
     "label": "Hours or units contracted for this period"},
    {"code": "DEL.UNITS_DELIVERED", "type": "decimal", "minimum": Decimal(0),
     "label": "Hours or units delivered this period"},
    {"code": "DEL.LIVING_WAGE", "type": "percentage",
     "label": "Staff paid at least the commissioner's living wage rate",
     "hint": "As a percentage of all care staff on this contract."},
    {"code": "DEL.NOTES", "type": "text", "required": False, "label": "Notes on delivery",
     "hint": "Explain any difference between hours contracted and delivered."},
]


#: The few words people know each national outcome by; the statutory wording stays in ``Outcome.text``.
#: (migration 0010 gives the same names to the outcomes seeded before it.)
SHORT_NAMES = {
    "NHWO-1": "Healthier living",
    "NHWO-2": "Independent living",
    "NHWO-3": "Positive experiences",
    "NHWO-4": "Quality of life",
    "NHWO-5": "Reducing health inequalities",
    "NHWO-6": "Carers supported",
    "NHWO-7": "Safe from harm",
    "NHWO-8": "Engaged workforce",
    "NHWO-9": "Resources used well",
    "ASCOF-1": "Quality of life",
    "ASCOF-2": "Delaying and reducing need",
    "ASCOF-3": "Positive experience of care",
    "ASCOF-4": "Safeguarding",
    "ASCOF23-QOL": "Quality of life",
    "ASCOF23-IND": "Independence",
    "ASCOF23-EMP": "Information and advice",
    "ASCOF23-SAF": "Safety",
    "ASCOF23-SOC": "Social connections",
    "ASCOF23-CQC": "Continuity and quality of care",
}
SHORT_NAME_LENGTH = 80  # Outcome.short_name's column
SHORTENED = 60  # a short name made from the wording is cut at a word before this many characters


def shorten(text: str) -> str:
    """A short name made from an outcome's wording: its first clause, cut at a word boundary."""
    text = " ".join((text or "").split())
    clause = text
    for mark in (". ", "; ", ", "):
        head = clause.split(mark, 1)[0]
        if 12 <= len(head) < len(clause):
            clause = head
    clause = clause.rstrip(".;:, ")
    if len(clause) <= SHORTENED:
        return clause
    cut = clause[:SHORTENED].rsplit(" ", 1)[0].rstrip(".;:, ")
    return cut + "…"


def short_name_of(outcome: Outcome | None) -> str:
    """What a page calls an outcome: its short name, or a shortened wording where it has none."""
    if outcome is None:
        return ""
    return outcome.short_name or shorten(outcome.text)


def add_template(framework: OutcomeFramework, outcomes: list[tuple]) -> None:
    """The outcomes, as (code, text) or (code, text, short name), with the standard questions
    for each and the delivery questions. A blank short name is made from the wording."""
    position = 0
    for index, (code, text, *rest) in enumerate(outcomes):
        short = ((rest[0] if rest else "") or "").strip() or shorten(text)
        outcome = Outcome(code=code, text=text, short_name=short[:SHORT_NAME_LENGTH], position=index)
        framework.outcomes.append(outcome)
        for spec in outcome_measures(code):
            position += 1
            framework.measures.append(Measure(outcome=outcome, position=position, **_defaults(spec)))
    for spec in DELIVERY_MEASURES:
        position += 1
        framework.measures.append(Measure(outcome=None, position=position, **_defaults(spec)))


def _defaults(spec: dict) -> dict:
    return {"required": True, "hint": "", "is_narrative": False, **spec}


def reference_file() -> Path:
    for path in REFERENCE_CANDIDATES:
        if path.exists():
            return path
    raise FileNotFoundError("outcome_frameworks.json not found in reference/")


def seed_frameworks() -> int:
    """Create the national frameworks that are missing (idempotent); returns how many were made."""
    data = json.loads(reference_file().read_text())
    made = 0
    for spec in data["frameworks"]:
        if db.session.scalar(select(OutcomeFramework.id).where(OutcomeFramework.code == spec["code"],
                                                               OutcomeFramework.owner_id.is_(None))):
            continue
        framework = OutcomeFramework(code=spec["code"], name=spec["name"], source=spec.get("source", ""))
        add_template(framework, [(o["code"], o["text"], SHORT_NAMES.get(o["code"], "")) for o in spec["outcomes"]])
        db.session.add(framework)
        made += 1
    db.session.flush()
    return made
