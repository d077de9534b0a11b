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
                                                    "reference": " cly-  001 "}))
    assert errors == {} and (filters.period_from, filters.period_to) == (date(2025, 1, 1), date(2025, 2, 28))
    assert filters.statuses == COUNTED and filters.reference == "cly- 001"
    filters, errors = queue_filters_from(MultiDict({"from": "January", "status": "draft"}))
    assert errors == {"period_from": MONTH_MESSAGE} and filters.status is None  # never drafts


def test_status_groups_and_the_declaration_key_are_defined_once():
    """SQL and code name the groups; no other module spells the statuses out."""
    import re
    from pathlib import Path

    import portal

    root = Path(portal.__file__).parent
    spelled = re.compile(r"""['"](submitted|resubmitted|accepted|declaration)['"]\s*[,)]""")
    # Each domain's models (models.py, bid_models.py...) define its own statuses.
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.relative_to(root).parts[0] not in ("dev",) and not p.name.endswith("models.py")
                 and spelled.search(p.read_text())]
    assert offenders == []


def test_read_month_from_a_date_input_or_a_link():
    from portal.reporting.periods import read_month, read_month_range, with_month_args
    from werkzeug.datastructures import MultiDict

    typed = read_month({"from-month": "3", "from-year": "2026"}, "from")
    linked = read_month({"from": "2026-03"}, "from")
    assert typed.value == linked.value == date(2026, 3, 1) and typed.error is None is linked.error
    assert typed.typed == linked.typed == {"month": "3", "year": "2026"}  # a link fills the boxes too
    default = read_month({}, "to", default=date(2025, 1, 1))
    assert (default.value, default.typed, default.error) == (date(2025, 1, 1), {"month": "1", "year": "2025"}, None)
    for args, message in (({"to-month": "3"}, "The end month must include a month and a year"),
                          ({"to-month": "13", "to-year": "2025"}, "The end month must be a real month and year, like 3 2026"),
                          ({"to-month": "3", "to-year": "25"}, "The end month must be a real month and year, like 3 2026"),
                          ({"to-month": "٣", "to-year": "2025"}, "The end month must be a real month and year, like 3 2026"),
                          ({"to-month": "3", "to-year": "1850"}, "The end month must be between January 1900 and December 2200"),
                          ({"to": "March"}, "The end month must be a real month and year, like 3 2026")):
        month = read_month(args, "to", default=date(2025, 6, 1))
        assert month.error == message and month.value == date(2025, 6, 1), args
    assert read_month({"to-month": "13", "to-year": "2025"}, "to").typed == {"month": "13", "year": "2025"}
    first, last, errors = read_month_range({"from": "2025-06", "to": "2025-01"}, default_from=date(2024, 1, 1),
                                           default_to=date(2024, 12, 1))
    assert errors == {"from": "The start month must be the same as or before the end month"}
    assert (first.value, last.value) == (date(2024, 1, 1), date(2024, 12, 1))
    _f, _l, errors = read_month_range({"from": "2000-01", "to": "2025-01"}, longest=120)
    assert errors == {"from": "Choose a range of at most 120 months"}
    args = with_month_args(MultiDict({"from-month": "2", "from-year": "2025", "to": "nonsense", "status": "x"}),
                           read_month({"from-month": "2", "from-year": "2025"}, "from"), read_month({"to": "x"}, "to"))
    assert args.to_dict() == {"from": "2025-02", "status": "x"}
