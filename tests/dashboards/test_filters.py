"""Reading the filters: GOV.UK date inputs from the form, YYYY-MM from links and the API."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.dashboards.filters import Filters, default_filters, from_request_args, returns_args

TODAY = date(2025, 7, 20)


def test_defaults_are_the_last_twelve_months():
    state = from_request_args({}, today=TODAY)
    assert state.errors == {}
    assert state.filters == default_filters(TODAY) == Filters(month_from=date(2024, 8, 1), month_to=date(2025, 7, 1))
    assert state.filters.range_end == date(2025, 7, 31)
    assert len(state.filters.months()) == 12


def test_date_inputs_and_links_give_the_same_filters():
    form = from_request_args({"from-month": "2", "from-year": "2025", "to-month": "04", "to-year": "2025",
                              "provider": "fern-care", "contract": "7", "service_type": "residential",
                              "locality": " North ", "threshold": "90.5%"}, today=TODAY)
    link = from_request_args(form.filters.args(), today=TODAY)
    assert form.errors == link.errors == {}
    assert form.filters == link.filters == Filters(
        month_from=date(2025, 2, 1), month_to=date(2025, 4, 1), provider="fern-care", contract_id=7,
        service_type="residential", locality="North", threshold=Decimal("90.5"))
    assert form.filters.args() == {"from": "2025-02", "to": "2025-04", "provider": "fern-care", "contract": "7",
                                   "service_type": "residential", "locality": "North", "threshold": "90.5"}
    assert "threshold" not in default_filters(TODAY).args()


def test_problems_are_named_per_field_and_the_defaults_stand_in():
    state = from_request_args({"from-month": "13", "from-year": "2025", "to-month": "3", "contract": "x",
                               "service_type": "spa", "provider": "<b>", "threshold": "-1"}, today=TODAY)
    assert set(state.errors) == {"from", "to", "contract", "service_type", "provider", "threshold"}
    assert state.errors["to"] == "The end month must include a month and a year"
    assert state.values["from"] == {"month": "13", "year": "2025"}  # shown back as typed
    assert state.filters == default_filters(TODAY)
    assert from_request_args({"from": "2025-06", "to": "2025-01"}, today=TODAY).errors == {
        "from": "The start month must be the same as or before the end month"}
    assert "at most 120 months" in from_request_args({"from": "2000-01", "to": "2025-01"}).errors["from"]
    assert from_request_args({"threshold": "NaN"}).errors["threshold"]


def test_drill_down_arguments():
    filters = Filters(month_from=date(2025, 1, 1), month_to=date(2025, 6, 1), locality="North")
    assert returns_args(filters) == {"period_from": "2025-01-01", "period_to": "2025-06-30", "locality": "North"}
    assert returns_args(filters, provider="fern-care", month=date(2025, 2, 1), state="late") == {
        "period_from": "2025-02-01", "period_to": "2025-02-28", "provider": "fern-care", "locality": "North",
        "status": ["submitted", "resubmitted", "accepted"], "late": "yes"}
    assert returns_args(filters, state="changes_requested")["status"] == ["changes_requested"]
    assert returns_args(filters, state="missing") is None and returns_args(filters, state="not_yet_due") is None
