"""The one month parser, and the filters that read months through it."""
from __future__ import annotations

from datetime import date

import pytest

from portal.reporting.periods import MONTH_MESSAGE, month_end, month_field, months_between, parse_month


@pytest.mark.parametrize("text,expected", [
    ("2025-03", date(2025, 3, 1)), ("2025-3", date(2025, 3, 1)), (" 2025-12 ", date(2025, 12, 1)),
    ("2025-13", None), ("2025-00", None), ("1899-01", None), ("2201-01", None), ("March 2025", None),
    ("2025-03-01", None), ("", None), (None, None), ("２０２５-03", None),
])
def test_parse_month(text, expected):
    assert parse_month(text) == expected


def test_month_fields_and_ranges():
    assert month_field("2024-02", end=True) == (date(2024, 2, 29), None)
    assert month_field("", default=date(2025, 1, 1)) == (date(2025, 1, 1), None)
    assert month_field("June") == (None, MONTH_MESSAGE)
    assert month_end(date(2025, 12, 9)) == date(2025, 12, 31)
    assert months_between(date(2024, 11, 1), date(2025, 2, 1)) == [
        date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]
    assert months_between(date(2025, 2, 1), date(2025, 1, 1)) == []


def test_the_review_queue_reads_its_filters_in_the_returns_domain():
    from werkzeug.datastructures import MultiDict

    from portal.returns.models import COUNTED
    from portal.returns.review_queue import queue_filters_from

    filters, errors = queue_filters_from(MultiDict({"from": "2025-01", "to": "2025-02", "status": "counted",
                                                    "contract": "7"}))
    assert errors == {} and (filters.period_from, filters.period_to) == (date(2025, 1, 1), date(2025, 2, 28))
    assert filters.statuses == COUNTED and filters.contract_id == 7
    filters, errors = queue_filters_from(MultiDict({"from": "January", "status": "draft"}))
    assert errors == {"period_from": MONTH_MESSAGE} and filters.status is None  # never drafts


def test_status_groups_and_the_declaration_key_are_defined_once():
    """SQL and code name the groups; no other module spells the statuses out."""
    import re
    from pathlib import Path

    import portal

    root = Path(portal.__file__).parent
    spelled = re.compile(r"""['"](submitted|resubmitted|accepted|declaration)['"]\s*[,)]""")
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.relative_to(root).parts[0] not in ("dev",) and p.name != "models.py" and spelled.search(
                     p.read_text())]
    assert offenders == []
