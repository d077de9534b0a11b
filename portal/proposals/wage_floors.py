"""A commissioner's wage floor per financial year (the real Living Wage, say: £12.60 for 2025-26,
£13.45 for 2026-27), which proposals' hourly pay is checked against."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.audit.services import record
from portal.extensions import db
from portal.models_base import utcnow
from portal.proposals import queries
from portal.proposals.inputs import decimal_field, text
from portal.proposals.models import WageFloor
from portal.proposals.services import ProposalErrors


def floors_of(commissioner) -> list[WageFloor]:
    return queries.wage_floors(commissioner.id)


def set_floor(commissioner, data: dict, *, actor) -> WageFloor:
    errors: dict[str, str] = {}
    year = text(data.get("year"))
    if not year.isdigit() or not 2000 <= int(year) <= 2098:
        errors["year"] = "Enter the year the financial year starts in, like 2026 for April 2026 to March 2027"
    hourly = decimal_field(data.get("hourly"), "hourly", "the hourly wage floor", errors, maximum=Decimal("9999.99"),
                           unit="£")
    if hourly is None and "hourly" not in errors:
        errors["hourly"] = "Enter the hourly wage floor, like 13.45"
    elif hourly is not None and hourly <= 0:
        errors["hourly"] = "The wage floor must be more than £0"
    note = text(data.get("note"))
    if len(note) > 200:
        errors["note"] = "The note must be 200 characters or fewer"
    if errors:
        raise ProposalErrors(errors)
    start = date(int(year), 4, 1)
    floor = db.session.scalar(select(WageFloor).where(WageFloor.tenant_id == commissioner.id,
                                                      WageFloor.year_start == start))
    if floor is None:
        floor = WageFloor(tenant_id=commissioner.id, year_start=start, listed=True)
        db.session.add(floor)
    floor.hourly, floor.note, floor.updated_at = hourly, note, utcnow()
    db.session.flush()
    record("proposals.wage_floor_set", floor, actor=actor, year=year, hourly=str(hourly))
    return floor
