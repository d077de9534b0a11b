"""The demo's visit actuals: last month's electronic call monitoring file for Glasgow's care-at-home
contract with Riverside Care (GCH-CAH-001), read by the contract's visit rule (actual time capped
at planned, rounded to the nearest 15 minutes, 10 minutes' tolerance), with a few exceptions:
two accepted and one rejected by Glasgow, the others pending; and a draft invoice Riverside built
from the payable visits. The card gets hourly weekday and weekend rates if it has none.

Dates are relative to the day the demo is seeded; running it again changes nothing.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.contracts.models import Contract
from portal.extensions import db
from portal.invoicing import actuals, rate_cards
from portal.invoicing.actuals_models import EXCEPTION, VisitImport
from portal.invoicing.queries import rates_of
from portal.invoicing.rates import days
from portal.tenants.context import tenant_context
from portal.tenants.queries import get_organisation_by_slug

CONTRACT = "GCH-CAH-001"
PEOPLE = [f"GL-{n:04d}" for n in range(101, 109)]


def _month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def visits_csv(first: date, last: date) -> str:
    """Two visits a weekday and one a weekend day for each person, on time to within a few minutes,
    except: GL-0102 arrives 25 minutes late on the 3rd; GL-0103 has no actual times on the 5th;
    GL-0104 has two overlapping visits on the 8th; GL-0105 leaves after 10 minutes on the 10th."""
    rows = ["Person reference,Planned start,Planned end,Actual start,Actual end,Carers"]
    for day in days(first, last):
        weekend = day.weekday() >= 5
        for index, person in enumerate(PEOPLE):
            slots = [("09:00", "09:45")] if weekend else [("08:00", "08:45"), ("17:00", "17:30")]
            for number, (start, end) in enumerate(slots):
                drift = (index + day.day + number) % 4  # 0-3 minutes late
                actual_start = f"{start[:3]}{int(start[3:]) + drift:02d}"
                actual_end = f"{end[:3]}{int(end[3:]) + drift:02d}" if int(end[3:]) + drift < 60 else end
                carers = 2 if person == "GL-0108" and number == 0 else 1
                if person == "GL-0102" and day.day == 3 and number == 0:
                    actual_start, actual_end = f"{start[:3]}25", f"{end[:3]}45"
                if person == "GL-0103" and day.day == 5 and number == 0:
                    rows.append(f"{person},{day} {start},{day} {end},,,{carers}")
                    continue
                if person == "GL-0105" and day.day == 10 and number == 0:
                    actual_end = f"{start[:3]}{int(start[3:]) + drift + 10:02d}"
                rows.append(f"{person},{day} {start},{day} {end},{day} {actual_start},{day} {actual_end},{carers}")
            if person == "GL-0104" and day.day == 8:
                first_start = "09:00" if weekend else "08:00"
                rows.append(f"{person},{day} {first_start[:3]}30,{day} {first_start[:2]}:59,"
                            f"{day} {first_start[:3]}30,{day} {first_start[:2]}:59,1")
    return "\n".join(rows) + "\n"


def seed_demo_actuals(today: date | None = None) -> int:
    """Make what is missing; returns how many things were made."""
    glasgow, riverside = get_organisation_by_slug("glasgow-hscp"), get_organisation_by_slug("riverside-care")
    if glasgow is None or riverside is None:
        return 0
    today = today or rate_cards.london_day()
    first, last = _month(today)
    filename = f"riverside-ecm-{first:%Y-%m}.csv"
    made = 0
    with tenant_context(glasgow.id):
        contract = db.session.scalar(select(Contract).where(Contract.reference == CONTRACT))
        if contract is None or not contract.start_date <= first <= last <= contract.end_date:
            return 0
        if not any(r.unit == "hour" for r in rates_of(contract)):
            for kind, rate in (("weekday", "22.5000"), ("weekend", "26.0000")):
                # "today" is the start, so the card is set without adjusting any demo invoice
                rate_cards.change_rate(contract, unit="hour", day_type=kind, service_type="", rate=rate,
                                       effective_from=contract.start_date, actor=None, today=contract.start_date)
            made += 1
        if actuals.visit_rule_of(contract).id is None:
            actuals.set_visit_rule(contract, basis="actual_capped", rounding=15, tolerance_minutes=10, actor=None)
            made += 1
        contract_id = contract.id
    with tenant_context(riverside.id):
        existing = db.session.scalar(select(VisitImport).where(VisitImport.filename == filename))
        if existing is not None:
            return made
        contract = db.session.get(Contract, contract_id)
        visit_import = actuals.import_visits(contract, visits_csv(first, last).encode(), filename, actor=None)
        import_id = visit_import.id
        made += 1
    with tenant_context(glasgow.id):
        waiting = actuals.visits_of(actuals.get_import(import_id), EXCEPTION)
        decisions = [("accept", "The carer was delayed by the previous visit: the time was given"),
                     ("reject", "No record that the visit took place: not payable"),
                     ("accept", "A second visit was arranged with the family that day")]
        by_person = {}
        for visit in waiting:
            by_person.setdefault(visit.person_ref, visit)
        for person, (decision, reason) in zip(("GL-0102", "GL-0103", "GL-0104"), decisions):
            if person in by_person:
                actuals.decide_exception(by_person[person], decision=decision, reason=reason, actor=None)
    with tenant_context(riverside.id):
        actuals.build_invoice(actuals.get_import(import_id), number=f"RC-ECM-{first:%Y%m}",
                              buyer_reference="GCC-PO-44120", actor=None)
    db.session.flush()
    return made
