"""A commissioner's own outcome frameworks: outcomes, the standard questions, extra measures."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, or_, select

from portal.accounts.models import User
from portal.audit.services import record
from portal.contracts.frameworks import SHORT_NAME_LENGTH, add_template, shorten
from portal.contracts.models import MEASURE_TYPES, Contract, Measure, Outcome, OutcomeFramework
from portal.errors import Conflict, Invalid, NotFound, ServiceError
from portal.extensions import db
from portal.limits import fits_id
from portal.tenants.models import COMMISSIONER, Organisation

# Codes reach spreadsheets and SQL keys: letters, digits and hyphens (and dots in measure codes)
# only, so none can start a formula. The page and the API both validate through this module.
CODE_RE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
MEASURE_CODE_RE = re.compile(r"^[A-Z0-9]+([.-][A-Z0-9_]+)*$")
NUMERIC = ("integer", "decimal", "percentage")
# The columns' sizes (portal.contracts.models), so that too long is a message, never a 500.
MAX_FRAMEWORK_CODE, MAX_NAME, MAX_OUTCOME_CODE, MAX_OUTCOME_TEXT, MAX_OUTCOMES = 30, 200, 40, 1000, 30
MAX_MEASURE_CODE, MAX_LABEL, MAX_HINT = 60, 300, 1000
# minimum and maximum are NUMERIC(18, 4): up to 14 digits before the point and 4 after.
LIMIT, PLACES = Decimal("1e14"), 4


def visible_frameworks(organisation: Organisation) -> list[OutcomeFramework]:
    """The national frameworks and the organisation's own."""
    return list(db.session.scalars(select(OutcomeFramework).where(
        or_(OutcomeFramework.owner_id.is_(None), OutcomeFramework.owner_id == organisation.id))
        .order_by(OutcomeFramework.owner_id.is_(None), OutcomeFramework.name)))


def get_visible_framework(organisation: Organisation, framework_id: int) -> OutcomeFramework | None:
    framework = db.session.get(OutcomeFramework, framework_id)
    if framework is None or framework.owner_id not in (None, organisation.id):
        return None  # another commissioner's framework looks like a missing one
    return framework


def get_visible_outcome(organisation: Organisation, outcome_id: int) -> Outcome | None:
    """An outcome of a national framework or of the organisation's own, or None."""
    if not fits_id(outcome_id):
        return None
    outcome = db.session.get(Outcome, outcome_id)
    if outcome is None or get_visible_framework(organisation, outcome.framework_id) is None:
        return None  # another commissioner's outcome looks like a missing one
    return outcome


def framework_by_code(organisation: Organisation, code: str | None) -> OutcomeFramework | None:
    """A framework the organisation may use, by its code: its own or a national one. Another
    commissioner's code answers like an unknown one."""
    code = (code or "").strip().upper()
    if not code:
        return None
    candidates = db.session.scalars(select(OutcomeFramework).where(
        OutcomeFramework.code == code,
        or_(OutcomeFramework.owner_id.is_(None), OutcomeFramework.owner_id == organisation.id))
        .order_by(OutcomeFramework.owner_id.is_(None)))  # its own first, should a national code come later
    return candidates.first()


def in_use(framework: OutcomeFramework) -> bool:
    # Only its owner may contract on a commissioner's framework, and the owner sees all its contracts.
    return db.session.scalar(select(func.count(Contract.id)).where(Contract.framework_id == framework.id)) > 0


def parse_outcomes(text: str, code: str) -> list[tuple[str, str, str]]:
    """One outcome a line, as 'CODE: outcome' or just the outcome (codes are then numbered); a
    short name may come first, before a '|': 'CODE: Short name | outcome'."""
    outcomes = []
    for number, line in enumerate([l.strip() for l in (text or "").splitlines() if l.strip()], start=1):
        head, sep, tail = line.partition(":")
        if sep and CODE_RE.match(head.strip().upper()) and tail.strip():
            outcome_code, wording = head.strip().upper(), tail.strip()
        else:
            outcome_code, wording = f"{code}-{number}", line
        short, bar, rest = wording.partition("|")
        if bar:
            outcomes.append((outcome_code, rest.strip(), short.strip()))
        else:
            outcomes.append((outcome_code, wording, ""))
    return outcomes


def _outcomes(raw: list[tuple], code: str) -> list[tuple[str, str, str]]:
    """Outcomes as (code, text, short name), from (code, text) or (code, text, short name): a blank
    code is numbered after the framework's code; a blank short name is made from the text."""
    if not raw:
        raise Invalid("Enter at least one outcome, one a line", field="outcomes")
    if len(raw) > MAX_OUTCOMES:
        raise Invalid(f"Enter at most {MAX_OUTCOMES} outcomes", field="outcomes")
    outcomes = []
    for number, (outcome_code, text, *rest) in enumerate(raw, start=1):
        outcome_code = (outcome_code or "").strip().upper() or f"{code}-{number}"
        text = (text or "").strip()
        short = " ".join(((rest[0] if rest else "") or "").split())
        if not CODE_RE.match(outcome_code) or len(outcome_code) > MAX_OUTCOME_CODE:
            raise Invalid(f"Outcome {number}: give a code of capital letters, digits and hyphens, up to "
                          f"{MAX_OUTCOME_CODE} characters, like {code}-{number}", field="outcomes")
        if not text:
            raise Invalid(f"Outcome {number}: enter what the outcome is", field="outcomes")
        if len(text) > MAX_OUTCOME_TEXT:
            raise Invalid(f"Outcome {number}: write it in up to {MAX_OUTCOME_TEXT:,} characters", field="outcomes")
        if len(short) > SHORT_NAME_LENGTH:
            raise Invalid(f"Outcome {number}: write the short name in up to {SHORT_NAME_LENGTH} characters, like "
                          "Safe from harm", field="outcomes")
        outcomes.append((outcome_code, text, short or shorten(text)))
    codes = [c for c, _t, _s in outcomes]
    if len(set(codes)) != len(codes):
        raise Invalid("Each outcome needs its own code", field="outcomes")
    return outcomes


def create_framework(owner: Organisation, *, name: str, code: str, outcomes: list[tuple],
                     actor: User | None) -> OutcomeFramework:
    """A commissioner's own framework. ``outcomes`` are (code, text) or (code, text, short name) as
    typed; a blank code is numbered after the framework's code, a blank short name is made from
    the text. Codes are unique among the owner's frameworks and the
    national ones (which are public); another commissioner may use the same code."""
    if owner.kind != COMMISSIONER:
        raise ServiceError("Only a commissioner can define outcome frameworks")
    name, code = (name or "").strip(), (code or "").strip().upper()
    if not name:
        raise Invalid("Enter the framework's name", field="name")
    if len(name) > MAX_NAME:
        raise Invalid(f"Write the name in up to {MAX_NAME} characters", field="name")
    if not CODE_RE.match(code) or len(code) > MAX_FRAMEWORK_CODE:
        raise Invalid(f"Enter a short code of capital letters, digits and hyphens, up to {MAX_FRAMEWORK_CODE} "
                      "characters, like GCH-OUTCOMES", field="code")
    taken = db.session.scalar(select(OutcomeFramework.owner_id.is_(None)).where(
        OutcomeFramework.code == code,
        or_(OutcomeFramework.owner_id.is_(None), OutcomeFramework.owner_id == owner.id)).limit(1))
    if taken is not None:
        raise Conflict(f"The code {code} is used by a national framework: choose another" if taken else
                       f"You already have a framework with the code {code}: choose another", field="code")
    outcomes = _outcomes(outcomes, code)
    framework = OutcomeFramework(code=code, name=name, source=f"Defined by {owner.name}", owner_id=owner.id)
    add_template(framework, outcomes)
    db.session.add(framework)
    db.session.flush()
    record("framework_created", framework, actor=actor, code=code, outcomes=len(outcomes))
    return framework


def create_framework_from_api(owner: Organisation, data: dict, *, actor: User | None) -> OutcomeFramework:
    """``POST /frameworks``: the framework, its outcomes and extra measures, all or nothing."""
    framework = create_framework(owner, name=data["name"], code=data["code"],
                                 outcomes=[(o["code"], o["text"], o["short_name"]) for o in data["outcomes"]],
                                 actor=actor)
    for m in data["measures"]:
        add_measure(owner, framework, section=m["section"], code=m["code"], label=m["label"], type=m["type"],
                    required=m["required"], minimum=m["minimum"], maximum=m["maximum"], hint=m["hint"], actor=actor)
    db.session.refresh(framework)
    return framework


def _number(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid("Enter a number, like 0 or 100", field=field) from None
    if not number.is_finite():
        raise Invalid("Enter a number, like 0 or 100", field=field)
    if abs(number) >= LIMIT:
        raise Invalid("Enter a number between -99,999,999,999,999 and 99,999,999,999,999", field=field)
    if number != number.quantize(Decimal(1).scaleb(-PLACES)):
        raise Invalid(f"Enter a number with no more than {PLACES} decimal places", field=field)
    return number


def add_measure(owner: Organisation, framework: OutcomeFramework, *, section: str, code: str, label: str,
                type: str, required: bool, minimum=None, maximum=None, hint: str = "",
                actor: User | None) -> Measure:
    """Add a question to the owner's framework, while no contract uses it."""
    if framework.owner_id != owner.id:
        raise NotFound("No such framework")
    if in_use(framework):
        raise Conflict("Contracts already use this framework, so its questions cannot change. "
                       "Define a new framework for new contracts.")
    outcome = None
    section = (section or "").strip()
    if section.lower() != "delivery":
        outcome = db.session.scalar(select(Outcome).where(Outcome.framework_id == framework.id,
                                                          Outcome.code == section.upper()))
        if outcome is None:
            raise Invalid("Choose the outcome the question belongs to, by its code, or delivery", field="section")
    code, label, hint = (code or "").strip().upper(), (label or "").strip(), (hint or "").strip()
    if not MEASURE_CODE_RE.match(code) or len(code) > MAX_MEASURE_CODE:
        raise Invalid(f"Enter a code of capital letters, digits, dots and hyphens, up to {MAX_MEASURE_CODE} "
                      "characters, like NHWO-1.FALLS", field="code")
    if db.session.scalar(select(Measure.id).where(Measure.framework_id == framework.id, Measure.code == code)):
        raise Conflict(f"This framework already has a question with the code {code}", field="code")
    if not label:
        raise Invalid("Enter the question", field="label")
    if len(label) > MAX_LABEL:
        raise Invalid(f"Write the question in up to {MAX_LABEL} characters: put any explanation in the hint",
                      field="label")
    if len(hint) > MAX_HINT:
        raise Invalid(f"Write the hint in up to {MAX_HINT:,} characters", field="hint")
    if type not in MEASURE_TYPES:
        raise Invalid("Choose the type of answer", field="type")
    minimum, maximum = _number(minimum, "minimum"), _number(maximum, "maximum")
    if type not in NUMERIC and (minimum is not None or maximum is not None):
        raise Invalid("Only number answers can have a minimum or maximum", field="minimum")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise Invalid("The minimum must not be more than the maximum", field="maximum")
    position = (db.session.scalar(select(func.max(Measure.position)).where(Measure.framework_id == framework.id))
                or 0) + 1
    measure = Measure(framework_id=framework.id, outcome_id=outcome.id if outcome else None, code=code,
                      label=label, hint=hint, type=type, required=bool(required),
                      minimum=minimum, maximum=maximum, position=position)
    db.session.add(measure)
    db.session.flush()
    record("framework_measure_added", framework, actor=actor, code=code)
    return measure
