"""Visit actuals: a contract's visit rule, the import of an electronic call monitoring (ECM) CSV,
the exceptions list and the invoice built from the payable visits.

The CSV has a header row and the columns person reference (pseudonymous), planned start,
planned end, actual start, actual end and carers (1 to 4); times are UK local time, like
``2026-04-01 08:00`` (``T`` between date and time, seconds and ``DD/MM/YYYY`` dates are read
too). Every row is checked and every problem is reported with its row and column; nothing is
kept when any row is wrong. A file has at most ``MAX_ROWS`` visits (read in the request).

Paid minutes, by the contract's rule: the planned length, the actual length, or the actual
length capped at the planned one; then rounded to the nearest 5 or 15 minutes (half a band
rounds up) when the rule says so. A visit without actual times is paid its planned length if
its exception is accepted.

Exceptions (the commissioner accepts or rejects each with a reason): an actual start or end
more than the tolerance away from the planned one; no actual start or end; a visit that overlaps
another visit to the same person (in the file, or already imported for the contract); an actual
length under half or over one and a half times the planned one.

The invoice: the provider builds a draft from the import's payable visits and its accepted
exceptions not yet charged (a visit is charged once). Exceptions still waiting are left out; an
exception accepted after the invoice was built goes on the next invoice built from the same
import (a supplementary invoice the provider builds and submits), never on one already built.
One line per day type, number of carers and rate of the card: hours = paid minutes × carers /
60, priced at the card's hourly rate for that day type, with its workings.
"""
from __future__ import annotations

import csv
import io
from collections import OrderedDict, defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.services import record
from portal.contracts.models import Contract
from portal.errors import Conflict, Invalid, ServiceError
from portal.extensions import db
from portal.invoicing import checks
from portal.invoicing import rates as rate_days
from portal.invoicing.actuals_models import (ACCEPTED, BASES, CHARGEABLE, EXCEPTION, MAX_TOLERANCE, PAYABLE, PROBLEMS,
                                             REJECTED, ROUNDINGS, Visit, VisitImport, VisitRule)
from portal.invoicing.models import DAY_TYPES, REJECTED as INVOICE_REJECTED, Invoice
from portal.invoicing.queries import rates_of
from portal.limits import EARLIEST_DATE, LATEST_DATE
from portal.models_base import utcnow

LONDON = ZoneInfo("Europe/London")
MAX_ROWS = 20000
MAX_BYTES = 5 * 1024 * 1024
MAX_VISIT_MINUTES = 12 * 60       # a visit longer than this is not a visit: refused as absurd
MAX_REASON = 2000
COLUMNS = OrderedDict([
    ("person_reference", "person reference"), ("planned_start", "planned start"), ("planned_end", "planned end"),
    ("actual_start", "actual start"), ("actual_end", "actual end"), ("carers", "carers")])
_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M",
            "%d/%m/%Y %H:%M:%S")


class ImportRejected(ServiceError):
    """The file is wrong: ``problems`` lists each with its row and column; nothing was kept."""

    status = 422

    def __init__(self, problems: list[dict]):
        self.problems = problems
        count = len(problems)
        super().__init__(f"The file has {count} problem{'s' if count != 1 else ''}: nothing has been imported. "
                         "Correct the file and upload it again",
                         errors={(f"row-{p['row']}-{p['column']}" if p.get("row") else "file"): p["message"]
                                 for p in problems[:200]})


# -- the visit rule -------------------------------------------------------------------------------

def visit_rule_of(contract: Contract) -> VisitRule:
    """The contract's rule, or the default (unsaved): actual time capped at planned, no rounding,
    10 minutes' tolerance."""
    found = db.session.scalar(select(VisitRule).where(VisitRule.tenant_id == contract.tenant_id,
                                                      VisitRule.contract_id == contract.id))
    return found or VisitRule(contract_id=contract.id, basis="actual_capped", rounding=0, tolerance_minutes=10)


def set_visit_rule(contract: Contract, *, basis, rounding, tolerance_minutes, actor: User | None) -> VisitRule:
    errors: dict[str, str] = {}
    basis = str(basis or "").strip()
    if basis not in BASES:
        errors["basis"] = "Choose how visits are paid: planned time, actual time, or actual time capped at planned"
    try:
        rounding = int(str(rounding).strip())
        if rounding not in ROUNDINGS:
            raise ValueError
    except (TypeError, ValueError):
        errors["rounding"] = "Choose the rounding: none, 5 minutes or 15 minutes"
    try:
        tolerance_minutes = int(str(tolerance_minutes).strip())
        if not 0 <= tolerance_minutes <= MAX_TOLERANCE:
            errors["tolerance_minutes"] = f"The tolerance must be between 0 and {MAX_TOLERANCE} minutes"
    except (TypeError, ValueError):
        errors["tolerance_minutes"] = "Enter the tolerance as a whole number of minutes, like 10"
    if errors:
        raise ServiceError("There is a problem with the visit rule", errors=errors)
    rule = visit_rule_of(contract)
    if rule.id is None:
        rule.tenant_id, rule.commissioner_id = contract.tenant_id, contract.commissioner_id
        db.session.add(rule)
    rule.basis, rule.rounding, rule.tolerance_minutes = basis, rounding, tolerance_minutes
    rule.updated_by_id, rule.updated_at = (actor.id if actor else None), utcnow()
    db.session.flush()
    record("visit_rule_set", rule, actor=actor, contract=contract.reference, rule=rule.description)
    return rule


def band(minutes: int, rounding: int) -> int:
    """``minutes`` rounded to the nearest band of ``rounding`` minutes (half a band rounds up)."""
    if not rounding:
        return minutes
    return int((Decimal(minutes) / rounding).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * rounding


def paid_minutes(rule: VisitRule, planned: int, actual: int | None) -> int:
    if rule.basis == "planned" or actual is None:
        minutes = planned
    elif rule.basis == "actual":
        minutes = actual
    else:
        minutes = min(actual, planned)
    return band(minutes, rule.rounding)


# -- reading the file -----------------------------------------------------------------------------

def _header_key(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())


def _time(text: str) -> datetime | None:
    for pattern in _FORMATS:
        try:
            local = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if not EARLIEST_DATE <= local.date() <= LATEST_DATE:
            return None
        return local.replace(tzinfo=LONDON).astimezone(ZoneInfo("UTC"))
    return None


def _minutes(start: datetime, end: datetime) -> int:
    return int((Decimal((end - start).total_seconds()) / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def read_rows(raw: bytes) -> list[dict]:
    """The file's visits as checked values, or ImportRejected listing every problem."""
    if not raw or not raw.strip():
        raise ImportRejected([{"row": None, "column": "file", "message": "The file is empty: upload the visits CSV"}])
    if len(raw) > MAX_BYTES:
        raise ImportRejected([{"row": None, "column": "file",
                               "message": f"The file must be smaller than {MAX_BYTES // (1024 * 1024)} MB"}])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([{"row": None, "column": "file", "message": (
            "The file is not a CSV in UTF-8: save it as “CSV UTF-8 (comma delimited)” and upload it again")}]) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportRejected([{"row": None, "column": "file", "message": "The file is empty: upload the visits CSV"}]) \
            from None
    keys = [_header_key(h) for h in header]
    missing = [label for key, label in COLUMNS.items() if key not in keys]
    if missing:
        raise ImportRejected([{"row": 1, "column": "header", "message": (
            f"The file has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}: the first row must name "
            "the columns person reference, planned start, planned end, actual start, actual end and carers")}])
    where = {key: keys.index(key) for key in COLUMNS}
    problems: list[dict] = []
    rows: list[dict] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                problems.append({"row": number, "column": "file",
                                 "message": f"A file can have at most {MAX_ROWS:,} visits: split it by month"})
                break
            rows.append(_check_row(number, cells, where, problems))
    except csv.Error as error:
        problems.append({"row": reader.line_num, "column": "file", "message": f"The CSV cannot be read here: {error}"})
    if not rows and not problems:
        problems.append({"row": None, "column": "file", "message": "The file has no visits under its header row"})
    if problems:
        raise ImportRejected(problems)
    return rows


def _check_row(number: int, cells: list[str], where: dict, problems: list[dict]) -> dict:
    def cell(key: str) -> str:
        index = where[key]
        return cells[index].strip() if index < len(cells) else ""

    def problem(key: str, message: str) -> None:
        problems.append({"row": number, "column": COLUMNS[key], "message": message})

    person = cell("person_reference")
    if not person:
        problem("person_reference", "Enter the person reference")
    elif len(person) > 60:
        problem("person_reference", "The person reference must be 60 characters or fewer")
    times = {}
    for key in ("planned_start", "planned_end", "actual_start", "actual_end"):
        value = cell(key)
        if not value:
            times[key] = None
            if key.startswith("planned"):
                problem(key, f"Enter the {COLUMNS[key]} time, like 2026-04-01 08:00")
            continue
        times[key] = _time(value)
        if times[key] is None:
            problem(key, f"“{value[:40]}” is not a date and time like 2026-04-01 08:00")
    for kind in ("planned", "actual"):
        start, end = times[f"{kind}_start"], times[f"{kind}_end"]
        if start and end:
            if end <= start:
                problem(f"{kind}_end", f"The {kind} end must be after the {kind} start")
            elif end - start > timedelta(minutes=MAX_VISIT_MINUTES):
                problem(f"{kind}_end", f"A visit of {_minutes(start, end):,} minutes is too long: a visit lasts "
                                       f"at most {MAX_VISIT_MINUTES // 60} hours. Check the {kind} times")
    carers_text = cell("carers") or "1"
    carers = 1
    if not carers_text.isdigit() or not 1 <= int(carers_text) <= 4:
        problem("carers", f"“{carers_text[:20]}” is not a number of carers from 1 to 4")
    else:
        carers = int(carers_text)
    return {"row": number, "person_ref": person, "carers": carers, **times}


# -- importing ------------------------------------------------------------------------------------

def _problems(visit: dict, rule: VisitRule) -> list[dict]:
    found = []
    start, end = visit["actual_start"], visit["actual_end"]
    if start is None or end is None or end <= start:
        return [{"code": "missing_actuals", "message": PROBLEMS["missing_actuals"]}]
    tolerance = timedelta(minutes=rule.tolerance_minutes)
    if abs(start - visit["planned_start"]) > tolerance or abs(end - visit["planned_end"]) > tolerance:
        found.append({"code": "outside_tolerance", "message": (
            f"{PROBLEMS['outside_tolerance']} ({rule.tolerance_minutes} minutes): started "
            f"{_shift(start - visit['planned_start'])}, ended {_shift(end - visit['planned_end'])}")})
    planned, actual = visit["planned_minutes"], visit["actual_minutes"]
    if actual * 2 < planned or actual * 2 > planned * 3:
        found.append({"code": "duration_far_off", "message": (
            f"{PROBLEMS['duration_far_off']}: {actual} minutes against {planned} planned")})
    return found


def _shift(delta: timedelta) -> str:
    minutes = _minutes(datetime.min, datetime.min + abs(delta))
    if minutes == 0:
        return "on time"
    return f"{minutes} minute{'s' if minutes != 1 else ''} {'late' if delta > timedelta(0) else 'early'}"


def _span(visit) -> tuple[datetime, datetime]:
    get = (lambda k: visit[k]) if isinstance(visit, dict) else (lambda k: getattr(visit, k))
    if get("actual_start") and get("actual_end") and get("actual_end") > get("actual_start"):
        return get("actual_start"), get("actual_end")
    return get("planned_start"), get("planned_end")


def _mark_overlaps(contract: Contract, visits: list[dict]) -> None:
    by_person: dict[str, list[dict]] = defaultdict(list)
    for visit in visits:
        by_person[visit["person_ref"]].append(visit)
    earliest = min(v["planned_start"] for v in visits) - timedelta(days=1)
    latest = max(v["planned_end"] for v in visits) + timedelta(days=1)
    known = db.session.scalars(select(Visit).where(
        Visit.tenant_id == contract.tenant_id, Visit.contract_id == contract.id, Visit.status != REJECTED,
        Visit.person_ref.in_(list(by_person)), Visit.planned_start < latest, Visit.planned_end > earliest))
    earlier: dict[str, list[tuple]] = defaultdict(list)
    for row in known:
        earlier[row.person_ref].append((*_span(row), f"row {row.row_number} of an earlier import"))
    for person, mine in by_person.items():
        spans = [(*_span(v), f"row {v['row']}", v) for v in sorted(mine, key=lambda v: _span(v)[0])]
        for index, (start, end, _name, visit) in enumerate(spans):
            clashes = [name for s, e, name, other in spans if other is not visit and s < end and start < e]
            clashes += [name for s, e, name in earlier[person] if s < end and start < e]
            if clashes:
                visit["problems"].append({"code": "overlapping", "message": (
                    f"{PROBLEMS['overlapping']} ({', '.join(clashes[:3])})")})


def import_visits(contract: Contract, raw: bytes, filename: str, *, actor: User | None) -> VisitImport:
    """Read an ECM file into an import of the contract's visits, each paid by the rule; every
    problem of the file refuses it whole (ImportRejected)."""
    rows = read_rows(raw)
    rule = visit_rule_of(contract)
    region = contract.holiday_region
    for visit in rows:
        visit["planned_minutes"] = _minutes(visit["planned_start"], visit["planned_end"])
        has_actuals = visit["actual_start"] and visit["actual_end"] and visit["actual_end"] > visit["actual_start"]
        visit["actual_minutes"] = _minutes(visit["actual_start"], visit["actual_end"]) if has_actuals else None
        visit["day"] = visit["planned_start"].astimezone(LONDON).date()
        visit["problems"] = _problems(visit, rule)
    outside = [v for v in rows if not contract.start_date <= v["day"] <= contract.end_date]
    if outside:
        raise ImportRejected([{"row": v["row"], "column": COLUMNS["planned_start"], "message": (
            f"The visit is on {v['day']:%-d %B %Y}, outside the contract, which runs from "
            f"{contract.start_date:%-d %B %Y} to {contract.end_date:%-d %B %Y}")} for v in outside])
    _mark_overlaps(contract, rows)
    made = VisitImport(tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id, contract_id=contract.id,
                       filename=(filename or "visits.csv")[:200], rule=rule.description[:200], visits=len(rows),
                       first_day=min(v["day"] for v in rows), last_day=max(v["day"] for v in rows),
                       uploaded_by_id=actor.id if actor else None)
    db.session.add(made)
    db.session.flush()
    for visit in rows:
        db.session.add(Visit(
            tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id, import_id=made.id,
            contract_id=contract.id, row_number=visit["row"], person_ref=visit["person_ref"],
            planned_start=visit["planned_start"], planned_end=visit["planned_end"],
            actual_start=visit["actual_start"], actual_end=visit["actual_end"], carers=visit["carers"],
            day=visit["day"], day_type=rate_days.day_type(visit["day"], region),
            planned_minutes=visit["planned_minutes"], actual_minutes=visit["actual_minutes"],
            paid_minutes=paid_minutes(rule, visit["planned_minutes"], visit["actual_minutes"]),
            status=EXCEPTION if visit["problems"] else PAYABLE, problems=visit["problems"]))
    db.session.flush()
    record("visits_imported", made, actor=actor, contract=contract.reference, visits=len(rows),
           exceptions=sum(1 for v in rows if v["problems"]))
    return made


# -- exceptions -----------------------------------------------------------------------------------

def decide_exception(visit: Visit, *, decision, reason, actor: User | None) -> Visit:
    """The commissioner accepts (the visit becomes chargeable) or rejects an exception, with a reason."""
    errors: dict[str, str] = {}
    decision = str(decision or "").strip()
    if decision not in ("accept", "reject"):
        errors["decision"] = "Choose whether to accept or reject the visit"
    reason = str(reason or "").strip()
    if not reason:
        errors["reason"] = "Enter the reason for your decision: the provider reads it"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"The reason must be {MAX_REASON:,} characters or fewer"
    if errors:
        raise ServiceError("There is a problem with the decision", errors=errors)
    if visit.status != EXCEPTION:
        raise Conflict(f"This visit is not waiting for a decision: it is {visit.status_label.lower()}")
    visit.status = ACCEPTED if decision == "accept" else REJECTED
    visit.decision_reason, visit.decided_by_id, visit.decided_at = reason, (actor.id if actor else None), utcnow()
    db.session.flush()
    record("visit_exception_decided", visit, actor=actor, decision=decision, reason=reason)
    return visit


# -- the invoice ----------------------------------------------------------------------------------

def chargeable(visit_import: VisitImport) -> list[Visit]:
    return list(db.session.scalars(select(Visit).where(
        Visit.tenant_id == visit_import.tenant_id, Visit.import_id == visit_import.id, Visit.status.in_(CHARGEABLE),
        Visit.invoice_id.is_(None)).order_by(Visit.day, Visit.planned_start)))


def invoice_lines(contract: Contract, visits: list[Visit], rule_text: str) -> list[dict]:
    """One line per day type, carers and card rate: hours = paid minutes × carers / 60."""
    card = rates_of(contract)
    service = contract.service_type
    groups: OrderedDict[tuple, list[Visit]] = OrderedDict()
    for visit in sorted(visits, key=lambda v: (list(DAY_TYPES).index(v.day_type), v.carers, v.day)):
        rate = rate_days.rate_on(card, visit.day, "hour", service, visit.day_type)
        if rate is None:
            raise Invalid(f"The contract's rate card has no hourly rate for {DAY_TYPES[visit.day_type].lower()} "
                          f"visits on {visit.day:%-d %B %Y}: ask the commissioner to add one", field="number")
        groups.setdefault((visit.day_type, visit.carers, rate.id), []).append(visit)
    lines = []
    for (kind, carers, _rate_id), group in groups.items():
        rate = rate_days.rate_on(card, group[0].day, "hour", service, kind)
        minutes = sum(v.paid_minutes for v in group)
        hours = (Decimal(minutes * carers) / 60).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        if hours == 0:
            continue
        label = DAY_TYPES[kind].lower()
        who = "1 carer" if carers == 1 else f"{carers} carers"
        lines.append({
            "description": f"Visits on {label}s, {who} ({len(group)} visit{'s' if len(group) != 1 else ''})",
            "quantity": hours, "unit": "hour", "unit_price": Decimal(rate.rate), "day_type": kind,
            "line_start": group[0].day, "line_end": group[-1].day,
            "workings": (f"{len(group)} {label} visit{'s' if len(group) != 1 else ''} from {group[0].day:%-d %B} to "
                         f"{group[-1].day:%-d %B %Y}: {minutes:,} paid minutes × {carers} carer"
                         f"{'s' if carers != 1 else ''} ÷ 60 = {hours.normalize():f} hours × £{Decimal(rate.rate):,.4f} "
                         f"(the rate card's {label} hourly rate from {rate.effective_from:%-d %B %Y}); paid by "
                         f"{rule_text[0].lower() + rule_text[1:]}")})
    return lines


def build_invoice(visit_import: VisitImport, *, number, buyer_reference="", actor: User | None) -> Invoice:
    """A draft invoice (source "actuals") of the import's chargeable visits not yet charged."""
    from portal.invoicing.services import create_invoice

    contract = visit_import.contract
    visits = chargeable(visit_import)
    if not visits:
        raise Conflict("Every payable visit of this file is already on an invoice, and no exception is waiting "
                       "to be charged")
    lines = invoice_lines(contract, visits, visit_import.rule)
    invoice = create_invoice(contract, number=number, period_start=min(v.day for v in visits),
                             period_end=max(v.day for v in visits), buyer_reference=buyer_reference, lines=lines,
                             actor=actor, source="actuals",
                             note=f"Built from {visit_import.filename} ({len(visits)} visits)")
    for line in invoice.lines:  # priced at the card's rate by the builder itself
        if line.card_rate is None:
            line.price_source = "card"
    for visit in visits:
        visit.invoice_id = invoice.id
    db.session.flush()
    return invoice


def overlapping_visits(invoice: Invoice) -> list[dict]:
    """The check "the same person reference with overlapping visits on two invoices": each visit
    charged on ``invoice`` that overlaps a visit to the same person charged on another invoice of
    the provider that is not rejected. [{"person_ref", "day", "invoice", "other_invoice", "message"}]."""
    mine = list(db.session.scalars(select(Visit).where(Visit.tenant_id == invoice.tenant_id,
                                                       Visit.invoice_id == invoice.id)))
    if not mine:
        return []
    others = db.session.execute(
        select(Visit, Invoice.number).join(Invoice, (Invoice.id == Visit.invoice_id) & (Invoice.tenant_id == Visit.tenant_id))
        .where(Visit.tenant_id == invoice.tenant_id, Visit.invoice_id != invoice.id,
               Invoice.status != INVOICE_REJECTED, Visit.person_ref.in_({v.person_ref for v in mine}),
               Visit.planned_start < max(v.planned_end for v in mine) + timedelta(days=1),
               Visit.planned_end > min(v.planned_start for v in mine) - timedelta(days=1))).all()
    found = []
    for visit in mine:
        start, end = _span(visit)
        for other, number in others:
            s, e = _span(other)
            if other.person_ref == visit.person_ref and s < end and start < e:
                found.append({"person_ref": visit.person_ref, "day": visit.day.isoformat(), "invoice": invoice.number,
                              "other_invoice": number, "message": (
                                  f"Person {visit.person_ref} has a visit on {visit.day:%-d %B %Y} that overlaps one "
                                  f"already charged on invoice {number}: remove the visit charged twice")})
    return found


def _overlap_findings(invoice: Invoice) -> list[dict]:
    """``overlapping_visits`` as the invoice checks' warnings (flagged to provider and approver)."""
    return [{"code": "overlapping_visits", "message": found["message"]} for found in overlapping_visits(invoice)]


checks.EXTRA_CHECKS.append(_overlap_findings)


# -- reads ----------------------------------------------------------------------------------------

def get_import(import_id: int) -> VisitImport | None:
    return db.session.scalar(select(VisitImport).where(VisitImport.id == import_id))


def get_visit(visit_id: int) -> Visit | None:
    return db.session.scalar(select(Visit).where(Visit.id == visit_id))


def imports_list(contract: Contract | None = None) -> list[VisitImport]:
    query = select(VisitImport).order_by(VisitImport.created_at.desc(), VisitImport.id.desc())
    if contract is not None:
        query = query.where(VisitImport.contract_id == contract.id)
    return list(db.session.scalars(query.limit(200)))


def visits_of(visit_import: VisitImport, status: str | None = None) -> list[Visit]:
    query = select(Visit).where(Visit.tenant_id == visit_import.tenant_id, Visit.import_id == visit_import.id)
    if status:
        query = query.where(Visit.status == status)
    return list(db.session.scalars(query.order_by(Visit.row_number)))


def counts(visit_import: VisitImport) -> dict[str, int]:
    found = {PAYABLE: 0, EXCEPTION: 0, ACCEPTED: 0, REJECTED: 0, "charged": 0}
    for visit in visits_of(visit_import):
        found[visit.status] += 1
        found["charged"] += visit.invoice_id is not None
    return found


def exceptions_list(status: str = EXCEPTION) -> list[Visit]:
    """Visits outside the rules (the organisation's: a commissioner's across its providers)."""
    return list(db.session.scalars(select(Visit).where(Visit.status == status)
                                   .order_by(Visit.day, Visit.person_ref, Visit.id).limit(500)))


def import_contract(visit_import: VisitImport) -> Contract:
    return visit_import.contract
