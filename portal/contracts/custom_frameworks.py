"""A commissioner's own outcome frameworks: outcomes, the standard questions, extra measures."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, or_, select

from portal.accounts.models import User
from portal.audit.services import record
from portal.contracts.frameworks import add_template
from portal.contracts.models import MEASURE_TYPES, Contract, Measure, Outcome, OutcomeFramework
from portal.errors import Conflict, NotFound, ServiceError
from portal.extensions import db
from portal.tenants.models import COMMISSIONER, Organisation

CODE_RE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
MEASURE_CODE_RE = re.compile(r"^[A-Z0-9]+([.-][A-Z0-9_]+)*$")
NUMERIC = ("integer", "decimal", "percentage")


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


def in_use(framework: OutcomeFramework) -> bool:
    # Only its owner may contract on a commissioner's framework, and the owner sees all its contracts.
    return db.session.scalar(select(func.count(Contract.id)).where(Contract.framework_id == framework.id)) > 0


def parse_outcomes(text: str, code: str) -> list[tuple[str, str]]:
    """One outcome a line, as 'CODE: text' or just the text (codes are then numbered)."""
    outcomes = []
    for number, line in enumerate([l.strip() for l in (text or "").splitlines() if l.strip()], start=1):
        head, sep, tail = line.partition(":")
        if sep and CODE_RE.match(head.strip().upper()) and tail.strip():
            outcomes.append((head.strip().upper(), tail.strip()))
        else:
            outcomes.append((f"{code}-{number}", line))
    return outcomes


def create_framework(owner: Organisation, *, name: str, code: str, outcomes: list[tuple[str, str]],
                     actor: User | None) -> OutcomeFramework:
    if owner.kind != COMMISSIONER:
        raise ServiceError("Only a commissioner can define outcome frameworks")
    name, code = (name or "").strip(), (code or "").strip().upper()
    if not name:
        raise ServiceError("Enter the framework's name", field="name")
    if not CODE_RE.match(code) or len(code) > 30:
        raise ServiceError("Enter a short code of capital letters, digits and hyphens, like GCH-OUTCOMES",
                           field="code")
    if db.session.scalar(select(OutcomeFramework.id).where(OutcomeFramework.code == code)):
        raise Conflict(f"The code {code} is already used by another framework: choose another", field="code")
    if not outcomes:
        raise ServiceError("Enter at least one outcome, one a line", field="outcomes")
    codes = [c for c, _t in outcomes]
    if len(set(codes)) != len(codes):
        raise ServiceError("Each outcome needs its own code", field="outcomes")
    if any(len(t) > 1000 for _c, t in outcomes) or len(outcomes) > 30:
        raise ServiceError("Enter at most 30 outcomes of up to 1,000 characters each", field="outcomes")
    framework = OutcomeFramework(code=code, name=name, source=f"Defined by {owner.name}", owner_id=owner.id)
    add_template(framework, outcomes)
    db.session.add(framework)
    db.session.flush()
    record("framework_created", framework, actor=actor, code=code, outcomes=len(outcomes))
    return framework


def create_framework_from_api(owner: Organisation, data: dict, *, actor: User | None) -> OutcomeFramework:
    """``POST /frameworks``: the framework, its outcomes and extra measures, all or nothing."""
    code = (data["code"] or "").strip().upper()
    outcomes = [((o["code"] or f"{code}-{n}").strip().upper(), o["text"].strip())
                for n, o in enumerate(data["outcomes"], start=1)]
    framework = create_framework(owner, name=data["name"], code=code, outcomes=outcomes, actor=actor)
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
        raise ServiceError("Enter a number, like 0 or 100", field=field) from None
    if not number.is_finite():
        raise ServiceError("Enter a number, like 0 or 100", field=field)
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
    if section != "delivery":
        outcome = db.session.scalar(select(Outcome).where(Outcome.framework_id == framework.id,
                                                          Outcome.code == section))
        if outcome is None:
            raise ServiceError("Choose the outcome the question belongs to", field="section")
    code, label = (code or "").strip().upper(), (label or "").strip()
    if not MEASURE_CODE_RE.match(code) or len(code) > 60:
        raise ServiceError("Enter a code of capital letters, digits, dots and hyphens, like NHWO-1.FALLS",
                           field="code")
    if db.session.scalar(select(Measure.id).where(Measure.framework_id == framework.id, Measure.code == code)):
        raise Conflict(f"This framework already has a question with the code {code}", field="code")
    if not label:
        raise ServiceError("Enter the question", field="label")
    if type not in MEASURE_TYPES:
        raise ServiceError("Choose the type of answer", field="type")
    minimum, maximum = _number(minimum, "minimum"), _number(maximum, "maximum")
    if type not in NUMERIC and (minimum is not None or maximum is not None):
        raise ServiceError("Only number answers can have a minimum or maximum", field="minimum")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise ServiceError("The minimum must not be more than the maximum", field="maximum")
    position = (db.session.scalar(select(func.max(Measure.position)).where(Measure.framework_id == framework.id))
                or 0) + 1
    measure = Measure(framework_id=framework.id, outcome_id=outcome.id if outcome else None, code=code,
                      label=label[:300], hint=(hint or "").strip(), type=type, required=bool(required),
                      minimum=minimum, maximum=maximum, position=position)
    db.session.add(measure)
    db.session.flush()
    record("framework_measure_added", framework, actor=actor, code=code)
    return measure
