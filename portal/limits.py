"""What the database's columns can hold, and how far paging goes.

Schemas, forms, services and queries check against these, so a value out of range is a
message (or an empty result), never a database error. NUMERIC bounds are read from the
model's column, so they follow a migration that widens it.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

BIGINT_MAX = 2**63 - 1  # ids
INTEGER_MAX = 2**31 - 1  # version numbers, counts
MAX_OFFSET = 1_000_000_000  # rows an API client may skip
MAX_PAGE = 1_000_000  # pages of results
#: Contract dates: a contract, its periods and its due dates stay well inside what dates can hold.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def fits_id(value: int | None) -> bool:
    """Whether a row could have this id (a bigint, not negative)."""
    return value is not None and 0 <= value <= BIGINT_MAX


def clamp_offset(offset: int | None) -> int:
    """Rows to skip, from 0 to MAX_OFFSET (a page past the last one simply shows nothing)."""
    return min(max(int(offset or 0), 0), MAX_OFFSET)


def clamp_page(page: int | None) -> int:
    return min(max(int(page or 1), 1), MAX_PAGE)


def numeric_max(column) -> Decimal:
    """The largest value a NUMERIC(precision, scale) column holds: Numeric(6, 2) gives 9999.99."""
    kind = column.type
    return Decimal(10) ** (kind.precision - kind.scale) - Decimal(10) ** -kind.scale
